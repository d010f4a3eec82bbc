"""The import pages: upload, mapping, dry run, error report, commit, undo; Charlie and Dave get 404."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.imports.models import BatchState, ImportBatch
from kujdes.imports.tests.helpers import ImportTestCase
from kujdes.programme.models import Participation

CAMP = Path(__file__).resolve().parents[3] / "docs" / "import-samples" / "camp-register-shkoder.xlsx"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


class ImportPagesTests(ImportTestCase):
    def upload(self, data: bytes, name: str = "lista.csv", **fields: str):  # type: ignore[no-untyped-def]
        return self.client.post(
            reverse("import_list"),
            {
                "unit": str(self.diocese_a.public_id),
                "target": "persons",
                **fields,
                "upload": SimpleUploadedFile(name, data),
            },
        )

    def batch(self) -> ImportBatch:
        with system_scope():
            return ImportBatch.objects.latest("pk")

    def test_the_camp_register_goes_from_upload_to_participants_and_back(self) -> None:
        self.login(self.ana)
        response = self.upload(
            CAMP.read_bytes(), "kampi.xlsx", target="participants", activity=str(self.camp.public_id)
        )
        self.assertEqual(response.status_code, 302)
        batch = self.batch()
        page = self.client.get(response["Location"])
        self.assertContains(page, "Emri dhe mbiemri")
        self.assertContains(page, 'value="full_name" selected', html=False)
        self.assertContains(page, "Shkodra")  # a value with its proposed municipality
        # The suggested mapping as the page shows it, posted back: the dry run.
        form = {
            f"column-{i}": name
            for i, name in enumerate(
                [
                    "",
                    "full_name",
                    "sex",
                    "date_of_birth",
                    "municipality",
                    "phones",
                    "parental_consent",
                    "parental_consent_by",
                ]
            )
        }
        response = self.client.post(reverse("import_mapping", kwargs={"public_id": batch.public_id}), form)
        self.assertEqual(response.status_code, 302)
        batch = self.batch()
        self.assertEqual(batch.counts["valid"], 8)
        page = self.client.get(reverse("import_batch", kwargs={"public_id": batch.public_id}))
        self.assertContains(page, reverse("import_commit", kwargs={"public_id": batch.public_id}))
        # The commit is queued for the worker; the page shows a progress bar that polls its status.
        with self.captureOnCommitCallbacks(execute=False) as queued:
            response = self.client.post(reverse("import_commit", kwargs={"public_id": batch.public_id}))
        self.assertEqual(response.status_code, 302)
        self.assertEqual(len(queued), 1)
        batch = self.batch()
        self.assertEqual((batch.state, batch.rows_done, batch.rows_total), (BatchState.COMMITTING, 0, 8))
        status_url = reverse("import_status", kwargs={"public_id": batch.public_id})
        page = self.client.get(reverse("import_batch", kwargs={"public_id": batch.public_id}))
        self.assertContains(page, f'hx-get="{status_url}" hx-trigger="every 2s"', html=False)
        self.assertContains(page, '<progress id="import-progress" max="100" value="0">', html=False)
        self.assertContains(page, '<label for="import-progress">', html=False)
        self.assertNotContains(page, reverse("import_mapping", kwargs={"public_id": batch.public_id}))
        with override_settings(TASKS=IMMEDIATE), self.captureOnCommitCallbacks(execute=True):
            queued[0]()
        fragment = self.client.get(status_url, HTTP_HX_REQUEST="true")
        self.assertEqual(fragment["HX-Refresh"], "true")
        self.assertContains(fragment, 'value="100"', html=False)
        with system_scope():
            self.assertEqual(Participation.objects.filter(activity=self.camp).count(), 8)
            self.assertEqual((self.batch().rows_done, self.batch().rows_total), (8, 8))
            batch = self.batch()
            self.assertEqual(batch.state, BatchState.COMMITTED)
            self.assertIsNone(batch.file_id)
        page = self.client.get(reverse("import_batch", kwargs={"public_id": batch.public_id}))
        self.assertContains(page, reverse("import_undo", kwargs={"public_id": batch.public_id}))
        self.assertContains(page, reverse("activity_detail", kwargs={"public_id": self.camp.public_id}))
        self.client.post(reverse("import_undo", kwargs={"public_id": batch.public_id}))
        with system_scope():
            self.assertEqual(Participation.objects.filter(activity=self.camp).count(), 0)
            self.assertEqual(self.batch().state, BatchState.UNDONE)

    def test_the_uploaded_file_is_kept_encrypted(self) -> None:
        from django.conf import settings

        self.login(self.alice)
        self.upload("Emri,Mbiemri\nEngjëllushe,Kola\n".encode())
        batch = self.batch()
        root = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "files"
        stored = (root / batch.file_id.hex[:2] / batch.file_id.hex).read_bytes()
        self.assertNotIn("Engjëllushe".encode(), stored)
        self.client.post(reverse("import_cancel", kwargs={"public_id": batch.public_id}))
        self.assertIsNone(self.batch().file_id)

    def test_an_unreadable_file_is_refused_on_the_form_not_with_a_500(self) -> None:
        self.login(self.alice)
        response = self.upload(b"PK\x03\x04 broken", "x.xlsx")
        self.assertEqual(response.status_code, 400)
        self.assertIn("upload", response.context["form"].errors)

    def test_the_error_report_names_rows_and_keeps_formulas_as_text(self) -> None:
        from openpyxl import load_workbook

        self.login(self.alice)
        self.upload("Emri,Datëlindja\nAna,12.03.2009\n\"=cmd|' /C calc'!A0\",never\n".encode())
        batch = self.batch()
        response = self.client.post(reverse("import_errors", kwargs={"public_id": batch.public_id}))
        self.assertEqual(response.status_code, 200)
        sheet = load_workbook(io.BytesIO(response.content)).active
        rows = [row for row in sheet.iter_rows(values_only=False) if row[0].value == 3]
        self.assertEqual(len(rows), 1)
        cell = rows[0][2]
        self.assertEqual(cell.value, "=cmd|' /C calc'!A0")
        self.assertEqual(cell.data_type, "s")  # text, never a formula
        self.assertIn("never", rows[0][1].value)

    def test_an_unmapped_value_blocks_until_it_is_mapped_on_the_page(self) -> None:
        self.login(self.alice)
        self.upload(b"Emri,Gjinia\nAna,F\nEva,qwe\nLea,qwe\n")
        batch = self.batch()
        url = reverse("import_batch", kwargs={"public_id": batch.public_id})
        page = self.client.get(url)
        self.assertEqual(len(page.context["result"].blocking), 1)
        self.assertNotContains(page, reverse("import_commit", kwargs={"public_id": batch.public_id}))
        values = {row.value: number for number, row in enumerate(page.context["result"].values["sex"])}
        number = values["qwe"]
        form = {
            "column-0": "given_name",
            "column-1": "sex",
            f"valuekey-sex-{number}": "qwe",
            f"value-sex-{number}": "Feminine",
        }
        self.client.post(reverse("import_mapping", kwargs={"public_id": batch.public_id}), form)
        batch = self.batch()
        self.assertEqual((batch.counts["valid"], batch.counts["blocking"]), (3, 0))
        page = self.client.get(url)
        self.assertContains(page, reverse("import_commit", kwargs={"public_id": batch.public_id}))

    def test_a_file_over_the_upload_limit_is_refused_on_the_form(self) -> None:
        from django.test import override_settings

        self.login(self.alice)
        with override_settings(FILE_UPLOAD_MAX_MEMORY_SIZE=50):
            response = self.upload(b"Emri\n" + b"Ana\n" * 100)
        self.assertEqual(response.status_code, 400)
        # The message is in the user's language (Albanian here): its presence is what is checked.
        self.assertIn("upload", response.context["form"].errors)

    def test_a_field_educator_sees_only_their_own_imports(self) -> None:
        self.login(self.alice)
        self.client.post(
            reverse("import_list"),
            {
                "unit": str(self.centre_a.public_id),
                "target": "persons",
                "upload": SimpleUploadedFile("l.csv", b"Emri\nAna\n"),
            },
        )
        alices = self.batch()
        self.login(self.educator)
        response = self.client.get(reverse("import_batch", kwargs={"public_id": alices.public_id}))
        self.assertEqual(response.status_code, 404)
        self.client.post(
            reverse("import_list"),
            {
                "unit": str(self.centre_a.public_id),
                "target": "persons",
                "upload": SimpleUploadedFile("l.csv", b"Emri\nEva\n"),
            },
        )
        own = self.batch()
        self.assertNotEqual(own.pk, alices.pk)
        response = self.client.get(reverse("import_batch", kwargs={"public_id": own.public_id}))
        self.assertEqual(response.status_code, 200)

    def test_charlie_and_dave_get_404_for_alices_import(self) -> None:
        self.login(self.alice)
        self.upload(b"Emri\nAna\n")
        batch = self.batch()
        for user in (self.charlie, self.dave, self.other_admin):
            self.login(user)
            for name, method in (
                ("import_batch", "get"),
                ("import_status", "get"),
                ("import_template_save", "post"),
                ("import_template_apply", "post"),
                ("import_reading", "post"),
                ("import_cancel", "post"),
                ("import_commit", "post"),
                ("import_undo", "post"),
                ("import_errors", "post"),
                ("import_mapping", "post"),
            ):
                response = getattr(self.client, method)(reverse(name, kwargs={"public_id": batch.public_id}))
                self.assertEqual(response.status_code, 404, (user.username, name))


class ImportTemplatesAndLearningTests(ImportTestCase):
    """Saved templates (save, choose at upload or on the page, rename, delete) and learnt columns."""

    def upload(self, data: bytes, **fields: str):  # type: ignore[no-untyped-def]
        return self.client.post(
            reverse("import_list"),
            {
                "unit": str(self.diocese_a.public_id),
                "target": "persons",
                **fields,
                "upload": SimpleUploadedFile("lista.csv", data),
            },
        )

    def latest(self) -> ImportBatch:
        with system_scope():
            return ImportBatch.objects.latest("pk")

    def test_a_mapping_saved_as_a_template_maps_the_next_file_at_upload(self) -> None:
        from kujdes.imports.models import MappingTemplate

        self.login(self.alice)
        # "Kodi i fshatit" is nobody's synonym: mapped by hand to the municipality, "X" valued by hand.
        self.upload("Emri,Kodi i fshatit,Gjinia\nAna,Shkodër,X\n".encode())
        batch = self.latest()
        self.client.post(
            reverse("import_mapping", kwargs={"public_id": batch.public_id}),
            {
                "column-0": "given_name",
                "column-1": "municipality",
                "column-2": "sex",
                "valuekey-sex-0": "X",
                "value-sex-0": "Feminine",
            },
        )
        response = self.client.post(
            reverse("import_template_save", kwargs={"public_id": batch.public_id}),
            {"name": "Lista e fshatit"},
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            template = MappingTemplate.objects.get(organisation=self.org, name="Lista e fshatit")
        self.assertEqual(
            template.mapping["headers"],
            {"Emri": "given_name", "Kodi i fshatit": "municipality", "Gjinia": "sex"},
        )
        self.assertEqual(template.mapping["values"], {"sex": {"X": "Feminine"}})
        # No cell of a row other than a coded value: the name "Ana" is not kept.
        self.assertNotIn("Ana", str(template.mapping))

        # The next file of that kind, columns in another order, with the template chosen at upload.
        self.upload("Gjinia,Emri,Kodi i fshatit\nX,Eva,Shkodër\n".encode(), template=str(template.public_id))
        page = self.client.get(reverse("import_batch", kwargs={"public_id": self.latest().public_id}))
        self.assertEqual(page.context["result"].columns, ["sex", "given_name", "municipality"])
        self.assertEqual(page.context["result"].blocking, [])

        # Listed, renamed, deleted on the templates page.
        templates = self.client.get(reverse("import_templates"))
        self.assertContains(templates, "Lista e fshatit")
        self.assertContains(templates, "Regjistri i kampit veror")  # shipped, installed on first use
        self.client.post(
            reverse("import_template_rename", kwargs={"public_id": template.public_id}),
            {"name": "Fshati 2019"},
        )
        with system_scope():
            template.refresh_from_db()
        self.assertEqual(template.name, "Fshati 2019")
        self.client.post(reverse("import_template_delete", kwargs={"public_id": template.public_id}))
        with system_scope():
            self.assertFalse(MappingTemplate.objects.filter(pk=template.pk).exists())

    def test_a_template_is_chosen_on_the_mapping_page(self) -> None:
        from kujdes.imports.models import MappingTemplate

        with system_scope():
            template = MappingTemplate.objects.create(
                organisation=self.org,
                name="Kodet",
                target="persons",
                mapping={"headers": {"Kodi": "given_name"}},
            )
        self.login(self.alice)
        self.upload(b"Kodi,Gjinia\nAna,F\n")
        batch = self.latest()
        page = self.client.get(reverse("import_batch", kwargs={"public_id": batch.public_id}))
        self.assertContains(page, "Kodet")
        self.client.post(
            reverse("import_template_apply", kwargs={"public_id": batch.public_id}),
            {"template": str(template.public_id)},
        )
        page = self.client.get(reverse("import_batch", kwargs={"public_id": batch.public_id}))
        # The template's column, and the suggestion for the header it does not know.
        self.assertEqual(page.context["result"].columns, ["given_name", "sex"])

    def test_saving_the_page_keeps_the_combined_columns_a_template_set(self) -> None:
        from kujdes.imports.models import MappingTemplate

        with system_scope():
            template = MappingTemplate.objects.create(
                organisation=self.org,
                name="Ditëlindja në tri kolona",
                target="persons",
                mapping={
                    "headers": {"Emri": "given_name", "Dita": "", "Muaji": "", "Viti": ""},
                    "combines": [
                        {"field": "date_of_birth", "how": "date", "column_headers": ["Dita", "Muaji", "Viti"]}
                    ],
                },
            )
        self.login(self.alice)
        self.upload(b"Emri,Dita,Muaji,Viti\nAna,12,3,2009\n", template=str(template.public_id))
        batch = self.latest()
        combine = {"field": "date_of_birth", "how": "date", "columns": [1, 2, 3]}
        self.assertEqual(batch.options["mapping"]["combines"], [combine])
        self.client.post(
            reverse("import_mapping", kwargs={"public_id": batch.public_id}),
            {"column-0": "given_name", "column-1": "", "column-2": "", "column-3": ""},
        )
        self.assertEqual(self.latest().options["mapping"]["combines"], [combine])

    def test_headers_mapped_in_a_committed_import_are_suggested_first_next_time(self) -> None:
        from kujdes.imports.learning import learnt_columns

        self.login(self.alice)
        self.upload("Kodi i fshatit,Emri,Mbiemri\nShkodër,Ana,Kola\n".encode())
        batch = self.latest()
        page = self.client.get(reverse("import_batch", kwargs={"public_id": batch.public_id}))
        # "Kodi i fshatit" is nobody's synonym yet.
        self.assertEqual(page.context["result"].columns, ["", "given_name", "family_name"])
        self.client.post(
            reverse("import_mapping", kwargs={"public_id": batch.public_id}),
            {"column-0": "municipality", "column-1": "given_name", "column-2": "family_name"},
        )
        with override_settings(TASKS=IMMEDIATE), self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("import_commit", kwargs={"public_id": batch.public_id}))
        self.assertEqual(self.latest().state, BatchState.COMMITTED)
        with system_scope():
            self.assertEqual(
                learnt_columns(
                    organisation_id=self.org.pk, target="persons", headers=["KODI I FSHATIT", "Emri"]
                ),
                ["municipality", "given_name"],
            )
            # Another organisation learnt nothing from it.
            self.assertEqual(
                learnt_columns(
                    organisation_id=self.other_org.pk, target="persons", headers=["Kodi i fshatit"]
                ),
                [""],
            )
        self.upload("Emri,Kodi i fshatit,Mbiemri\nEva,Lezhë,Lami\n".encode())
        page = self.client.get(reverse("import_batch", kwargs={"public_id": self.latest().public_id}))
        self.assertEqual(page.context["result"].columns, ["given_name", "municipality", "family_name"])

    def test_an_interrupted_commit_offers_to_continue_and_continuing_finishes_it(self) -> None:
        import datetime

        from django.utils import timezone

        self.login(self.alice)
        self.upload(b"Emri\nAna\nEva\n")
        batch = self.latest()
        self.client.post(
            reverse("import_mapping", kwargs={"public_id": batch.public_id}), {"column-0": "given_name"}
        )
        with system_scope():
            # As a worker killed after it claimed the batch: open, started, silent for an hour.
            long_ago = timezone.now() - datetime.timedelta(hours=1)
            ImportBatch.objects.filter(pk=batch.pk).update(
                commit_started_at=long_ago, commit_heartbeat_at=long_ago, rows_total=2, commit_attempts=1
            )
        page = self.client.get(reverse("import_batch", kwargs={"public_id": batch.public_id}))
        # "Continue the import" (in the organisation's language): a form that queues the commit again.
        self.assertContains(page, 'id="import-status"', html=False)
        self.assertContains(
            page, f'action="{reverse("import_commit", kwargs={"public_id": batch.public_id})}"', html=False
        )
        self.assertNotContains(page, "hx-trigger")  # no polling of a commit nobody runs
        with override_settings(TASKS=IMMEDIATE), self.captureOnCommitCallbacks(execute=True):
            self.client.post(reverse("import_commit", kwargs={"public_id": batch.public_id}))
        batch = self.latest()
        self.assertEqual((batch.state, batch.rows_done, batch.commit_attempts), (BatchState.COMMITTED, 2, 2))

    def test_charlie_and_dave_get_404_for_alices_template(self) -> None:
        from kujdes.imports.models import MappingTemplate

        with system_scope():
            template = MappingTemplate.objects.create(
                organisation=self.org, name="Alice's", target="persons", mapping={}
            )
        for user in (self.dave, self.other_admin):
            self.login(user)
            for name in ("import_template_rename", "import_template_delete"):
                response = self.client.post(
                    reverse(name, kwargs={"public_id": template.public_id}), {"name": "x"}
                )
                self.assertEqual(response.status_code, 404, (user.username, name))
        # Dave imports in his own organisation: his templates page does not list Alice's.
        self.login(self.dave)
        self.assertNotContains(self.client.get(reverse("import_templates")), "Alice&#x27;s")
        with system_scope():
            self.assertEqual(MappingTemplate.objects.get(pk=template.pk).name, "Alice's")


class ImportPagesForEveryTargetTests(ImportTestCase):
    def test_the_upload_form_offers_every_target_and_each_maps_on_the_page(self) -> None:
        import datetime

        from kujdes.imports.targets import targets_all
        from kujdes.programme import services as programme
        from kujdes.programme.models import ActivityType

        with system_scope():
            # Ana's own course: she manages it and records its attendance.
            course = programme.activity_create(
                actor=self.ana,
                unit=self.diocese_a,
                activity_type=ActivityType.objects.get(organisation=self.org, code="vocational-course"),
                title="Kursi i Anës",
                starts_on=datetime.date(2019, 10, 1),
                ends_on=datetime.date(2019, 12, 20),
            )
        self.login(self.ana)
        page = self.client.get(reverse("import_list"))
        offered = {value for value, _label in page.context["form"].fields["target"].choices}
        targets = targets_all()
        self.assertEqual(offered, {target.name for target in targets})
        self.assertGreaterEqual(offered, {"persons", "participants", "cases", "attendance"})
        for target in targets:
            fields = {"target": target.name}
            if target.needs_activity:
                fields["activity"] = str(course.public_id)
            response = self.client.post(
                reverse("import_list"),
                {
                    "unit": str(self.diocese_a.public_id),
                    **fields,
                    "upload": SimpleUploadedFile("lista.csv", b"Emri,Mbiemri,Gjinia\nAna,Kola,F\n"),
                },
            )
            self.assertEqual(response.status_code, 302, (target.name, getattr(response, "context", None)))
            page = self.client.get(response["Location"])
            self.assertEqual(page.status_code, 200, target.name)
            self.assertFalse(page.context.get("problem"), (target.name, page.context.get("problem")))
            # Its own fields to choose from, and its coded values shown for mapping.
            self.assertEqual(
                [spec.name for spec in page.context["fields"]],
                [spec.name for spec in target.fields],
                target.name,
            )
            result = page.context["result"]
            # (A mapping that cannot work, such as cases without their opening date, is said first.)
            if "sex" in result.columns and not result.blocking:
                self.assertIn("sex", [table["field"] for table in page.context["value_tables"]], target.name)

    def test_an_attendance_upload_keeps_its_activity(self) -> None:
        self.login(self.ana)
        response = self.client.post(
            reverse("import_list"),
            {
                "unit": str(self.diocese_a.public_id),
                "target": "attendance",
                "activity": str(self.camp.public_id),
                "upload": SimpleUploadedFile("lista.csv", b"Emri,7 tetor\nAna,x\n"),
            },
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            self.assertEqual(ImportBatch.objects.latest("pk").activity_id, self.camp.pk)

    def test_a_target_that_needs_an_activity_is_refused_without_one(self) -> None:
        self.login(self.ana)
        response = self.client.post(
            reverse("import_list"),
            {
                "unit": str(self.diocese_a.public_id),
                "target": "attendance",
                "upload": SimpleUploadedFile("lista.csv", b"Emri\nAna\n"),
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("activity", response.context["form"].errors)
