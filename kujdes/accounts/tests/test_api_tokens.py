"""Bearer tokens: created once, stored hashed, scoped as their user, revocable."""

from __future__ import annotations

import uuid
from datetime import timedelta
from io import StringIO

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from kujdes.accounts.models import ApiToken
from kujdes.accounts.services import api_token_create as _api_token_create
from kujdes.accounts.services import api_token_digest
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase


def api_token_create(**kwargs):  # type: ignore[no-untyped-def]
    with system_scope():
        return _api_token_create(**kwargs)


class ApiTokenTests(BaseTestCase):
    def get(self, name: str, token: str | None, **kwargs):  # type: ignore[no-untyped-def]
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        return self.client.get(reverse(name, kwargs=kwargs or None), **headers)

    def test_no_token_is_a_json_401(self) -> None:
        response = self.get("api:me", None)
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        self.assertIn("detail", response.json())

    def test_a_wrong_token_is_a_json_401(self) -> None:
        response = self.get("api:me", "kjd_not-a-real-token")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response["WWW-Authenticate"], 'Bearer realm="kujdes"')

    def test_the_command_prints_a_token_that_works_and_stores_only_its_digest(self) -> None:
        out = StringIO()
        call_command(
            "create_api_token",
            "alice",
            "--name",
            "odk",
            "--expires-days",
            "30",
            stdout=out,
            stderr=StringIO(),
        )
        plaintext = out.getvalue().strip()
        token = ApiToken.objects.get(user=self.alice)
        self.assertEqual(token.digest, api_token_digest(plaintext))
        self.assertNotIn(plaintext, [token.digest, token.prefix, token.name])
        response = self.get("api:me", plaintext)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["username"], "alice")
        self.assertEqual([m["role"] for m in body["memberships"]], ["case_worker"])
        self.assertEqual(body["memberships"][0]["unit"], str(self.diocese_a.public_id))

    def test_a_token_sees_what_its_user_sees_and_no_more(self) -> None:
        _token, plaintext = api_token_create(user=self.charlie, name="t", expires_days=None)
        own = self.get("api:units_get", plaintext, unit_id=self.diocese_b.public_id)
        foreign = self.get("api:units_get", plaintext, unit_id=self.diocese_a.public_id)
        missing = self.get("api:units_get", plaintext, unit_id=uuid.uuid4())
        self.assertEqual(own.status_code, 200)
        self.assertEqual((foreign.status_code, foreign.content), (missing.status_code, missing.content))
        self.assertEqual(foreign.status_code, 404)
        listed = {unit["name"] for unit in self.get("api:units_list", plaintext).json()}
        self.assertEqual(listed, {"Diocese B"})

    def test_an_expired_token_is_refused(self) -> None:
        token, plaintext = api_token_create(user=self.alice, name="t", expires_days=1)
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
        self.assertEqual(self.get("api:me", plaintext).status_code, 401)

    def test_a_revoked_token_is_refused(self) -> None:
        token, plaintext = api_token_create(user=self.alice, name="t", expires_days=None)
        self.login(self.alice)
        self.client.post(reverse("token_revoke", kwargs={"public_id": token.public_id}))
        self.client.logout()
        self.assertEqual(self.get("api:me", plaintext).status_code, 401)

    def test_charlie_cannot_revoke_alices_token(self) -> None:
        token, plaintext = api_token_create(user=self.alice, name="t", expires_days=None)
        self.login(self.charlie)
        response = self.client.post(reverse("token_revoke", kwargs={"public_id": token.public_id}))
        self.assertEqual(response.status_code, 404)
        self.client.logout()
        self.assertEqual(self.get("api:me", plaintext).status_code, 200)

    def test_the_organisation_admin_can_revoke_a_users_token(self) -> None:
        token, plaintext = api_token_create(user=self.alice, name="t", expires_days=None)
        self.login(self.admin)
        self.client.post(reverse("token_revoke", kwargs={"public_id": token.public_id}))
        self.client.logout()
        self.assertEqual(self.get("api:me", plaintext).status_code, 401)

    def test_the_openapi_document_needs_a_signed_in_user(self) -> None:
        self.assertEqual(self.client.get("/api/v1/openapi.json").status_code, 401)
        self.login(self.alice)
        document = self.client.get("/api/v1/openapi.json").json()
        self.assertIn("/api/v1/me", document["paths"])

    def test_a_session_caller_must_send_the_csrf_token_for_writes(self) -> None:
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        client.force_login(self.alice, backend="django.contrib.auth.backends.ModelBackend")
        response = client.post(reverse("api:me"))
        self.assertIn(response.status_code, {403, 405})

    def test_a_malformed_id_is_not_a_server_error(self) -> None:
        _token, plaintext = api_token_create(user=self.alice, name="t", expires_days=None)
        response = self.client.get("/api/v1/units/not-a-uuid", HTTP_AUTHORIZATION=f"Bearer {plaintext}")
        self.assertEqual(response.status_code, 422)
