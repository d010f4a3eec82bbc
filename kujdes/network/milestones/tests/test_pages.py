"""The milestones' pages, export and API as the coordinator, focal points and other staff use them."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal

from django.conf import settings
from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.network.milestones.models import (
    Framework,
    Milestone,
    ProgressReport,
    Target,
    UpdateRequest,
    UpdateStatus,
)
from kujdes.network.milestones.tests.routes import milestone_fixtures


class MilestonePagesTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            milestone_fixtures(cls)

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def scorecard_url(self, **query: str) -> str:
        query.setdefault("year", "2026")
        return reverse("network_scorecard") + "?" + "&".join(f"{k}={v}" for k, v in query.items())

    def test_the_scorecard_shows_the_number_and_the_status_word_in_each_cell(self) -> None:
        self.login(self.alice)
        response = self.client.get(self.scorecard_url())
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        # al reported 7: the number and a status word sit in the same coloured cell.
        cell = html.split('class="score status-', 1)[1].split("</td>", 1)[0]
        self.assertIn('<span class="score-value">7</span>', cell)
        self.assertRegex(cell, r'<span class="score-status">(On track|At risk|Off track)</span>')
        cells = re.findall(r'<td class="score status-[a-z_]+">(.*?)</td>', html)
        self.assertEqual(len(cells), 3)  # three partners, one milestone
        for each in cells:
            self.assertRegex(
                each, r'<span class="score-value">[^<]+</span><span class="score-status">[^<]+</span>'
            )
        self.assertIn("No data", html)  # fr reported nothing
        self.assertIn("How to read the status", html)  # the legend
        self.assertIn(reverse("network_milestone_detail", args=[self.ms_milestone.public_id]), html)

    def test_the_scorecard_survives_a_malformed_year_and_framework(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get(self.scorecard_url(year="abc")).status_code, 200)
        self.assertEqual(self.client.get(self.scorecard_url(year="99999999999999999999")).status_code, 200)
        self.assertEqual(self.client.get(self.scorecard_url(framework="not-a-uuid")).status_code, 404)

    def test_a_draft_framework_is_the_coordinators_only(self) -> None:
        with system_scope():
            draft = Framework.objects.create(title="Next period", first_year=2029, last_year=2031)
        url = reverse("network_milestone_framework_detail", args=[draft.public_id])
        self.login(self.alice)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.coordinator)
        self.assertEqual(self.client.get(url).status_code, 200)

    def test_the_xlsx_export_opens_and_has_the_grid_with_status_words_and_a_legend(self) -> None:
        import openpyxl

        self.login(self.coordinator)
        response = self.client.get(reverse("network_scorecard_xlsx") + "?year=2026")
        self.assertEqual(response.status_code, 200)
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        sheet, legend = book.worksheets
        rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
        self.assertIn("2026–2028", rows[1][0])
        al = next(row for row in rows if row[0] == "Org AL")
        self.assertEqual(al[1], 7)
        self.assertIn(al[3], {"On track", "At risk", "Off track"})
        fr = next(row for row in rows if row[0] == "Org FR")
        self.assertEqual(fr[3], "No data")
        fill = sheet.cell(row=rows.index(fr) + 1, column=4).fill.fgColor.rgb
        self.assertTrue(str(fill).endswith("E3E6EA"))
        self.assertIn("On track", [row[0] for row in legend.iter_rows(values_only=True)])

    def test_a_focal_point_of_fr_cannot_report_for_al(self) -> None:
        url = reverse(
            "network_milestone_progress_add", args=[self.ms_milestone.public_id, self.partner_al.public_id]
        )
        self.login(self.other_admin)
        self.assertEqual(self.client.get(url).status_code, 403)
        response = self.client.post(url, {"year": "2026", "value": "99", "evidence": "x"})
        self.assertEqual(response.status_code, 403)
        api = reverse("api:network_milestones_progress_add", args=[self.ms_milestone.public_id])
        response = self.client.post(
            api,
            json.dumps({"partner": "al", "year": 2026, "value": 99, "evidence": "x"}),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 403)
        self.assertFalse(ProgressReport.objects.filter(value=99).exists())

    def test_a_focal_point_reports_and_answers_the_open_request(self) -> None:
        url = reverse(
            "network_milestone_progress_add", args=[self.ms_milestone.public_id, self.partner_al.public_id]
        )
        self.login(self.admin)
        home = self.client.get(reverse("network_home")).content.decode()
        self.assertIn("Any news of the trainings?", home)
        response = self.client.post(
            url + f"?request={self.ms_request.public_id}",
            {
                "year": "2026",
                "value": "11",
                "evidence": "Sheets of November",
                "comment": "",
                "attachment": "",
            },
        )
        self.assertRedirects(response, reverse("network_milestone_partner", args=[self.partner_al.public_id]))
        report = ProgressReport.objects.get(value=11)
        self.assertEqual(
            (report.partner, report.reported_by, report.update_request),
            (self.partner_al, self.admin, self.ms_request),
        )
        self.assertEqual(UpdateRequest.objects.get(pk=self.ms_request.pk).status, UpdateStatus.ANSWERED)

    def test_a_refused_report_keeps_what_was_typed(self) -> None:
        url = reverse(
            "network_milestone_progress_add", args=[self.ms_milestone.public_id, self.partner_al.public_id]
        )
        self.login(self.manager)
        response = self.client.post(url, {"year": "2031", "value": "-3", "evidence": "Typed evidence"})
        self.assertEqual(response.status_code, 400)
        html = response.content.decode()
        self.assertIn("Typed evidence", html)
        self.assertIn('value="-3"', html)
        self.assertIn('class="error"', html)
        response = self.client.post(url, {"year": "2026", "value": "lots", "evidence": ""})
        self.assertEqual(response.status_code, 400)
        self.assertIn('value="lots"', response.content.decode())

    def test_the_target_grid_shows_errors_per_cell_and_keeps_every_typed_value(self) -> None:
        url = reverse("network_milestone_targets", args=[self.ms_milestone.public_id])
        self.login(self.coordinator)
        page = self.client.get(url).content.decode()
        self.assertIn('name="t-al-2026" value="10"', page)
        data = {"t-al-2026": "15", "t-al-2027": "abc", "t-fr-2026": "-1", "t-ua-2028": "3"}
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 400)
        html = response.content.decode()
        for name, value in data.items():
            self.assertIn(f'name="{name}" value="{value}"', html)
        self.assertEqual(html.count('<td class="has-error">'), 2)
        self.assertEqual(
            Target.objects.get(milestone=self.ms_milestone, partner=self.partner_al, year=2026).value, 10
        )
        response = self.client.post(url, {"t-al-2026": "15", "t-ua-2028": "3"})
        self.assertEqual(response.status_code, 302)
        targets = {
            (t.partner.code, t.year): t.value for t in Target.objects.filter(milestone=self.ms_milestone)
        }
        self.assertEqual(targets, {("al", 2026): Decimal(15), ("ua", 2028): Decimal(3)})

    def test_the_coordinator_creates_a_framework_and_a_milestone_and_bad_input_is_explained(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(
            reverse("network_milestone_framework_create"),
            {"title": "Later", "first_year": "2031", "last_year": "2029", "status": "draft"},
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("The last year cannot come before the first year.", response.content.decode())
        self.assertIn('value="Later"', response.content.decode())
        response = self.client.post(
            reverse("network_milestone_framework_create"),
            {"title": "Later", "first_year": "2029", "last_year": "2031", "status": "draft"},
        )
        framework = Framework.objects.get(title="Later")
        self.assertRedirects(
            response, reverse("network_milestone_framework_detail", args=[framework.public_id])
        )
        url = reverse("network_milestone_create", args=[framework.public_id])
        bad = {
            "code": "m9",
            "title": "Agreements",
            "order": "1",
            "indicator_kind": "manual",
            "direction": "increase",
        }
        response = self.client.post(url, bad)
        self.assertEqual(response.status_code, 400)
        self.assertIn("needs its unit", response.content.decode())
        response = self.client.post(
            url, {**bad, "indicator_kind": "measure", "indicator_code": "no_such_measure"}
        )
        self.assertEqual(response.status_code, 400)
        response = self.client.post(url, {**bad, "unit": "municipalities with an agreement"})
        milestone = Milestone.objects.get(framework=framework, code="m9")
        self.assertRedirects(response, reverse("network_milestone_targets", args=[milestone.public_id]))
        response = self.client.post(
            url,
            {
                **bad,
                "indicator_kind": "catalogue",
                "indicator_code": "employment_rate_6_months",
                "code": "m10",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Milestone.objects.get(code="m10").cumulative)  # a rate is a level

    def test_a_stale_framework_edit_keeps_what_was_typed(self) -> None:
        url = reverse("network_milestone_framework_edit", args=[self.ms_framework.public_id])
        self.login(self.coordinator)
        data = {
            "title": "Mine",
            "first_year": "2026",
            "last_year": "2028",
            "status": "active",
            "version": "1",
        }
        with system_scope():
            Framework.objects.filter(pk=self.ms_framework.pk).update(version=2)
        response = self.client.post(url, data)
        self.assertEqual(response.status_code, 409)
        self.assertIn('value="Mine"', response.content.decode())

    def test_the_partner_page_shows_its_milestones_and_open_requests(self) -> None:
        self.login(self.dave)
        html = self.client.get(
            reverse("network_partner_detail", args=[self.partner_al.public_id])
        ).content.decode()
        self.assertIn("Common milestones", html)
        self.assertIn("open update request", html)
        self.assertIn('<span class="score-value">7</span>', html)
        html = self.client.get(
            reverse("network_milestone_partner", args=[self.partner_al.public_id])
        ).content.decode()
        self.assertIn("Attendance sheets of the trainings", html)
        self.assertNotIn("Report a value", html)  # dave is no focal point

    def test_the_coordinators_dashboard_has_the_compact_scorecard(self) -> None:
        self.login(self.coordinator)
        html = self.client.get(reverse("network_home")).content.decode()
        self.assertIn("Partners by status, milestone by milestone", html)
        self.assertRegex(html, r'class="badge status-no_data">No data: 2</span>')  # fr and ua
        self.login(self.alice)  # staff, not a focal point: no panel
        self.assertNotIn("Partners by status", self.client.get(reverse("network_home")).content.decode())

    def test_the_coordinator_asks_for_an_update(self) -> None:
        self.login(self.coordinator)
        url = reverse("network_milestone_request_create", args=[self.ms_framework.public_id])
        response = self.client.post(url, {"partner": self.partner_fr.pk, "message": "", "due_on": "soon"})
        self.assertEqual(response.status_code, 400)
        response = self.client.post(
            url, {"partner": self.partner_fr.pk, "message": "Figures please", "due_on": "2026-12-20"}
        )
        self.assertRedirects(response, reverse("network_milestone_request_list"))
        request = UpdateRequest.objects.get(message="Figures please")
        self.assertIsNone(request.milestone)
        self.login(self.other_admin)
        self.assertIn("Figures please", self.client.get(reverse("network_home")).content.decode())

    def test_the_api_gives_the_framework_and_the_scorecard(self) -> None:
        self.login(self.dave)
        data = self.client.get(reverse("api:network_milestones_list")).json()
        self.assertEqual(data["framework"]["first_year"], 2026)
        targets = data["milestones"][0]["targets"]
        self.assertIn({"partner": "al", "year": 2026, "value": 10.0}, targets)
        card = self.client.get(reverse("api:network_scorecard_get") + "?year=2026").json()
        al = next(c for c in card["cells"] if c["partner"] == "al")
        self.assertEqual((al["value"], al["target"], al["source"]), (7.0, 10.0, "report"))
        self.assertIn(al["status"], {"on_track", "at_risk", "off_track"})
        self.assertEqual(
            self.client.get(reverse("api:network_scorecard_get") + "?year=1990").status_code, 422
        )
        self.assertEqual(self.client.get(reverse("api:network_scorecard_get") + "?year=x").status_code, 422)

    def test_the_api_refuses_a_malformed_value_with_a_message(self) -> None:
        self.login(self.admin)
        api = reverse("api:network_milestones_progress_add", args=[self.ms_milestone.public_id])
        for body, field in (
            ({"partner": "al", "year": 2026, "value": "many", "evidence": "x"}, "value"),
            ({"partner": "al", "year": 2040, "value": 3, "evidence": "x"}, "year"),
            ({"partner": "zz", "year": 2026, "value": 3, "evidence": "x"}, "partner"),
        ):
            response = self.client.post(api, json.dumps(body), content_type="application/json")
            self.assertEqual(response.status_code, 422, body)
            self.assertIn(field, response.json()["errors"])
        response = self.client.post(api, "{not json", content_type="application/json")
        self.assertIn(response.status_code, {400, 422})
