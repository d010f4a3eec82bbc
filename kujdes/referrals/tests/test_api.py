"""The referrals API: consent answers 409 with a clear code, an override passes, answers follow the rules."""

from __future__ import annotations

import json
from typing import Any

from django.urls import reverse

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.referrals.tests.base import ReferralTestCase


class ReferralApiTests(ReferralTestCase):
    def post(self, url: str, body: dict[str, Any]):  # type: ignore[no-untyped-def]
        return self.client.post(url, data=json.dumps(body), content_type="application/json")

    def body(self, **extra: Any) -> dict[str, Any]:
        return {
            "case": str(self.case.public_id),
            "to_provider": str(self.provider.public_id),
            "service_type": "Shelter",
            "details": "Strehim urgjent.",
            "urgent": True,
            **extra,
        }

    def test_sending_without_consent_answers_409_consent_missing(self) -> None:
        self.login(self.alice)
        response = self.post(reverse("api:referrals_create"), self.body())
        self.assertEqual(response.status_code, 409)
        self.assertEqual(response.json()["code"], "consent_missing")

    def test_an_override_reason_lets_it_through_and_is_audited(self) -> None:
        self.login(self.alice)
        response = self.post(
            reverse("api:referrals_create"), self.body(override_reason="Rrezik i menjëhershëm.")
        )
        self.assertEqual(response.status_code, 201)
        body = response.json()
        self.assertEqual(
            (body["status"], body["details"], body["case"]),
            ("sent", "Strehim urgjent.", str(self.case.public_id)),
        )
        with system_scope():
            self.assertTrue(AuditEvent.objects.filter(action="consent.overridden").exists())

    def test_invalid_input_answers_422(self) -> None:
        self.consent()
        self.login(self.alice)
        self.assertEqual(
            self.post(reverse("api:referrals_create"), self.body(service_type="Spa")).status_code, 422
        )
        self.assertEqual(
            self.post(
                reverse("api:referrals_create"), self.body(to_unit=str(self.diocese_a.public_id))
            ).status_code,
            422,
        )
        self.assertEqual(self.post(reverse("api:referrals_create"), {"case": "nope"}).status_code, 422)

    def test_charlie_cannot_refer_alices_case(self) -> None:
        self.consent()
        self.login(self.charlie)
        self.assertEqual(self.post(reverse("api:referrals_create"), self.body()).status_code, 404)
        self.login(self.manager)
        self.assertEqual(self.post(reverse("api:referrals_create"), self.body()).status_code, 403)

    def test_the_receiving_unit_lists_answers_and_sees_no_case(self) -> None:
        self.consent()
        referral = self.send(to_unit=self.diocese_b)
        self.login(self.charlie)
        incoming = self.client.get(reverse("api:referrals_list"), {"box": "incoming"}).json()
        self.assertEqual([r["id"] for r in incoming], [str(referral.public_id)])
        self.assertIsNone(incoming[0]["case"])
        self.assertEqual(incoming[0]["person_code"], self.person.code)
        url = reverse("api:referrals_respond", kwargs={"referral_id": referral.public_id})
        answered = self.post(url, {"decision": "decline", "notes": "Nuk kemi vend.", "version": 1})
        self.assertEqual(answered.status_code, 200)
        self.assertEqual(answered.json()["status"], "declined")
        again = self.post(url, {"decision": "accept"})
        self.assertEqual(again.status_code, 409)
        self.login(self.alice)
        self.assertEqual(self.post(url, {"decision": "accept"}).status_code, 403)

    def test_the_directory_is_listed_and_filtered(self) -> None:
        self.login(self.alice)
        names = [
            p["name"] for p in self.client.get(reverse("api:providers_list"), {"service": "Shelter"}).json()
        ]
        self.assertEqual(names, [self.provider.name])
        self.assertEqual(self.client.get(reverse("api:providers_list"), {"service": "Legal"}).json(), [])
