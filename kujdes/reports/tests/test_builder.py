"""The report builder and saved reports: choices kept, small cells hidden, owners only, audited."""

from __future__ import annotations

import uuid

from django.urls import reverse
from django.utils import translation

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.reports.models import ReportFile, SavedReport
from kujdes.reports.services import saved_report_create
from kujdes.reports.tests.builder_data import YEAR, EnglishTestCase, cases_dataset, choices


class BuilderTests(EnglishTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cases_dataset(cls)

    def _get(self, user, **params):  # type: ignore[no-untyped-def]
        self.login(user)
        with translation.override("en"):
            return self.client.get(reverse("report_builder"), params)

    def _post(self, user, data):  # type: ignore[no-untyped-def]
        self.login(user)
        with translation.override("en"):
            return self.client.post(reverse("report_builder"), data)

    def test_the_empty_builder_lists_the_indicators_by_section_with_their_definitions(self) -> None:
        response = self._get(self.manager)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("<title>", html)
        self.assertIn("Cases and services", html)
        self.assertIn('value="cases_opened"', html)
        self.assertIn("Cases opened", html)
        self.assertIn("<details><summary", html)
        self.assertNotIn('id="table"', html)

    def test_the_preview_shows_the_managers_figures_and_keeps_every_choice(self) -> None:
        response = self._get(self.manager, **choices(self))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn('id="table"', html)
        self.assertIn('<span class="indicator-total">3</span>', html)
        self.assertIn('value="cases_opened" id="ind-cases_opened" checked', html)
        self.assertIn('value="sex" id="dim-sex" checked', html)
        self.assertIn(f'<option value="{YEAR}" selected>', html)
        # Two women and a man: the breakdown by sex.
        self.assertRegex(html, r"Female</th><td class=\"number\">2</td>")
        self.assertRegex(html, r"Male</th><td class=\"number\">1</td>")
        self.assertIn("format=xlsx", html)

    def test_the_viewer_sees_small_cells_hidden(self) -> None:
        html = self._get(self.viewer, **choices(self)).content.decode()
        self.assertIn('<span class="indicator-total">hidden</span>', html)
        self.assertIn("Figures about fewer than 5 persons", html)
        self.assertNotRegex(html, r"Female</th><td class=\"number\">2</td>")

    def test_a_post_preview_shows_the_table_too(self) -> None:
        response = self._post(self.manager, {**choices(self), "action": "preview"})
        self.assertEqual(response.status_code, 200)
        self.assertIn('<span class="indicator-total">3</span>', response.content.decode())

    def test_no_indicator_says_so_and_keeps_the_input(self) -> None:
        response = self._post(
            self.manager,
            {
                **choices(self, indicators=[]),
                "date_from": "2025-01-01",
                "date_to": "2025-03-31",
                "action": "save",
                "name": "Përmbledhja e çerekut",
            },
        )
        self.assertEqual(response.status_code, 400)
        html = response.content.decode()
        self.assertIn("Choose at least one indicator.", html)
        self.assertIn('value="2025-01-01"', html)
        self.assertIn('value="Përmbledhja e çerekut"', html)
        self.assertIn('value="sex" id="dim-sex" checked', html)
        self.assertIsNone(_only_report())

    def test_a_disaggregation_none_of_the_indicators_allows_is_refused(self) -> None:
        response = self._post(
            self.manager, {**choices(self, indicators=["volunteers_active"]), "action": "preview"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("None of the chosen indicators can be broken down by: Sex.", response.content.decode())

    def test_a_bad_period_says_so(self) -> None:
        response = self._get(self.manager, **choices(self), date_from="2025-05-01", date_to="2025-01-01")
        self.assertIn("The end of the period is before its start.", response.content.decode())
        response = self._get(self.manager, **choices(self, year="abc"))
        self.assertEqual(response.status_code, 200)
        self.assertNotIn('id="table"', response.content.decode())

    def test_another_units_or_organisations_user_gets_404_and_a_volunteer_403(self) -> None:
        self.assertEqual(self._get(self.charlie, **choices(self)).status_code, 404)
        self.assertEqual(self._get(self.dave, **choices(self)).status_code, 404)
        self.assertEqual(self._get(self.volunteer).status_code, 403)

    def test_save_as_stores_the_choices_and_audits_them(self) -> None:
        response = self._post(
            self.manager,
            {
                **choices(self),
                "action": "save",
                "name": "Rastet e çerekut",
                "period_kind": "last_quarter",
                "monthly": "on",
            },
        )
        report = _only_report()
        self.assertRedirects(response, reverse("report_detail", args=[report.public_id]))
        self.assertEqual(
            (report.owner, report.unit, report.indicators, report.dims, report.period, report.monthly),
            (self.manager, self.diocese_a, ["cases_opened"], ["sex"], "last_quarter", True),
        )
        self.assertEqual((report.starts_on, report.ends_on, report.language), (None, None, "en"))
        with system_scope():
            event = AuditEvent.objects.get(action="reports.report.saved")
        self.assertEqual(event.details["indicators"], ["cases_opened"])
        self.assertEqual(event.actor, self.manager)

    def test_save_with_dates_chosen_keeps_the_period_shown(self) -> None:
        self._post(
            self.manager,
            {
                **choices(self),
                "action": "save",
                "name": "Q1",
                "period_kind": "custom",
                "year": "",
                "date_from": "2025-01-01",
                "date_to": "2025-03-31",
            },
        )
        report = _only_report()
        self.assertEqual((str(report.starts_on), str(report.ends_on)), ("2025-01-01", "2025-03-31"))

    def test_save_without_a_name_keeps_everything(self) -> None:
        response = self._post(self.manager, {**choices(self), "action": "save", "name": "  "})
        self.assertEqual(response.status_code, 400)
        self.assertIn("Give the report a name.", response.content.decode())
        self.assertIsNone(_only_report())


class SavedReportTests(EnglishTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cases_dataset(cls)
        with system_scope():
            cls.report = saved_report_create(
                actor=cls.manager,
                name="Rastet",
                unit=cls.diocese_a,
                indicators=["cases_opened"],
                dims=["sex"],
                period="custom",
                starts_on=choices_start(),
                ends_on=choices_end(),
                language="sq",
            )
            cls.alices = saved_report_create(
                actor=cls.alice,
                name="Alice's",
                unit=cls.diocese_a,
                indicators=["cases_opened"],
                dims=[],
                period="last_month",
                language="en",
            )

    def _url(self, name: str, report: SavedReport | None = None) -> str:
        return reverse(name, args=[(report or self.report).public_id])

    def test_the_list_shows_only_the_owners_reports(self) -> None:
        self.login(self.manager)
        html = self.client.get(reverse("report_list")).content.decode()
        self.assertIn("Rastet", html)
        self.assertNotIn("Alice&#x27;s", html)
        self.login(self.viewer)
        self.assertNotIn("Rastet", self.client.get(reverse("report_list")).content.decode())

    def test_the_owner_sees_the_table_for_its_period(self) -> None:
        self.login(self.manager)
        with translation.override("en"):
            response = self.client.get(self._url("report_detail"))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("<title>Rastet ·", html)
        self.assertIn('<span class="indicator-total">3</span>', html)
        self.assertIn("No file kept yet.", html)

    def test_everyone_else_gets_404_on_the_report_and_its_pages(self) -> None:
        for user in (self.alice, self.bob, self.charlie, self.dave, self.viewer, self.admin, self.volunteer):
            self.login(user)
            for name in ("report_detail", "report_edit", "report_export"):
                with self.subTest(user=user.username, page=name):
                    self.assertEqual(self.client.get(self._url(name)).status_code, 404)
            with self.subTest(user=user.username, page="report_delete"):
                self.assertEqual(self.client.post(self._url("report_delete")).status_code, 404)
        with system_scope():
            self.assertTrue(SavedReport.objects.filter(pk=self.report.pk).exists())
        self.login(self.manager)
        self.assertEqual(self.client.get(reverse("report_detail", args=[uuid.uuid4()])).status_code, 404)

    def test_the_owner_edits_the_report_and_it_is_audited(self) -> None:
        self.login(self.manager)
        data = {
            "name": "Rastet sipas gjinisë",
            "unit": str(self.centre_a.public_id),
            "indicators": ["cases_opened", "direct_beneficiaries"],
            "dims": ["sex", "age_group"],
            "period": "last_year",
            "language": "fr",
            "monthly": "on",
            "version": str(self.report.version),
        }
        response = self.client.post(self._url("report_edit"), data)
        self.assertRedirects(response, self._url("report_detail"))
        with system_scope():
            self.report.refresh_from_db()
        self.assertEqual(
            (
                self.report.name,
                self.report.unit_id,
                self.report.period,
                self.report.language,
                self.report.monthly,
            ),
            ("Rastet sipas gjinisë", self.centre_a.pk, "last_year", "fr", True),
        )
        self.assertEqual((self.report.starts_on, self.report.ends_on), (None, None))
        with system_scope():
            self.assertTrue(AuditEvent.objects.filter(action="reports.report.updated").exists())
        # The same form sent again is stale: a message, and nothing typed is lost.
        with translation.override("en"):
            response = self.client.post(self._url("report_edit"), {**data, "name": "Other"})
        self.assertEqual(response.status_code, 400)
        html = response.content.decode()
        self.assertIn("This report was changed meanwhile", html)
        self.assertIn('value="Other"', html)

    def test_a_unit_outside_the_owners_scope_is_404(self) -> None:
        self.login(self.manager)
        data = {
            "name": "x",
            "unit": str(self.diocese_b.public_id),
            "indicators": ["cases_opened"],
            "period": "last_year",
            "language": "en",
            "version": "1",
        }
        self.assertEqual(self.client.post(self._url("report_edit"), data).status_code, 404)

    def test_the_owner_deletes_the_report_with_its_files(self) -> None:
        with system_scope():
            ReportFile.objects.create(
                organisation=self.org,
                report=self.report,
                starts_on=choices_start(),
                ends_on=choices_end(),
                format="csv",
                content=b"x",
                size=1,
            )
        self.login(self.manager)
        self.assertEqual(self.client.get(self._url("report_delete")).status_code, 405)
        response = self.client.post(self._url("report_delete"))
        self.assertRedirects(response, reverse("report_list"))
        with system_scope():
            self.assertFalse(SavedReport.objects.filter(pk=self.report.pk).exists())
            self.assertFalse(ReportFile.objects.filter(report_id=self.report.pk).exists())
            event = AuditEvent.objects.get(action="reports.report.deleted")
        self.assertEqual(event.details, {"name": "Rastet", "files": 1})

    def test_a_kept_file_is_downloaded_by_its_owner_only_and_audited(self) -> None:
        with system_scope():
            kept = ReportFile.objects.create(
                organisation=self.org,
                report=self.report,
                starts_on=choices_start(),
                ends_on=choices_end(),
                format="csv",
                content=b"\xef\xbb\xbfa,b\r\n",
                size=7,
                scheduled=True,
            )
        url = reverse("report_file_download", args=[kept.public_id])
        for user in (self.alice, self.charlie, self.dave, self.viewer):
            self.login(user)
            self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.manager)
        self.assertIn(url, self.client.get(self._url("report_detail")).content.decode())
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"\xef\xbb\xbfa,b\r\n")
        self.assertIn("no-store", response["Cache-Control"])
        self.assertIn("attachment;", response["Content-Disposition"])
        with system_scope():
            event = AuditEvent.objects.get(action="reports.file.downloaded")
        self.assertEqual((event.actor, event.details["format"]), (self.manager, "csv"))

    def test_an_owner_who_lost_the_unit_no_longer_sees_the_report(self) -> None:
        from kujdes.core.models import Membership

        with system_scope():
            Membership.objects.filter(user=self.manager).delete()
        self.login(self.manager)
        self.assertEqual(self.client.get(self._url("report_detail")).status_code, 404)


def choices_start():  # type: ignore[no-untyped-def]
    import datetime

    return datetime.date(YEAR, 1, 1)


def choices_end():  # type: ignore[no-untyped-def]
    import datetime

    return datetime.date(YEAR, 12, 31)


def _only_report() -> SavedReport | None:
    with system_scope():
        reports = list(SavedReport.objects.select_related("owner", "unit"))
    assert len(reports) <= 1, reports
    return reports[0] if reports else None
