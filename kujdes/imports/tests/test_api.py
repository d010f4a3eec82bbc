"""The importer's API (issue 17, item 6): upload, batch, options, dry run, commit (queued), status,
undo, cancel, templates; another organisation's or unit's token gets 404; bad input gets a 4xx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.test import override_settings
from django.utils import translation

from kujdes.accounts.services import api_token_create
from kujdes.core.scoping import system_scope
from kujdes.imports.models import BatchState, ImportBatch
from kujdes.imports.tests.helpers import ImportTestCase
from kujdes.programme.models import Participation

CAMP = Path(__file__).resolve().parents[3] / "docs" / "import-samples" / "camp-register-shkoder.xlsx"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
CAMP_COLUMNS = {
    "Nr.": "",
    "Emri dhe mbiemri": "full_name",
    "Gjinia": "sex",
    "Datëlindja": "date_of_birth",
    "Bashkia": "municipality",
    "Telefoni": "phones",
    "Pëlqimi i prindit: Po/Jo": "parental_consent",
    "Pëlqimi i prindit: Dhënë nga": "parental_consent_by",
}


@override_settings(ROOT_URLCONF="kujdes.imports.tests.api_urls")
class ImportApiTests(ImportTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.keys = {
                user.username: api_token_create(user=user, name="import", expires_days=1)[1]
                for user in (cls.ana, cls.charlie, cls.dave, cls.other_admin)
            }

    def call(self, method: str, path: str, user: str = "ana", **kwargs: Any) -> Any:
        return getattr(self.client, method)(
            f"/api/v1/{path}", HTTP_AUTHORIZATION=f"Bearer {self.keys[user]}", **kwargs
        )

    def upload(self, user: str = "ana", **fields: Any) -> Any:
        with CAMP.open("rb") as upload:
            data = {
                "unit": str(self.diocese_a.public_id),
                "target": "participants",
                "activity": str(self.camp.public_id),
                "file": upload,
                **fields,
            }
            return self.call("post", "imports", user, data=data)

    def test_a_camp_register_goes_through_every_step(self) -> None:
        response = self.upload()
        self.assertEqual(response.status_code, 201, response.content)
        batch = response.json()
        self.assertEqual((batch["state"], batch["target"]), ("open", "participants"))
        path = f"imports/{batch['id']}"
        self.assertEqual(self.call("get", path).json()["id"], batch["id"])

        response = self.call(
            "put", f"{path}/options", data={"columns": CAMP_COLUMNS}, content_type="application/json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["options"]["mapping"]["columns"][1], "full_name")

        check = self.call("post", f"{path}/check")
        self.assertEqual(check.status_code, 200, check.content)
        self.assertEqual((check.json()["counts"]["valid"], check.json()["blocking"]), (8, []))
        self.assertEqual(
            check.json()["columns"][3], {"index": 3, "header": "Datëlindja", "field": "date_of_birth"}
        )

        with self.captureOnCommitCallbacks(execute=False) as queued:
            commit = self.call("post", f"{path}/commit")
        self.assertEqual(commit.status_code, 202, commit.content)
        self.assertEqual((commit.json()["state"], commit.json()["rows_total"]), ("committing", 8))
        # Nothing is written before the worker runs; the status says so.
        self.assertEqual(self.call("get", f"{path}/status").json()["percent"], 0)
        with override_settings(TASKS=IMMEDIATE), self.captureOnCommitCallbacks(execute=True):
            for callback in queued:
                callback()
        status = self.call("get", f"{path}/status").json()
        self.assertEqual((status["state"], status["rows_done"], status["percent"]), ("committed", 8, 100))
        with system_scope():
            self.assertEqual(Participation.objects.filter(activity=self.camp).count(), 8)

        undo = self.call("post", f"{path}/undo")
        self.assertEqual(undo.status_code, 200, undo.content)
        self.assertEqual(undo.json()["state"], "undone")
        with system_scope():
            self.assertEqual(Participation.objects.filter(activity=self.camp).count(), 0)
        again = self.call("post", f"{path}/undo")
        self.assertEqual(again.status_code, 409)
        self.assertTrue(again.json()["blockers"])

    def test_a_template_maps_the_upload_and_templates_are_listed(self) -> None:
        templates = self.call("get", "imports/templates?target=participants")
        self.assertEqual(templates.status_code, 200)
        shipped = next(t for t in templates.json() if t["shipped"])
        response = self.upload(template=shipped["id"])
        self.assertEqual(response.status_code, 201, response.content)
        columns = response.json()["options"]["mapping"]["columns"]
        self.assertEqual(columns, list(CAMP_COLUMNS.values()))
        check = self.call("post", f"imports/{response.json()['id']}/check").json()
        self.assertEqual(check["counts"]["valid"], 8)
        # Another organisation's importer does not see it; whoever imports nowhere gets 403.
        theirs = self.call("get", "imports/templates", "dave")
        self.assertEqual(theirs.status_code, 200)
        self.assertNotIn(shipped["id"], [t["id"] for t in theirs.json()])
        self.assertEqual(self.call("get", "imports/templates", "other_admin").status_code, 403)

    def test_cancel_ends_an_open_import_once(self) -> None:
        batch = self.upload().json()
        response = self.call("post", f"imports/{batch['id']}/cancel")
        self.assertEqual((response.status_code, response.json()["state"]), (200, "cancelled"))
        with system_scope():
            self.assertIsNone(ImportBatch.objects.get(public_id=batch["id"]).file_id)
        self.assertEqual(self.call("post", f"imports/{batch['id']}/cancel").status_code, 409)
        self.assertEqual(self.call("post", f"imports/{batch['id']}/check").status_code, 409)

    def test_bad_input_gets_a_4xx_with_a_message(self) -> None:
        broken = self.call(
            "post",
            "imports",
            data={
                "unit": str(self.diocese_a.public_id),
                "target": "persons",
                "file": _named(b"PK\x03\x04 no"),
            },
        )
        self.assertEqual(broken.status_code, 422)
        self.assertTrue(broken.json()["detail"])
        unknown = self.call(
            "post",
            "imports",
            data={
                "unit": str(self.diocese_a.public_id),
                "target": "spaceships",
                "file": _named(b"Emri\nAna\n"),
            },
        )
        self.assertEqual(unknown.status_code, 400)
        no_activity = self.upload(activity="")
        self.assertEqual(no_activity.status_code, 400, no_activity.content)
        with translation.override(no_activity["Content-Language"]):
            expected = translation.gettext("Give the activity the rows are brought into.")
        self.assertEqual(no_activity.json()["detail"], expected)
        batch = self.upload().json()
        path = f"imports/{batch['id']}/options"
        for payload in (
            {"columns": ["full_name"]},
            {"columns": {"No such header": "sex"}},
            {"columns": {"Gjinia": "shoe_size"}},
            {"date_orders": {"date_of_birth": "ymd"}},
            {"duplicates": "merge"},
            {"reading": {"header_row": 0}},
        ):
            response = self.call("put", path, data=payload, content_type="application/json")
            self.assertEqual(response.status_code, 400, (payload, response.content))
            self.assertTrue(response.json()["detail"])
        response = self.call("put", path, data="{not json", content_type="application/json")
        self.assertIn(response.status_code, (400, 422))
        response = self.call("put", path, data={"columns": 7}, content_type="application/json")
        self.assertEqual(response.status_code, 422)
        # An unmapped value blocks the commit with its message.
        self.call(
            "put",
            path,
            data={"columns": CAMP_COLUMNS, "values": {"sex": {"Femër": ""}}},
            content_type="application/json",
        )
        with system_scope():
            self.assertEqual(ImportBatch.objects.get(public_id=batch["id"]).state, BatchState.OPEN)

    def test_charlie_and_dave_get_404_for_anas_import(self) -> None:
        batch = self.upload().json()
        path = f"imports/{batch['id']}"
        for user in ("charlie", "dave", "other_admin"):
            for method, suffix in (
                ("get", ""),
                ("get", "/status"),
                ("post", "/check"),
                ("post", "/commit"),
                ("post", "/undo"),
                ("post", "/cancel"),
            ):
                response = self.call(method, f"{path}{suffix}", user)
                self.assertEqual(response.status_code, 404, (user, suffix, response.content))
            response = self.call("put", f"{path}/options", user, data={}, content_type="application/json")
            self.assertEqual(response.status_code, 404, user)
        # Dave may not upload into Ana's unit, nor into her activity.
        self.assertEqual(self.upload("dave").status_code, 404)
        with system_scope():
            self.assertEqual(ImportBatch.objects.filter(public_id=batch["id"]).get().state, BatchState.OPEN)


def _named(data: bytes, name: str = "list.xlsx") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)
