from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from kujdes.accounts.models import User
from kujdes.core.models import Membership, Organisation, Unit
from kujdes.core.roles import NETWORK_ROLES, Role
from kujdes.core.scoping import system_scope
from kujdes.network.grants import network_admin_set, network_role_grant, network_role_revoke
from kujdes.network.services import partners_install


class Command(BaseCommand):
    help = (
        "The network room's installation tasks. partners-install: create the network's 11 partners "
        "from the shipped list (idempotent; edited partners are kept) and link each to the one "
        "organisation of this installation in its country, if there is exactly one. "
        "grant USERNAME --unit UNIT / revoke USERNAME: a network role (network coordinator), which "
        "only the installation's operators and network administrators give. admin USERNAME [--remove]: "
        "make a user one of the installation's network administrators. roles: who holds network roles."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["partners-install", "grant", "revoke", "admin", "roles"])
        parser.add_argument("username", nargs="?")
        parser.add_argument(
            "--no-link", action="store_true", help="do not link partners to this installation's organisations"
        )
        parser.add_argument(
            "--unit", help="grant: the unit's public id, or an organisation's code for its top unit"
        )
        parser.add_argument("--role", default=Role.NETWORK_COORDINATOR, choices=sorted(NETWORK_ROLES))
        parser.add_argument("--remove", action="store_true", help="admin: take the administrator right away")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        with system_scope():
            if action == "partners-install":
                self._partners_install(no_link=options["no_link"])
            elif action == "roles":
                for membership in Membership.objects.filter(role__in=NETWORK_ROLES).select_related(
                    "user", "unit", "organisation"
                ):
                    self.stdout.write(
                        f"{membership.user.username:<24} {membership.role:<22} "
                        f"{membership.organisation.code} / {membership.unit.name}"
                    )
            else:
                user = self._user(options["username"])
                try:
                    getattr(self, "_" + action)(user=user, **options)
                except ValidationError as exc:
                    raise CommandError(" ".join(exc.messages)) from None

    def _partners_install(self, *, no_link: bool) -> None:
        partners = partners_install(link_organisations=not no_link)
        for partner in partners:
            where = partner.organisation.code if partner.organisation else "not on this installation"
            self.stdout.write(f"{partner.code:<4} {partner.name:<40} {where}")

    def _user(self, username: str | None) -> User:
        if not username:
            raise CommandError("Name the user: kujdes network ACTION USERNAME.")
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        return user

    def _grant(self, *, user: User, unit: str | None, role: str, **_: Any) -> None:
        target = self._unit(unit, user)
        network_role_grant(actor=None, user=user, unit=target, role=role)
        self.stdout.write(f"{user.username}: {role} at {target.organisation.code} / {target.name}.")

    def _revoke(self, *, user: User, role: str, **_: Any) -> None:
        memberships = list(Membership.objects.filter(user=user, role=role))
        if not memberships:
            raise CommandError(f"{user.username} does not hold the role {role}.")
        for membership in memberships:
            network_role_revoke(actor=None, membership=membership)
        self.stdout.write(f"{user.username}: {role} revoked ({len(memberships)}).")

    def _admin(self, *, user: User, remove: bool, **_: Any) -> None:
        network_admin_set(user=user, is_admin=not remove)
        state = "is no longer" if remove else "is now"
        self.stdout.write(f"{user.username} {state} a network administrator of this installation.")

    def _unit(self, ref: str | None, user: User) -> Unit:
        if not ref:
            if user.organisation_id is None:
                raise CommandError("Name the unit with --unit.")
            found = Unit.objects.filter(organisation_id=user.organisation_id, parent__isnull=True).first()
        else:
            try:
                found = Unit.objects.filter(public_id=uuid.UUID(ref)).first()
            except ValueError:
                organisation = Organisation.objects.filter(code=ref).first()
                found = (
                    Unit.objects.filter(organisation=organisation, parent__isnull=True).first()
                    if organisation
                    else None
                )
        if found is None:
            raise CommandError(f"No unit {ref!r}.")
        return found
