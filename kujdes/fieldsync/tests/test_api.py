"""The field-capture API (issue 15, item 5): GET /api/v1/forms and GET /api/v1/forms/{id}/submissions."""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.utils import timezone

from kujdes.accounts.services import api_token_create
from kujdes.core.models import AuditEvent
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.fieldsync.models import Submission
from kujdes.fieldsync.services import device_create
from kujdes.fieldsync.tests.helpers import Collect, instance_xml, publish, xlsform_bytes


class FieldsyncApiTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.visit = publish(data=xlsform_bytes(), units=[cls.diocese_a]).form
        publish(data=xlsform_bytes(version="2"), units=[cls.diocese_a])
        cls.casework = publish(
            data=xlsform_bytes(form_id="casework", title="Case work"),
            units=[cls.root],
            roles=[Role.CASE_WORKER],
        ).form
        cls.other = publish(data=xlsform_bytes(form_id="theirs", title="Theirs"), units=[cls.other_unit]).form
        with system_scope():
            cls.device, cls.token = device_create(
                actor=None, user=cls.educator, unit=cls.centre_a, name="Phone"
            )
            _t, cls.admin_key = api_token_create(user=cls.admin, name="sync", expires_days=1)
            _t, cls.charlie_key = api_token_create(user=cls.charlie, name="sync", expires_days=1)
            _t, cls.other_key = api_token_create(user=cls.other_admin, name="sync", expires_days=1)

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        collect = Collect(self.client, self.token)
        self.assertEqual(
            collect.submit(
                instance_xml(instance_id="uuid:api-1", fields={"village": "Theth", "people": "12"})
            ).status_code,
            201,
        )
        self.assertEqual(
            collect.submit(
                instance_xml(version="2", instance_id="uuid:api-2", fields={"village": "Vermosh"})
            ).status_code,
            201,
        )

    def get(self, key: str, path: str, **params: str):  # type: ignore[no-untyped-def]
        return self.client.get(f"/api/v1/{path}", params, HTTP_AUTHORIZATION=f"Bearer {key}")

    def test_forms_lists_what_the_caller_administers_or_may_submit_to(self) -> None:
        response = self.get(self.admin_key, "forms")
        self.assertEqual(response.status_code, 200)
        forms = {f["form_id"]: f for f in response.json()}
        self.assertEqual(set(forms), {"visit", "casework"})
        visit = forms["visit"]
        self.assertTrue(visit["administered"])
        self.assertEqual(visit["state"], "open")
        self.assertEqual(visit["submissions"], 2)
        self.assertEqual(
            sorted((v["version"], v["current"]) for v in visit["versions"]), [("1", False), ("2", True)]
        )
        # A case worker of diocese B may submit to the case workers' form (published at the root),
        # not to diocese A's, and sees only their own count.
        charlie = self.get(self.charlie_key, "forms").json()
        self.assertEqual(
            [(f["form_id"], f["administered"], f["submissions"]) for f in charlie], [("casework", False, 0)]
        )
        self.assertIsNone(charlie[0]["submissions_waiting_for_review"])
        # Another organisation's administrator sees their own form only.
        self.assertEqual([f["form_id"] for f in self.get(self.other_key, "forms").json()], ["theirs"])
        self.assertEqual(
            self.get(self.admin_key, "forms", limit="1", offset="1").json()[0]["form_id"], "visit"
        )

    def test_submissions_carry_metadata_and_the_instance_as_values_and_the_read_is_audited(self) -> None:
        response = self.get(self.admin_key, f"forms/{self.visit.public_id}/submissions")
        self.assertEqual(response.status_code, 200)
        items = {i["instance_id"]: i for i in response.json()}
        self.assertEqual(set(items), {"uuid:api-1", "uuid:api-2"})
        first = items["uuid:api-1"]
        self.assertEqual(first["data"]["village"], "Theth")
        self.assertEqual(first["data"]["people"], "12")
        self.assertEqual(first["data"]["instanceID"], "uuid:api-1")
        self.assertEqual(first["form_version"], "1")
        self.assertEqual(first["submitted_by"], "educator")
        self.assertEqual(first["device"], "Phone")
        self.assertEqual(first["unit"], str(self.centre_a.public_id))
        self.assertEqual(items["uuid:api-2"]["form_version"], "2")
        with system_scope():
            event = AuditEvent.objects.filter(action="fieldsync.submissions.read").get()
        self.assertEqual(event.actor_id, self.admin.pk)
        self.assertEqual(event.object_id, str(self.visit.public_id))
        self.assertEqual(event.details["count"], 2)
        self.assertNotIn("Theth", str(event.details))
        page = self.get(self.admin_key, f"forms/{self.visit.public_id}/submissions", limit="1", offset="1")
        self.assertEqual(len(page.json()), 1)

    def test_since_keeps_what_was_received_or_changed_since(self) -> None:
        with system_scope():
            Submission.objects.filter(instance_id="uuid:api-1").update(
                submitted_at=timezone.now() - datetime.timedelta(days=10),
                updated_at=timezone.now() - datetime.timedelta(days=10),
            )
        since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
        url = f"forms/{self.visit.public_id}/submissions"
        self.assertEqual(
            [i["instance_id"] for i in self.get(self.admin_key, url, since=since).json()], ["uuid:api-2"]
        )
        day = (timezone.now() - datetime.timedelta(days=30)).date().isoformat()
        self.assertEqual(len(self.get(self.admin_key, url, since=day).json()), 2)
        self.assertEqual(len(self.get(self.admin_key, url, since="2026-01-01T00:00:00Z").json()), 2)
        # "+01:00" sent without encoding its "+" still reads as an offset.
        unencoded = self.client.get(
            f"/api/v1/{url}?since=2026-01-01T00:00:00+01:00", HTTP_AUTHORIZATION=f"Bearer {self.admin_key}"
        )
        self.assertEqual(len(unencoded.json()), 2)

    def test_a_bad_since_answers_422_with_a_clear_message(self) -> None:
        url = f"forms/{self.visit.public_id}/submissions"
        for bad in ("yesterday", "2026-13-01", "2026-02-30T10:00:00", "12:00"):
            with self.subTest(since=bad):
                response = self.get(self.admin_key, url, since=bad)
                self.assertEqual(response.status_code, 422)
                self.assertIn("ISO 8601", response.json()["detail"])

    def test_another_organisation_gets_404_and_a_submitter_403(self) -> None:
        url = f"forms/{self.visit.public_id}/submissions"
        missing = self.get(self.other_key, f"forms/{uuid.uuid4()}/submissions")
        foreign = self.get(self.other_key, url)
        self.assertEqual((foreign.status_code, foreign.json()), (missing.status_code, missing.json()))
        self.assertEqual(foreign.status_code, 404)
        # Charlie (diocese B) cannot see diocese A's form at all: 404; he may submit to the case
        # workers' form but not read its submissions: 403.
        self.assertEqual(self.get(self.charlie_key, url).status_code, 404)
        casework = self.get(self.charlie_key, f"forms/{self.casework.public_id}/submissions")
        self.assertEqual(casework.status_code, 403)
        self.assertEqual(casework.json()["detail"], "Your role cannot do this.")
        self.assertEqual(self.client.get(f"/api/v1/{url}").status_code, 401)
        with system_scope():
            self.assertFalse(AuditEvent.objects.filter(action="fieldsync.submissions.read").exists())
