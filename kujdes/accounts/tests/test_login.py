"""Signing in: password, then the second factor; throttling; unknown users."""

from __future__ import annotations

import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.test import override_settings
from django.urls import reverse

from kujdes.accounts.models import User
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import PASSWORD, BaseTestCase, user_create


def totp_now(user: User) -> str:
    return format_hotp_value(hotp_value(user.totp_secret, int(time.time()) // 30))  # type: ignore[attr-defined]


class LoginTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        # Messages are compared in English.
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def password_step(self, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        return self.client.post(reverse("account_login"), {"login": username, "password": password})

    def test_a_password_alone_does_not_sign_in_a_user_with_a_second_factor(self) -> None:
        response = self.password_step("alice")
        self.assertRedirects(response, reverse("mfa_authenticate"), fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        # The half-signed-in visitor reaches nothing.
        self.assertEqual(self.client.get(reverse("home")).status_code, 302)
        self.assertEqual(self.client.get(reverse("api:me")).status_code, 401)

    def test_the_code_completes_the_sign_in(self) -> None:
        self.password_step("alice")
        response = self.client.post(reverse("mfa_authenticate"), {"code": totp_now(self.alice)})
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)

    def test_a_used_code_is_refused_a_second_time(self) -> None:
        code = totp_now(self.alice)
        self.password_step("alice")
        self.client.post(reverse("mfa_authenticate"), {"code": code})
        self.client.logout()
        self.password_step("alice")
        response = self.client.post(reverse("mfa_authenticate"), {"code": code})
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_unknown_and_known_usernames_get_the_same_answer(self) -> None:
        known = self.password_step("alice", "wrong password 1234")
        unknown = self.password_step("nobody-here", "wrong password 1234")
        self.assertEqual(known.status_code, unknown.status_code)
        self.assertEqual(known.status_code, 200)
        # Same error text; only the echoed username differs.
        strip = lambda r: r.content.decode().replace("alice", "X").replace("nobody-here", "X")  # noqa: E731
        import re

        def normalised(r):  # type: ignore[no-untyped-def]
            text = strip(r)
            text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
            return re.sub(r'nonce="[^"]+"', "", text)

        self.assertEqual(normalised(known), normalised(unknown))

    def assert_throttled(self, response) -> None:  # type: ignore[no-untyped-def]
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("_auth_user_id", self.client.session)
        codes = [error.code for error in response.context["form"].non_field_errors().as_data()]
        self.assertEqual(codes, ["too_many_login_attempts"])

    @override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "100/300s/ip,10/300s/key"})
    def test_an_account_is_throttled_after_ten_failures(self) -> None:
        for _ in range(10):
            response = self.password_step("alice", "wrong password 1234")
            self.assertNotIn("too_many_login_attempts", str(response.context["form"].errors.as_data()))
        # Even the right password is refused now, and the same way for an unknown name.
        self.assert_throttled(self.password_step("alice"))
        for _ in range(10):
            self.password_step("nobody-here", "wrong password 1234")
        self.assert_throttled(self.password_step("nobody-here"))
        # Other accounts are unaffected.
        self.assertEqual(self.password_step("bob").status_code, 302)

    @override_settings(ACCOUNT_RATE_LIMITS={"login_failed": "10/300s/ip,100/300s/key"})
    def test_an_address_is_throttled_after_ten_failures_across_accounts(self) -> None:
        for index in range(10):
            self.password_step(f"user{index}", "wrong password 1234")
        self.assert_throttled(self.password_step("bob"))

    def test_the_default_limits_are_ten_tries(self) -> None:
        from django.conf import settings

        self.assertEqual(settings.ACCOUNT_RATE_LIMITS["login_failed"], "10/300s/ip,10/300s/key")

    def test_wrong_codes_are_throttled_too(self) -> None:
        self.password_step("alice")
        for _ in range(10):
            self.client.post(reverse("mfa_authenticate"), {"code": "000000"})
        response = self.client.post(reverse("mfa_authenticate"), {"code": totp_now(self.alice)})
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertIn("Too many failed login attempts", str(response.context["form"].errors))

    def test_a_deactivated_user_cannot_sign_in(self) -> None:
        User.objects.filter(pk=self.bob.pk).update(is_active=False)
        response = self.password_step("bob")
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertNotEqual(response.headers.get("Location"), reverse("mfa_authenticate"))


class MFAEnforcementTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.newcomer = user_create(
                username="newcomer",
                organisation=cls.org,
                unit=cls.diocese_a,
                role=Role.CASE_WORKER,
                mfa=False,
            )
            cls.board = user_create(
                username="board", organisation=cls.org, unit=cls.root, role=Role.VIEWER, mfa=False
            )

    def test_a_user_without_a_second_factor_is_sent_to_enrolment(self) -> None:
        self.login(self.newcomer)
        for url in (reverse("home"), reverse("token_list"), reverse("usersessions_list")):
            response = self.client.get(url)
            self.assertRedirects(response, reverse("mfa_activate_totp"), fetch_redirect_response=False)

    def test_the_api_refuses_a_user_without_a_second_factor(self) -> None:
        self.login(self.newcomer)
        response = self.client.get(reverse("api:me"))
        self.assertEqual(response.status_code, 403)
        self.assertIn("detail", response.json())

    def test_the_enrolment_page_itself_is_reachable(self) -> None:
        self.login(self.newcomer)
        self.assertEqual(self.client.get(reverse("mfa_activate_totp")).status_code, 200)

    def test_after_enrolment_the_user_gets_in(self) -> None:
        self.login(self.newcomer)
        page = self.client.get(reverse("mfa_activate_totp"))
        secret = page.context["form"].secret
        code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
        response = self.client.post(reverse("mfa_activate_totp"), {"code": code})
        self.assertEqual(response.status_code, 302, response.context and response.context["form"].errors)
        home = self.client.get(reverse("home"))
        self.assertEqual(home.status_code, 200, home.headers.get("Location"))

    def test_aggregate_only_roles_may_work_without_a_second_factor(self) -> None:
        self.login(self.board)
        self.assertEqual(self.client.get(reverse("home")).status_code, 200)

    def test_the_last_second_factor_cannot_be_removed(self) -> None:
        from allauth.mfa.models import Authenticator

        from kujdes.accounts.adapter import MFAAdapter

        totp = Authenticator.objects.get(user=self.alice, type=Authenticator.Type.TOTP)
        with self.settings():
            from kujdes.core.scoping import system_scope

            with system_scope():
                self.assertFalse(MFAAdapter().can_delete_authenticator(totp))


class TotpSeedStorageTests(BaseTestCase):
    def test_totp_seeds_are_stored_encrypted_and_still_work(self) -> None:
        from allauth.mfa.models import Authenticator

        stored = Authenticator.objects.get(user=self.alice, type=Authenticator.Type.TOTP).data["secret"]
        self.assertTrue(stored.startswith("s1:"))
        self.assertNotIn(self.alice.totp_secret, stored)  # type: ignore[attr-defined]
        self.client.post(reverse("account_login"), {"login": "alice", "password": PASSWORD})
        response = self.client.post(reverse("mfa_authenticate"), {"code": totp_now(self.alice)})
        self.assertRedirects(response, reverse("home"), fetch_redirect_response=False)
