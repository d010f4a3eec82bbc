"""Released figures side by side: withheld figures never shown as numbers, lower-bound totals, audit."""

from __future__ import annotations

import csv
import io
import re

from django.conf import settings
from django.urls import reverse

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.network.figures.selectors import NetworkTotal, figures_default_year, side_by_side
from kujdes.network.figures.tests.data import TRUE_WITHHELD, figures_fixtures


class FiguresTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            figures_fixtures(cls)

    def login(self, user: object, **kwargs: object) -> None:
        super().login(user, **kwargs)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def page(self, user: object, query: str = "year=2019") -> str:
        self.login(user)
        response = self.client.get(reverse("network_figures") + "?" + query)
        assert response.status_code == 200
        return response.content.decode()

    def api(self, user: object, query: str = "year=2019") -> dict:
        self.login(user)
        response = self.client.get(reverse("api:network_figures_side_by_side") + "?" + query)
        assert response.status_code == 200, response.content
        return response.json()

    # --- what is shown -----------------------------------------------------------------------------------

    def test_the_coordinator_sees_partners_side_by_side_with_withheld_figures_as_less_than_11(self) -> None:
        html = self.page(self.coordinator)
        assert "Org Shqipëri" in html and "Org FR" in html
        assert "240" in html
        assert "&lt;11" in html
        assert "no release" in html  # Org UA

    def test_a_withheld_figure_is_never_shown_as_a_number_in_the_page(self) -> None:
        html = self.page(self.coordinator)
        withheld_cells = re.findall(r'<span class="withheld"[^>]*>([^<]*(?:&lt;[^<]*)?)</span>', html)
        assert withheld_cells, "the page shows withheld cells"
        for text in withheld_cells:
            assert text in ("&lt;11", "withheld"), text
            for value in TRUE_WITHHELD.values():
                assert str(value) not in text.replace("&lt;11", "")

    def test_a_withheld_figure_is_null_in_the_api(self) -> None:
        data = self.api(self.other_admin)
        (item,) = [i for i in data["indicators"] if i["code"] == "direct_beneficiaries"]
        fr = next(p for p in item["partners"] if p["partner"] == "fr")
        assert fr["figure"]["value"] is None
        assert fr["figure"]["withheld"] is True
        ua = next(p for p in item["partners"] if p["partner"] == "ua")
        assert ua["no_release"] is True and ua["figure"] is None
        (by_sex,) = [b for b in item["breakdowns"] if b["dim"] == "sex"]
        for row in by_sex["rows"]:
            for cell in row["cells"]:
                assert cell["figure"]["value"] is None and cell["figure"]["withheld"] is True
            assert row["total"]["lower_bound"] is True

        # Nowhere in the answer is a withheld cell given a number.
        def walk(node: object) -> None:
            if isinstance(node, dict):
                if node.get("withheld") is True:
                    assert node.get("value") is None
                for child in node.values():
                    walk(child)
            elif isinstance(node, list):
                for child in node:
                    walk(child)

        walk(data)
        assert data["no_release"] == ["ua"]

    def test_a_network_total_that_needs_a_withheld_cell_is_a_lower_bound(self) -> None:
        data = self.api(self.coordinator)
        (item,) = [i for i in data["indicators"] if i["code"] == "direct_beneficiaries"]
        assert item["total"] == {
            "value": 240,
            "lower_bound": True,
            "partners": 2,
            "partners_with_withheld": 1,
            "shown": "≥ 240",
            "explanation": "1 partner's figures include withheld cells; the true total is at least this.",
        }
        (screenings,) = [i for i in data["indicators"] if i["code"] == "screenings"]
        assert screenings["total"]["lower_bound"] is False  # only "al" released it, as a number
        html = self.page(self.coordinator)
        assert "≥ 240" in html
        assert "the true total is at least this" in html

    def test_the_total_adds_released_cells_only(self) -> None:
        total = NetworkTotal(value=240, lower_bound=True, partners=3, partners_with_withheld=3)
        assert total.text == "≥ 240"
        assert "3 partners" in total.explanation
        assert NetworkTotal(value=240, lower_bound=False, partners=1, partners_with_withheld=0).text == "240"

    def test_indicators_can_be_chosen(self) -> None:
        data = self.api(self.coordinator, "year=2019&indicators=screenings")
        assert [i["code"] for i in data["indicators"]] == ["screenings"]
        assert set(data["available"]) == {"direct_beneficiaries", "screenings"}

    def test_an_unknown_indicator_is_refused_in_the_api_and_reported_in_the_page(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(reverse("api:network_figures_side_by_side") + "?year=2019&indicators=nope")
        assert response.status_code == 422
        html = self.page(self.coordinator, "year=2019&indicators=nope")
        assert 'class="error"' in html

    def test_a_malformed_year_falls_back_to_the_default(self) -> None:
        html = self.page(self.coordinator, "year=abc")
        assert "Released figures, 2019" in html
        self.login(self.coordinator)
        response = self.client.get(reverse("api:network_figures_side_by_side") + "?year=abc")
        assert response.status_code in (400, 422)

    def test_the_default_year_is_the_last_complete_year_with_releases(self) -> None:
        import datetime

        today = datetime.date(2026, 12, 7)
        assert figures_default_year(years=[2026, 2025, 2024], today=today) == 2025
        assert figures_default_year(years=[2026], today=today) == 2026
        assert figures_default_year(years=[], today=today) == 2025

    # --- who --------------------------------------------------------------------------------------------

    def test_a_case_worker_gets_403_and_no_panel(self) -> None:
        self.login(self.alice)
        assert self.client.get(reverse("network_figures")).status_code == 403
        home = self.client.get(reverse("network_home")).content.decode()
        assert "network-figures" not in home

    def test_the_coordinators_dashboard_has_the_panel(self) -> None:
        self.login(self.coordinator)
        home = self.client.get(reverse("network_home")).content.decode()
        assert 'id="network-figures"' in home
        assert "≥ 240" in home

    def test_a_partner_page_shows_its_current_releases_with_headline_totals(self) -> None:
        self.login(self.other_admin)
        html = self.client.get(
            reverse("network_partner_detail", args=[self.partner_al.public_id])
        ).content.decode()
        assert 'id="partner-figures"' in html
        assert "240" in html and "52" in html

    # --- audit ------------------------------------------------------------------------------------------

    def test_a_view_of_another_organisations_figures_is_audited_in_its_chain(self) -> None:
        with system_scope():
            before = AuditEvent.objects.filter(organisation=self.org, action="network.release.viewed").count()
        self.page(self.other_admin)
        with system_scope():
            events = AuditEvent.objects.filter(organisation=self.org, action="network.release.viewed")
            assert events.count() == before + 1
            event = events.order_by("-pk").first()
            assert event.actor_id == self.other_admin.pk
            assert event.details["via"] == "figures_page"

    def test_a_view_of_ones_own_figures_is_not_recorded_as_foreign(self) -> None:
        def viewed(organisation: object, release: object) -> int:
            return AuditEvent.objects.filter(
                organisation=organisation, action="network.release.viewed", object_id=str(release.public_id)
            ).count()

        with system_scope():
            own_before = viewed(self.org, self.figures_release_al)
            foreign_before = viewed(self.other_org, self.figures_release_fr)
            side_by_side(actor=self.admin, year=2019)
            assert viewed(self.org, self.figures_release_al) == own_before
            assert viewed(self.other_org, self.figures_release_fr) == foreign_before + 1

    # --- files ------------------------------------------------------------------------------------------

    def test_the_csv_has_no_withheld_number(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(reverse("network_figures_export", args=["csv"]) + "?year=2019")
        assert response.status_code == 200
        text = response.content.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text)))
        withheld = [row for row in rows if len(row) > 7 and row[7] == "yes"]
        assert withheld
        for row in withheld:
            assert row[6] in ("<11", "withheld")
        assert any(len(row) > 8 and row[5] == "Network" and row[8] == "yes" for row in rows)

    def test_the_xlsx_downloads(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(reverse("network_figures_export", args=["xlsx"]) + "?year=2019")
        assert response.status_code == 200
        assert response.content[:2] == b"PK"
        assert self.client.get(reverse("network_figures_export", args=["pdf"])).status_code == 404

    def test_the_sds_aggregates_of_a_dp_table(self) -> None:
        self.login(self.other_admin)
        url = reverse("network_figures_release_sds", args=[self.figures_release_dp.public_id, 0])
        response = self.client.get(url)
        assert response.status_code == 200
        assert response.content.decode("utf-8") == (
            "selections\tprotected_count\nselections\t131\nsex:Feminine\t118\nsex:Masculine\t13\n"
        )
        # A table without noise is not a DP table: no SDS file.
        url = reverse("network_figures_release_sds", args=[self.figures_release_al.public_id, 0])
        assert self.client.get(url).status_code == 404

    def test_the_ctdc_export_repeats_each_combination_by_its_count(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(
            reverse("network_figures_release_ctdc", args=[self.figures_release_dp.public_id])
        )
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
        assert len(rows) == 12
        assert rows[0]["yearOfRegistration"] == "2018" and rows[0]["gender"] == "Female"
        assert (
            self.client.get(
                reverse("network_figures_release_ctdc", args=[self.figures_release_al.public_id])
            ).status_code
            == 404
        )

    def test_a_release_that_does_not_exist_is_404(self) -> None:
        import uuid

        self.login(self.coordinator)
        assert (
            self.client.get(reverse("network_figures_release_ctdc", args=[uuid.uuid4()])).status_code == 404
        )
