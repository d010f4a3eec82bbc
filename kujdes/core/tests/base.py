"""The cast of the tests (healthchecks' habit).

Organisation "al" has a national office with two dioceses, A and B, and a
centre below A. Alice and Bob are case workers in diocese A; Charlie is a case
worker in diocese B and "should have no access to Alice's stuff"; Dave is a
case worker in another organisation ("fr"). Each other role has one user in
"al"; "fr" has its own administrator.
"""

from __future__ import annotations

import time

from allauth.account.internal.flows.login import (
    _AUTHENTICATION_METHODS_USER_SESSION_KEY as AUTHENTICATION_USER_SESSION_KEY,
)
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.test import TestCase

from kujdes.accounts.models import User
from kujdes.core.crypto import caches_clear
from kujdes.core.models import Organisation, Unit, UnitKind
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.services import membership_assign, network_get_or_create, organisation_create, unit_create

PASSWORD = "correct horse battery staple"


def user_create(
    *, username: str, organisation: Organisation, unit: Unit | None, role: Role | None, mfa: bool = True
) -> User:
    user = User.objects.create_user(
        username=username,
        email=f"{username}@example.invalid",
        password=PASSWORD,
        organisation=organisation,
        first_name=username.title(),
        last_name="Test",
    )
    if unit is not None and role is not None:
        membership_assign(actor=None, user=user, unit=unit, role=role)
    if mfa:
        user.totp_secret = generate_totp_secret()  # type: ignore[attr-defined]
        TOTP.activate(user, user.totp_secret)  # type: ignore[attr-defined]
    return user


class BaseTestCase(TestCase):
    databases = {"default", "keys"}

    @classmethod
    def setUpTestData(cls) -> None:
        # Unwrapped keys are cached by organisation id, and rolled-back tests reuse ids.
        caches_clear()
        with system_scope():
            network = network_get_or_create(name="Test network")
            cls.org = organisation_create(
                network=network,
                code="al",
                name="Org AL",
                country="AL",
                languages=["sq"],
                default_language="sq",
                root_unit_name="National office",
            )
            cls.other_org = organisation_create(
                network=network,
                code="fr",
                name="Org FR",
                country="FR",
                languages=["fr"],
                default_language="fr",
                root_unit_name="Bureau national",
            )
            cls.root = Unit.objects.get(organisation=cls.org, parent__isnull=True)
            cls.other_root = Unit.objects.get(organisation=cls.other_org, parent__isnull=True)
            cls.diocese_a = unit_create(actor=None, parent=cls.root, name="Diocese A", kind=UnitKind.DIOCESE)
            cls.diocese_b = unit_create(actor=None, parent=cls.root, name="Diocese B", kind=UnitKind.DIOCESE)
            cls.centre_a = unit_create(
                actor=None, parent=cls.diocese_a, name="Centre A1", kind=UnitKind.CENTRE
            )
            cls.other_unit = unit_create(
                actor=None, parent=cls.other_root, name="Marseille", kind=UnitKind.OFFICE
            )

            def make(username: str, unit: Unit, role: Role, organisation: Organisation | None = None) -> User:
                return user_create(
                    username=username, organisation=organisation or cls.org, unit=unit, role=role
                )

            cls.alice = make("alice", cls.diocese_a, Role.CASE_WORKER)
            cls.bob = make("bob", cls.diocese_a, Role.CASE_WORKER)
            cls.charlie = make("charlie", cls.diocese_b, Role.CASE_WORKER)
            cls.dave = make("dave", cls.other_unit, Role.CASE_WORKER, cls.other_org)
            cls.admin = make("admin", cls.root, Role.ORGANISATION_ADMIN)
            cls.other_admin = make("other_admin", cls.other_root, Role.ORGANISATION_ADMIN, cls.other_org)
            cls.manager = make("manager", cls.diocese_a, Role.PROGRAMME_MANAGER)
            cls.educator = make("educator", cls.centre_a, Role.FIELD_EDUCATOR)
            cls.volunteer = make("volunteer", cls.centre_a, Role.VOLUNTEER)
            cls.dpo = make("dpo", cls.root, Role.DATA_PROTECTION_OFFICER)
            cls.viewer = make("viewer", cls.root, Role.VIEWER)
            cls.coordinator = make("coordinator", cls.root, Role.NETWORK_COORDINATOR)
            cls.other_dpo = make("other_dpo", cls.other_root, Role.DATA_PROTECTION_OFFICER, cls.other_org)

    def setUp(self) -> None:
        # Rate limits and used one-time codes live in the cache: start each test clean.
        cache.clear()
        caches_clear()

    def login(self, user: User, *, recently_authenticated: bool = True) -> None:
        """A fully signed-in session (password and second factor done, just now by default)."""
        self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        if recently_authenticated:
            # What allauth records after a password and a second factor were just re-entered.
            session = self.client.session
            session[AUTHENTICATION_METHODS_SESSION_KEY] = [
                {"method": "password", "at": time.time(), "username": user.username, "reauthenticated": True},
                {"method": "mfa", "at": time.time(), "type": "totp", "reauthenticated": True},
            ]
            session[AUTHENTICATION_USER_SESSION_KEY] = str(user.pk)
            session.save()

    def tamper(self, sql: str, params: list | None = None) -> None:
        """Change rows behind the application's back, as the database owner would."""
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("RESET ROLE")
            try:
                cursor.execute(sql, params or [])
            finally:
                if connection.vendor == "postgresql":
                    cursor.execute("SET ROLE kujdes_app")

    def has_totp(self, user: User) -> bool:
        return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
