"""The roles of DESIGN.md §2, defined in code as permission sets.

A membership (user × unit × role) grants its role's permissions over the
unit's subtree, except where the role's reach says otherwise.
"""

from __future__ import annotations

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    NETWORK_COORDINATOR = "network_coordinator", _("Network coordinator")
    ORGANISATION_ADMIN = "organisation_admin", _("Organisation administrator")
    PROGRAMME_MANAGER = "programme_manager", _("Programme manager")
    CASE_WORKER = "case_worker", _("Case worker")
    FIELD_EDUCATOR = "field_educator", _("Field educator")
    VOLUNTEER = "volunteer", _("Volunteer")
    DATA_PROTECTION_OFFICER = "data_protection_officer", _("Data protection officer")
    VIEWER = "viewer", _("Viewer")


class Perm(StrEnum):
    NETWORK_MANAGE = "network.manage"
    NETWORK_AGGREGATES_VIEW = "network.aggregates.view"
    # The network room (kujdes/network): every staff member reads its directories, exchanges and
    # milestones; everyone reads published good practices; an organisation's administrators and
    # programme managers are its focal points (they contribute) and make its statistics releases.
    NETWORK_READ = "network.read"
    NETWORK_PRACTICES_READ = "network.practices.read"
    NETWORK_CONTRIBUTE = "network.contribute"
    NETWORK_RELEASE = "network.release"
    # Federation between installations (kujdes/network/federation): this installation's card, its
    # peers and their traffic. Peers belong to the installation, not to one organisation.
    FEDERATION_MANAGE = "federation.manage"
    ORGANISATION_USERS_MANAGE = "organisation.users.manage"
    ORGANISATION_UNITS_MANAGE = "organisation.units.manage"
    ORGANISATION_CONFIGURE = "organisation.configure"
    PERSON_VIEW = "person.view"
    PERSON_MANAGE = "person.manage"
    PERSON_REGISTER_MINIMAL = "person.register_minimal"
    CASE_VIEW = "case.view"
    CASE_MANAGE = "case.manage"
    CASE_APPROVE = "case.approve"
    # Importing cases from a spreadsheet (HTCDS): into the hands of a case worker of the unit.
    CASE_IMPORT = "case.import"
    PROGRAMME_VIEW = "programme.view"
    PROGRAMME_MANAGE = "programme.manage"
    ATTENDANCE_RECORD = "programme.attendance.record"
    REPORTS_VIEW = "reports.view"
    EXPORTS_APPROVE = "exports.approve"
    AUDIT_VIEW = "audit.view"
    CONSENT_MANAGE = "consent.manage"
    ERASURE_MANAGE = "erasure.manage"


class Reach(StrEnum):
    """How far a membership reaches from its unit."""

    SUBTREE = "subtree"  # the unit and everything below it
    UNIT = "unit"  # the unit only (volunteers)
    ORGANISATION = "organisation"  # the whole organisation, whatever the unit


# What every staff member has of the network room, and what focal points add to it.
NETWORK_STAFF = (Perm.NETWORK_READ, Perm.NETWORK_PRACTICES_READ)
NETWORK_FOCAL_POINT = (*NETWORK_STAFF, Perm.NETWORK_CONTRIBUTE, Perm.NETWORK_RELEASE)

ROLE_PERMISSIONS: dict[Role, frozenset[Perm]] = {
    Role.NETWORK_COORDINATOR: frozenset(
        {
            Perm.NETWORK_MANAGE,
            Perm.NETWORK_AGGREGATES_VIEW,
            Perm.NETWORK_READ,
            Perm.NETWORK_PRACTICES_READ,
            Perm.FEDERATION_MANAGE,
        }
    ),
    Role.ORGANISATION_ADMIN: frozenset(
        {
            Perm.ORGANISATION_USERS_MANAGE,
            Perm.ORGANISATION_UNITS_MANAGE,
            Perm.ORGANISATION_CONFIGURE,
            Perm.CASE_IMPORT,
            Perm.REPORTS_VIEW,
            Perm.FEDERATION_MANAGE,
            *NETWORK_FOCAL_POINT,
        }
    ),
    Role.PROGRAMME_MANAGER: frozenset(
        {
            Perm.PROGRAMME_VIEW,
            Perm.PROGRAMME_MANAGE,
            Perm.ATTENDANCE_RECORD,
            Perm.PERSON_VIEW,
            Perm.PERSON_REGISTER_MINIMAL,
            Perm.CASE_VIEW,
            Perm.CASE_APPROVE,
            Perm.CASE_IMPORT,
            Perm.REPORTS_VIEW,
            Perm.EXPORTS_APPROVE,
            *NETWORK_FOCAL_POINT,
        }
    ),
    Role.CASE_WORKER: frozenset(
        {
            Perm.PERSON_VIEW,
            Perm.PERSON_MANAGE,
            Perm.PERSON_REGISTER_MINIMAL,
            Perm.CASE_VIEW,
            Perm.CASE_MANAGE,
            Perm.CASE_IMPORT,
            Perm.CONSENT_MANAGE,
            Perm.PROGRAMME_VIEW,
            Perm.REPORTS_VIEW,
            *NETWORK_STAFF,
        }
    ),
    Role.FIELD_EDUCATOR: frozenset(
        {
            Perm.PROGRAMME_VIEW,
            Perm.PROGRAMME_MANAGE,
            Perm.ATTENDANCE_RECORD,
            Perm.PERSON_REGISTER_MINIMAL,
            Perm.REPORTS_VIEW,
            *NETWORK_STAFF,
        }
    ),
    Role.VOLUNTEER: frozenset({Perm.PROGRAMME_VIEW, Perm.ATTENDANCE_RECORD, Perm.NETWORK_PRACTICES_READ}),
    Role.DATA_PROTECTION_OFFICER: frozenset(
        {Perm.AUDIT_VIEW, Perm.CONSENT_MANAGE, Perm.ERASURE_MANAGE, *NETWORK_STAFF}
    ),
    Role.VIEWER: frozenset({Perm.REPORTS_VIEW, Perm.NETWORK_PRACTICES_READ}),
}

ROLE_REACH: dict[Role, Reach] = {
    Role.NETWORK_COORDINATOR: Reach.ORGANISATION,
    Role.ORGANISATION_ADMIN: Reach.ORGANISATION,
    Role.PROGRAMME_MANAGER: Reach.SUBTREE,
    Role.CASE_WORKER: Reach.SUBTREE,
    Role.FIELD_EDUCATOR: Reach.SUBTREE,
    Role.VOLUNTEER: Reach.UNIT,
    Role.DATA_PROTECTION_OFFICER: Reach.ORGANISATION,
    Role.VIEWER: Reach.ORGANISATION,
}

# Roles whose scope is the network, not one organisation: only the installation's network
# administrators grant them (`kujdes network grant`), never an organisation's admins.
NETWORK_ROLES: frozenset[Role] = frozenset({Role.NETWORK_COORDINATOR})

# Roles that see personal data (names on attendance lists count): these need a second factor.
# The network coordinator and the viewer see aggregates only.
PERSONAL_DATA_ROLES: frozenset[Role] = frozenset(set(Role) - {Role.NETWORK_COORDINATOR, Role.VIEWER})


def role_grants(role: str, perm: Perm) -> bool:
    return perm in ROLE_PERMISSIONS.get(Role(role), frozenset())


def roles_with(perm: Perm) -> list[Role]:
    return [role for role, perms in ROLE_PERMISSIONS.items() if perm in perms]
