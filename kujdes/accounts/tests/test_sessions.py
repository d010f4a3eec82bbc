"""Idle and absolute session limits; sign-out and deactivation end every session."""

from __future__ import annotations

import time

from allauth.usersessions.models import UserSession
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse

from kujdes.accounts.middleware import SESSION_AUTHENTICATED_AT
from kujdes.accounts.services import user_deactivate
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase


class SessionLifetimeTests(BaseTestCase):
    def test_the_idle_timeout_is_thirty_minutes_and_renewed_on_each_request(self) -> None:
        from django.conf import settings

        self.assertEqual(settings.SESSION_COOKIE_AGE, 30 * 60)
        self.assertTrue(settings.SESSION_SAVE_EVERY_REQUEST)
        from django.utils import timezone

        self.login(self.alice)
        self.client.get(reverse("home"))
        expires = Session.objects.get(session_key=self.client.session.session_key).expire_date
        self.assertAlmostEqual((expires - timezone.now()).total_seconds(), 1800, delta=5)

    def test_an_idle_session_expires_on_the_server(self) -> None:
        self.login(self.alice)
        session_key = self.client.session.session_key
        from django.utils import timezone

        Session.objects.filter(session_key=session_key).update(expire_date=timezone.now())
        response = self.client.get(reverse("home"))
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("account_login")))

    def test_a_session_ends_twelve_hours_after_sign_in_however_active(self) -> None:
        self.login(self.alice)
        session = self.client.session
        session[SESSION_AUTHENTICATED_AT] = time.time() - 12 * 3600 - 5
        session.save()
        response = self.client.get(reverse("home"))
        self.assertRedirects(response, reverse("account_login"), fetch_redirect_response=False)
        self.assertEqual(self.client.get(reverse("home")).status_code, 302)

    @override_settings(SESSION_MAX_HOURS=1)
    def test_the_absolute_limit_is_configurable(self) -> None:
        self.login(self.alice)
        session = self.client.session
        session[SESSION_AUTHENTICATED_AT] = time.time() - 3600 - 5
        session.save()
        self.assertEqual(self.client.get(reverse("home")).status_code, 302)


class ServerSideLogoutTests(BaseTestCase):
    def sign_in_through_the_form(self, client) -> None:  # type: ignore[no-untyped-def]
        from kujdes.accounts.tests.test_login import totp_now
        from kujdes.core.tests.base import PASSWORD

        client.post(reverse("account_login"), {"login": "alice", "password": PASSWORD})
        # Each device needs its own code: a code is accepted once.
        from django.core.cache import cache

        cache.clear()
        client.post(reverse("mfa_authenticate"), {"code": totp_now(self.alice)})

    def test_signing_out_ends_every_session_of_the_user(self) -> None:
        from django.test import Client

        phone, laptop = Client(), Client()
        self.sign_in_through_the_form(phone)
        self.sign_in_through_the_form(laptop)
        self.assertEqual(phone.get(reverse("home")).status_code, 200)
        self.assertEqual(laptop.get(reverse("home")).status_code, 200)
        self.assertEqual(UserSession.objects.filter(user=self.alice).count(), 2)
        phone.post(reverse("account_logout"))
        self.assertEqual(laptop.get(reverse("home")).status_code, 302)
        self.assertEqual(UserSession.objects.filter(user=self.alice).count(), 0)

    def test_deactivation_ends_every_session_and_token(self) -> None:
        from django.test import Client

        from kujdes.accounts.services import api_token_create

        device = Client()
        self.sign_in_through_the_form(device)
        with system_scope():
            _token, plaintext = api_token_create(user=self.alice, name="sync", expires_days=None)
        self.assertEqual(device.get(reverse("home")).status_code, 200)

        with self.captureOnCommitCallbacks(execute=True), system_scope():
            user_deactivate(actor=self.admin, user=self.alice)
        self.assertEqual(device.get(reverse("home")).status_code, 302)
        self.assertFalse(
            Session.objects.filter(
                session_key__in=UserSession.objects.filter(user=self.alice).values("session_key")
            ).exists()
        )
        response = self.client.get(reverse("api:me"), HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        self.assertEqual(response.status_code, 401)
