"""Headers on every response, health check, translated error pages, languages."""

from __future__ import annotations

from django.http import HttpRequest
from django.test import override_settings
from django.urls import path, reverse

from kujdes.accounts.models import User
from kujdes.core.tests.base import BaseTestCase


def crashing_view(request: HttpRequest) -> None:
    raise RuntimeError("secret internal detail: AL-SHK-2026-000123")


urlpatterns = [path("crash", crashing_view)]


class HeaderTests(BaseTestCase):
    def assert_security_headers(self, response) -> None:  # type: ignore[no-untyped-def]
        csp = response["Content-Security-Policy"]
        for directive in (
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "default-src 'self'",
        ):
            self.assertIn(directive, csp)
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")
        self.assertEqual(response["Referrer-Policy"], "same-origin")
        self.assertEqual(response["Cross-Origin-Opener-Policy"], "same-origin")
        self.assertIn("camera=()", response["Permissions-Policy"])
        self.assertEqual(response["X-Frame-Options"], "DENY")

    def test_every_kind_of_response_carries_the_security_headers(self) -> None:
        responses = [
            self.client.get(reverse("healthz")),
            self.client.get(reverse("account_login")),
            self.client.get("/no-such-page"),
            self.client.get(reverse("api:me")),
        ]
        self.login(self.alice)
        responses += [
            self.client.get(reverse("home")),
            self.client.get(reverse("user_list")),
            self.client.get(reverse("api:me")),
            self.client.get("/static/kujdes/kujdes.css"),
        ]
        for response in responses:
            with self.subTest(status=response.status_code, type=response.get("Content-Type")):
                self.assert_security_headers(response)

    def test_signed_in_pages_and_the_api_are_not_stored(self) -> None:
        self.assertIn("no-store", self.client.get(reverse("api:me"))["Cache-Control"])
        self.login(self.alice)
        for url in (reverse("home"), reverse("api:me"), reverse("token_list")):
            self.assertIn("no-store", self.client.get(url)["Cache-Control"])

    def test_pages_allow_only_their_own_nonced_scripts(self) -> None:
        anonymous = self.client.get(reverse("account_login"))
        self.login(self.alice)
        for response in (anonymous, self.client.get(reverse("home"))):
            csp = response["Content-Security-Policy"]
            self.assertRegex(csp, r"script-src 'self' 'nonce-[A-Za-z0-9+/=]+'")
            self.assertNotIn("unsafe-inline", csp)

    def test_the_script_nonce_matches_the_policy(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("home"))
        nonce = response.wsgi_request.csp_nonce
        self.assertIn(f"'nonce-{nonce}'", response["Content-Security-Policy"])
        self.assertContains(response, f'nonce="{nonce}"')

    def test_the_health_check_needs_no_sign_in_and_says_nothing_more(self) -> None:
        response = self.client.get(reverse("healthz"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"ok")


class ErrorPageTests(BaseTestCase):
    def test_the_404_page_is_translated(self) -> None:
        self.assertContains(self.client.get("/no-such-page"), "Nuk u gjet", status_code=404)
        self.client.cookies["kujdes_language"] = "fr"
        self.assertContains(self.client.get("/no-such-page"), "Introuvable", status_code=404)

    @override_settings(ROOT_URLCONF="kujdes.core.tests.test_http", DEBUG=False)
    def test_a_server_error_shows_no_details(self) -> None:
        self.client.raise_request_exception = False
        response = self.client.get("/crash")
        self.assertEqual(response.status_code, 500)
        body = response.content.decode()
        self.assertNotIn("secret internal detail", body)
        self.assertNotIn("Traceback", body)
        self.assertNotIn("AL-SHK", body)


class LanguageTests(BaseTestCase):
    def test_anonymous_visitors_get_albanian_by_default(self) -> None:
        self.assertContains(self.client.get(reverse("account_login")), '<html lang="sq"')
        response = self.client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9")
        self.assertContains(response, '<html lang="sq"')

    def test_anonymous_visitors_read_their_browsers_language_when_it_is_offered(self) -> None:
        response = self.client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="uk-UA,uk;q=0.9,en;q=0.5")
        self.assertContains(response, '<html lang="uk" dir="ltr"')
        response = self.client.get(reverse("account_login"), HTTP_ACCEPT_LANGUAGE="ar-LB")
        self.assertContains(response, '<html lang="ar" dir="rtl"')

    def test_a_signed_in_user_is_not_moved_by_the_browsers_language(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="uk")
        self.assertContains(response, '<html lang="sq"')

    def test_a_user_gets_the_organisation_language(self) -> None:
        self.login(self.dave)
        self.assertContains(self.client.get(reverse("home")), '<html lang="fr"')
        self.login(self.alice)
        self.assertContains(self.client.get(reverse("home")), '<html lang="sq"')

    def test_the_switcher_saves_the_users_choice(self) -> None:
        self.login(self.alice)
        response = self.client.post(reverse("set_language"), {"language": "fr", "next": reverse("home")})
        self.assertRedirects(response, reverse("home"))
        self.assertEqual(User.objects.get(pk=self.alice.pk).language, "fr")
        self.client.cookies.clear()
        self.login(self.alice)
        self.assertContains(self.client.get(reverse("home")), '<html lang="fr"')

    def test_the_switcher_refuses_foreign_redirects_and_unknown_languages(self) -> None:
        response = self.client.post(
            reverse("set_language"), {"language": "xx", "next": "https://evil.example/"}
        )
        self.assertEqual(response["Location"], "/")
        self.assertNotIn("kujdes_language", response.cookies)
