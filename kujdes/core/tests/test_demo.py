"""The demo network: seeded once, accounts written out, one-time codes for demo accounts only."""

from __future__ import annotations

import json
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import TestCase, override_settings

from kujdes.accounts.models import User
from kujdes.core.models import Membership, Network, Organisation, Unit
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.services import network_get_or_create


class DemoTests(TestCase):
    databases = {"default", "keys"}

    def setUp(self) -> None:
        import tempfile

        self.var = Path(tempfile.mkdtemp())
        self.enterContext(override_settings(VAR_DIR=self.var))

    def demo(self) -> str:
        out = StringIO()
        call_command("demo", stdout=out)
        return out.getvalue()

    def test_the_demo_network_has_every_role_and_the_albanian_dioceses(self) -> None:
        self.demo()
        accounts = json.loads((self.var / "demo-accounts.json").read_text())
        self.assertEqual(
            set(accounts[0]),
            {"username", "password", "totp_secret", "roles", "organisation", "unit", "language"},
        )
        self.assertEqual({role for account in accounts for role in account["roles"]}, set(Role.values))
        with system_scope():
            self.assertEqual(Organisation.objects.count(), 3)
            dioceses = Unit.objects.filter(organisation__code="caritas-al", kind="diocese").count()
            self.assertEqual(dioceses, 6)
            case_workers = Membership.objects.filter(role=Role.CASE_WORKER).select_related(
                "unit", "organisation"
            )
            places = {(m.organisation.code, m.unit.name) for m in case_workers}
        self.assertEqual(len({code for code, _unit in places}), 3)
        self.assertGreaterEqual(len({unit for code, unit in places if code == "caritas-al"}), 2)

        # Issue 19: Caritas Lebanon works in Arabic and its case worker reads Arabic; a volunteer of the
        # Albanian programme reads Ukrainian. Both are in the demo accounts list with their language.
        by_name = {account["username"]: account for account in accounts}
        self.assertEqual(by_name["caseworker-lb"]["language"], "ar")
        self.assertEqual(
            (by_name["volunteer-uk"]["language"], by_name["volunteer-uk"]["organisation"]),
            ("uk", "caritas-al"),
        )
        with system_scope():
            self.assertEqual(Organisation.objects.get(code="caritas-lb").default_language, "ar")
        self.assertEqual(User.objects.get(username="caseworker-lb").language, "ar")

    def test_every_demo_password_is_accepted_by_the_password_rules(self) -> None:
        from django.contrib.auth.password_validation import validate_password

        self.demo()
        for account in json.loads((self.var / "demo-accounts.json").read_text()):
            user = User.objects.get(username=account["username"])
            self.assertTrue(user.check_password(account["password"]))
            validate_password(account["password"], user)

    def test_a_second_run_keeps_the_data(self) -> None:
        self.demo()
        first = (self.var / "demo-accounts.json").read_text()
        user_ids = set(User.objects.values_list("pk", flat=True))
        output = self.demo()
        self.assertIn("kept", output)
        self.assertEqual(set(User.objects.values_list("pk", flat=True)), user_ids)
        self.assertEqual((self.var / "demo-accounts.json").read_text(), first)

    def test_demo_totp_prints_the_current_code(self) -> None:
        from allauth.mfa.totp.internal.auth import validate_totp_code

        self.demo()
        account = json.loads((self.var / "demo-accounts.json").read_text())[3]
        out = StringIO()
        call_command("demo_totp", account["username"], stdout=out)
        code = out.getvalue().strip()
        self.assertRegex(code, r"^\d{6}$")
        self.assertTrue(validate_totp_code(account["totp_secret"], code))

    def test_demo_totp_is_refused_on_an_installation_that_is_not_a_demo(self) -> None:
        network_get_or_create(name="Real network")
        with pytest.raises(CommandError, match="not a demo"):
            call_command("demo_totp", "anyone")

    def test_the_demo_refuses_to_seed_a_real_installation(self) -> None:
        network_get_or_create(name="Real network")
        with pytest.raises(CommandError, match="not a demo"):
            self.demo()
        self.assertFalse(Organisation.objects.exists())
        self.assertFalse(Network.objects.filter(is_demo=True).exists())

    def test_the_printed_table_lists_every_account(self) -> None:
        output = self.demo()
        for account in json.loads((self.var / "demo-accounts.json").read_text()):
            self.assertRegex(output, re.escape(account["username"]))
