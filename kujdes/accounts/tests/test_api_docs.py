"""The API's interactive documentation at /api/v1/docs: signed-in users only, assets served locally,
the site's Content Security Policy intact, examples on the main schemas."""

from __future__ import annotations

import re

from django.contrib.staticfiles import finders
from django.urls import reverse

from kujdes.accounts.services import api_token_create
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase

DOCS = "/api/v1/docs"


class ApiDocsTests(BaseTestCase):
    def test_a_signed_in_user_gets_swagger_ui_from_local_static_files(self) -> None:
        self.login(self.alice)
        response = self.client.get(DOCS, HTTP_ACCEPT="text/html")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('id="swagger-ui"', html)
        assets = re.findall(r'(?:src|href)="([^"]+)"', html)
        self.assertTrue(any(a.endswith("swagger-ui-bundle.js") for a in assets), assets)
        for asset in assets:
            # Nothing from a CDN: every script and stylesheet is this installation's own.
            self.assertTrue(asset.startswith("/static/"), asset)
            self.assertIsNotNone(finders.find(asset.removeprefix("/static/")), asset)
        # No inline script runs: the settings are a JSON block, the start-up a static file.
        for attrs, _body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
            self.assertTrue("src=" in attrs or 'type="application/json"' in attrs, attrs)
        self.assertIn(reverse("api:openapi-json"), html)

    def test_the_page_keeps_the_sites_content_security_policy(self) -> None:
        self.login(self.alice)
        response = self.client.get(DOCS, HTTP_ACCEPT="text/html")
        policy = response.headers["Content-Security-Policy"]
        directives = dict((part.split()[0], part.split()[1:]) for part in policy.split(";") if part.strip())
        self.assertEqual(directives["default-src"], ["'self'"])
        self.assertEqual([v for v in directives["script-src"] if not v.startswith("'nonce-")], ["'self'"])
        self.assertEqual(directives["style-src"], ["'self'"])
        self.assertNotIn("unsafe", policy)
        self.assertNotIn("http", policy)

    def test_a_browser_that_is_not_signed_in_is_sent_to_sign_in(self) -> None:
        response = self.client.get(DOCS, HTTP_ACCEPT="text/html,application/xhtml+xml")
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("account_login"), response["Location"])
        self.assertIn("next=/api/v1/docs", response["Location"])

    def test_a_program_without_credentials_gets_401_json(self) -> None:
        response = self.client.get(DOCS)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(self.client.get("/api/v1/openapi.json").status_code, 401)

    def test_a_token_reads_the_openapi_document(self) -> None:
        with system_scope():
            _token, plaintext = api_token_create(user=self.dave, name="docs", expires_days=1)
        response = self.client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        self.assertEqual(response.status_code, 200)

    def test_the_main_schemas_carry_examples(self) -> None:
        self.login(self.alice)
        schemas = self.client.get("/api/v1/openapi.json").json()["components"]["schemas"]
        for name in (
            "PersonIn",
            "PersonPage",
            "CaseIn",
            "CasePage",
            "NrmIn",
            "ClosureIn",
            "ReferralIn",
            "RespondIn",
        ):
            self.assertTrue(schemas[name].get("examples"), name)
        example = schemas["CaseIn"]["examples"][0]
        self.assertEqual(set(example) - set(schemas["CaseIn"]["properties"]), set())
