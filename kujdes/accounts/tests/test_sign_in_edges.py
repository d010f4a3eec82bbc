"""Rough edges of signing in: the welcome message speaks the page's language; a code typed twice
within its 30 seconds is told apart from a wrong one."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from kujdes.accounts.models import User
from kujdes.accounts.tests.test_login import totp_now
from kujdes.core.tests.base import PASSWORD, BaseTestCase


class SignInMessageLanguageTests(BaseTestCase):
    def sign_in(self, user: User) -> str:
        self.client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
        response = self.client.post(reverse("mfa_authenticate"), {"code": totp_now(user)}, follow=True)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_a_user_who_chose_english_is_welcomed_in_english(self) -> None:
        User.objects.filter(pk=self.alice.pk).update(language="en")
        html = self.sign_in(self.alice)
        self.assertIn('lang="en"', html)
        self.assertIn("Successfully signed in as", html)
        self.assertNotIn("Hytë me sukses", html)

    def test_a_user_who_chose_french_is_welcomed_in_french(self) -> None:
        User.objects.filter(pk=self.alice.pk).update(language="fr")
        html = self.sign_in(self.alice)
        self.assertIn("Connexion avec", html)
        self.assertNotIn("Hytë me sukses", html)

    def test_the_language_chosen_on_the_sign_in_page_welcomes_her(self) -> None:
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        html = self.sign_in(self.alice)
        self.assertIn("Connexion avec", html)

    def test_albanian_stays_the_default(self) -> None:
        self.assertIn("Hytë me sukses", self.sign_in(self.alice))


class UsedCodeTests(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def code_step(self, code: str) -> str:
        self.client.post(reverse("account_login"), {"login": "alice", "password": PASSWORD})
        response = self.client.post(reverse("mfa_authenticate"), {"code": code})
        return response.content.decode()

    def test_a_code_used_twice_says_wait_for_the_next_one(self) -> None:
        code = totp_now(self.alice)
        self.code_step(code)
        self.client.logout()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # logout() empties the cookies
        html = self.code_step(code)
        self.assertNotIn("_auth_user_id", self.client.session)
        self.assertIn("This code was just used. Wait for the next one", html)
        self.assertNotIn("Incorrect code", html)

    def test_a_wrong_code_is_still_a_wrong_code(self) -> None:
        code = totp_now(self.alice)
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        html = self.code_step(wrong)
        self.assertIn("Incorrect code", html)
        self.assertNotIn("just used", html)
