"""Reads of the field-capture room, each scoped by who asks: a signed-in administrator or a phone."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from kujdes.accounts.models import User
from kujdes.core.models import Unit
from kujdes.core.roles import ROLE_REACH, Perm, Reach, Role
from kujdes.core.selectors import memberships_of, units_for_actor
from kujdes.fieldsync.models import Device, Form, FormMedia, FormVersion, Submission


@dataclass
class Principal:
    """Who a phone acts as: a user, at the units it works in, with the roles held there."""

    user: User
    organisation_id: int
    units: list[Unit]
    roles: set[str]
    device: Device | None = None
    unit_paths: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.unit_paths = [unit.path for unit in self.units]

    @property
    def home_unit(self) -> Unit:
        return self.units[0]


def _membership_reaches(membership_unit: Unit, role: Role, unit: Unit) -> bool:
    reach = ROLE_REACH[role]
    if reach is Reach.ORGANISATION:
        return membership_unit.organisation_id == unit.organisation_id
    if reach is Reach.UNIT:
        return membership_unit.pk == unit.pk
    return unit.path.startswith(membership_unit.path)


def principal_for_device(*, device: Device) -> Principal | None:
    """The device's user at the device's unit, or None when the user no longer works there.

    Runs inside the device organisation's scope.
    """
    unit = Unit.objects.filter(pk=device.unit_id, is_active=True).first()
    if unit is None:
        return None
    roles = {
        m.role
        for m in memberships_of(user=device.user)
        if m.organisation_id == device.organisation_id and _membership_reaches(m.unit, Role(m.role), unit)
    }
    if not roles:
        return None
    return Principal(
        user=device.user, organisation_id=device.organisation_id, units=[unit], roles=roles, device=device
    )


def principal_for_user(*, user: User) -> Principal | None:
    """A user signing in with a password: the units of their memberships in their own organisation."""
    memberships = [m for m in memberships_of(user=user) if m.organisation_id == user.organisation_id]
    if not memberships:
        return None
    units = list({m.unit_id: m.unit for m in memberships}.values())
    return Principal(
        user=user,
        organisation_id=memberships[0].organisation_id,
        units=units,
        roles={m.role for m in memberships},
    )


def forms_for_principal(*, principal: Principal, xml_form_id: str | None = None) -> QuerySet[Form]:
    """Forms published to one of the principal's units or above it, for one of its roles (only the
    one with `xml_form_id`, when given: a submission or a download needs no other)."""
    reaching = Q()
    for path in principal.unit_paths:
        # A publication at P reaches U when U's path starts with P's path: the ancestors of U.
        ancestors = [p for p in _path_prefixes(path)]
        reaching |= Q(publications__unit__path__in=ancestors)
    forms = (
        Form.objects.filter(organisation_id=principal.organisation_id, current_version__isnull=False)
        .filter(reaching)
        .distinct()
    )
    if xml_form_id is not None:
        forms = forms.filter(xml_form_id=xml_form_id)
    # Roles are a JSON list: checked here on two columns (SQLite has no JSON containment).
    allowed = [
        pk for pk, roles in forms.values_list("pk", "roles") if not roles or set(roles) & principal.roles
    ]
    return Form.objects.filter(pk__in=allowed)


def _path_prefixes(path: str) -> list[str]:
    """ "/1/4/9/" → ["/1/", "/1/4/", "/1/4/9/"]."""
    parts = [p for p in path.split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def form_for_principal(*, principal: Principal, xml_form_id: str) -> Form:
    """One form the principal may use; Form.DoesNotExist for another unit's form as for a missing one."""
    return (
        forms_for_principal(principal=principal, xml_form_id=xml_form_id)
        .select_related("current_version")
        .get(xml_form_id=xml_form_id)
    )


def form_version_media(*, version: FormVersion) -> QuerySet[FormMedia]:
    return FormMedia.objects.filter(form_version=version)


# --- the administrators' pages ------------------------------------------------------------------


def forms_for_actor(*, actor: User) -> QuerySet[Form]:
    """Forms of the organisations where the actor configures: their administrators."""
    units = units_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
    organisation_ids = set(units.values_list("organisation_id", flat=True))
    return Form.objects.filter(organisation_id__in=organisation_ids).select_related("current_version")


def form_get_for_actor(*, actor: User, public_id: str) -> Form:
    return forms_for_actor(actor=actor).get(public_id=public_id)


def devices_for_actor(*, actor: User) -> QuerySet[Device]:
    """The actor's own phones, and every phone of the organisations whose users the actor manages."""
    units = units_for_actor(actor=actor, perm=Perm.ORGANISATION_USERS_MANAGE)
    organisation_ids = set(units.values_list("organisation_id", flat=True))
    return Device.objects.filter(Q(user=actor) | Q(organisation_id__in=organisation_ids)).select_related(
        "user", "unit"
    )


def submissions_of_form(*, actor: User, form: Form) -> QuerySet[Submission]:
    """A form's submissions for its administrators (the caller got `form` from forms_for_actor)."""
    return Submission.objects.filter(form=form).select_related(
        "form_version", "submitted_by", "unit", "device"
    )


def submission_get_for_actor(*, actor: User, public_id: str) -> Submission:
    """One submission of a form the actor administers; Submission.DoesNotExist otherwise (→ 404)."""
    return Submission.objects.select_related("form", "form_version", "submitted_by", "unit").get(
        public_id=public_id, form__in=forms_for_actor(actor=actor)
    )
