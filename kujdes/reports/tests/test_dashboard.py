"""Dashboards, the indicator page, the catalogue and the small-cell setting, as requested by browsers."""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from kujdes.cases.services import case_create
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import tenant_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.services import person_create
from kujdes.programme.tests.fixtures import programme_fixtures
from kujdes.reports.models import ReportSettings


def _headline(html: str, name: str) -> str:
    """The figure shown in the headline card of the indicator called `name`."""
    match = re.search(
        r'<span class="headline-figure">([^<]*)</span> <span class="headline-name">' + re.escape(name), html
    )
    assert match, f"no headline {name}"
    return match.group(1)


class DashboardTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        today = timezone.localdate()
        cls.year = today.year
        with tenant_scope(organisation_ids=[cls.org.pk, cls.other_org.pk]):
            programme_fixtures(cls)
            # Seven case files in diocese B (charlie's), three in diocese A (alice's), this year.
            cls.b_cases = []
            for index in range(7):
                person = person_create(
                    actor=cls.charlie,
                    unit=cls.diocese_b,
                    given_name=f"Bora{index}",
                    family_name="Hoxha",
                    sex="Feminine",
                    birth_year=2008,
                )
                cls.b_cases.append(
                    case_create(
                        actor=cls.charlie,
                        person=person,
                        unit=cls.diocese_b,
                        case_type="prevention",
                        opened_on=datetime.date(cls.year, 1, 1),
                    )
                )
            for index in range(3):
                person = person_create(
                    actor=cls.alice,
                    unit=cls.diocese_a,
                    given_name=f"Ana{index}",
                    family_name="Kola",
                    sex="Feminine",
                    birth_year=2007,
                )
                case_create(
                    actor=cls.alice,
                    person=person,
                    unit=cls.diocese_a,
                    case_type="prevention",
                    opened_on=datetime.date(cls.year, 1, 1),
                )

    def login(self, user, **kwargs):  # type: ignore[no-untyped-def]
        super().login(user, **kwargs)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def _dashboard(self, user, **params):  # type: ignore[no-untyped-def]
        self.login(user)
        with translation.override("en"):
            return self.client.get(reverse("report_dashboard"), {"year": self.year, **params})

    def test_charlies_dashboard_counts_diocese_b_only(self) -> None:
        response = self._dashboard(self.charlie)
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("<title>", html)
        # Seven persons of diocese B had a case opened; alice's three are not in charlie's scope.
        self.assertEqual(_headline(html, "Direct beneficiaries"), "7")
        self.assertIn("Diocese B", html)
        self.assertNotIn("Diocese A", html)
        self.assertIn("<svg", html)

    def test_a_unit_outside_the_scope_is_404(self) -> None:
        response = self._dashboard(self.charlie, unit=str(self.diocese_a.public_id))
        self.assertEqual(response.status_code, 404)
        response = self._dashboard(self.dave, unit=str(self.diocese_b.public_id))
        self.assertEqual(response.status_code, 404)

    def test_the_viewer_sees_small_cells_hidden_and_the_manager_sees_them(self) -> None:
        viewer = self._dashboard(self.viewer).content.decode()
        # Organisation-wide: 10 persons with a case plus the programme fixtures' participants (fewer than 5).
        self.assertIn("Figures about fewer than 5 persons", viewer)
        self.assertRegex(viewer, r">hidden<")
        manager = self._dashboard(self.manager).content.decode()
        self.assertNotIn("Figures about fewer than 5 persons", manager)
        # The manager may see the persons of diocese A: nothing is hidden from them.
        self.assertNotRegex(manager, r">hidden<")

    def test_the_threshold_is_the_organisations_setting(self) -> None:
        with tenant_scope(organisation_ids=[self.org.pk]):
            ReportSettings.objects.create(organisation=self.org, small_cell_threshold=11)
        viewer = self._dashboard(self.viewer).content.decode()
        self.assertIn("Figures about fewer than 11 persons", viewer)
        self.assertRegex(viewer, r">hidden<")

    def test_roles_without_reports_get_403(self) -> None:
        for user in (self.volunteer, self.dpo, self.coordinator):
            with self.subTest(user=user.username):
                self.assertEqual(self._dashboard(user).status_code, 403)

    def test_a_bad_period_says_so_and_keeps_the_input(self) -> None:
        response = self._dashboard(self.manager, date_from="2026-05-01", date_to="2026-01-01")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("The end of the period is before its start.", html)
        self.assertIn('value="2026-05-01"', html)
        response = self._dashboard(self.manager, year="abc", month="13")
        self.assertEqual(response.status_code, 200)

    def test_the_indicator_page_shows_every_disaggregation(self) -> None:
        self.login(self.charlie)
        with translation.override("en"):
            response = self.client.get(
                reverse("report_indicator", args=["cases_opened"]), {"year": self.year}
            )
            self.assertEqual(response.status_code, 200)
            html = response.content.decode()
            for label in ("Sex", "Age group", "Unit", "Type of exploitation", "Internal or cross-border"):
                self.assertIn(label, html)
            self.assertEqual(
                self.client.get(reverse("report_indicator", args=["no_such_indicator"])).status_code, 404
            )

    def test_the_catalogue_lists_every_indicator_in_albanian(self) -> None:
        self.login(self.viewer)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "sq"
        with translation.override("sq"):
            response = self.client.get(reverse("report_catalogue"))
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertIn("Përfitues të drejtpërdrejtë", html)
        self.assertIn("Përfitues jo të drejtpërdrejtë", html)

    def test_the_admin_sets_the_threshold_and_it_is_audited(self) -> None:
        self.login(self.admin)
        url = reverse("report_settings")
        self.assertEqual(self.client.get(url).status_code, 200)
        bad = self.client.post(url, {"small_cell_threshold": "1", "version": "1"})
        self.assertEqual(bad.status_code, 400)
        self.assertIn('value="1"', bad.content.decode())
        response = self.client.post(url, {"small_cell_threshold": "8", "version": "1"})
        self.assertEqual(response.status_code, 302)
        with tenant_scope(organisation_ids=[self.org.pk]):
            self.assertEqual(ReportSettings.objects.get(organisation=self.org).small_cell_threshold, 8)
            self.assertTrue(AuditEvent.objects.filter(action="reports.settings.saved").exists())
        stale = self.client.post(url, {"small_cell_threshold": "9", "version": "1"})
        self.assertEqual(stale.status_code, 400)
        self.login(self.manager)
        self.assertEqual(self.client.get(url).status_code, 403)

    def test_figures_are_kept_ten_minutes_and_counted_again_on_demand(self) -> None:
        self.assertEqual(
            _headline(self._dashboard(self.charlie).content.decode(), "Direct beneficiaries"), "7"
        )
        with tenant_scope(organisation_ids=[self.org.pk]):
            person = person_create(
                actor=self.charlie,
                unit=self.diocese_b,
                given_name="Dafina",
                family_name="Hoxha",
                birth_year=2009,
            )
            case_create(
                actor=self.charlie,
                person=person,
                unit=self.diocese_b,
                case_type="prevention",
                opened_on=datetime.date(self.year, 1, 2),
            )
        kept = self._dashboard(self.charlie).content.decode()
        self.assertEqual(_headline(kept, "Direct beneficiaries"), "7")
        self.assertIn("Figures as of", kept)
        again = self._dashboard(self.charlie, refresh="1").content.decode()
        self.assertEqual(_headline(again, "Direct beneficiaries"), "8")
        # Another scope never reads charlie's kept figures: the manager's first look equals a fresh count.
        first = _headline(self._dashboard(self.manager).content.decode(), "Direct beneficiaries")
        fresh = _headline(self._dashboard(self.manager, refresh="1").content.decode(), "Direct beneficiaries")
        self.assertEqual(first, fresh)
        self.assertNotEqual(fresh, "8")
