"""The reports API: the catalogue in the request's language, figures with the caller's small-cell rule."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from kujdes.reports.catalogue import catalogue
from kujdes.reports.tests.builder_data import YEAR, EnglishTestCase, cases_dataset

INDICATORS = "/api/v1/reports/indicators"
FIGURES = "/api/v1/reports/figures"


class ReportsApiTests(EnglishTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cases_dataset(cls)

    def _figures(self, user: Any, **params: Any) -> Any:
        self.login(user)
        query = {
            "indicators": "cases_opened",
            "dims": "sex",
            "unit": str(self.diocese_a.public_id),
            "year": YEAR,
        }
        return self.client.get(FIGURES, {**query, **params})

    def test_the_catalogue_is_in_the_request_language(self) -> None:
        self.login(self.manager)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
        response = self.client.get(INDICATORS)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        cases = next(item for item in body["indicators"] if item["code"] == "cases_opened")
        self.assertEqual(cases["name"], "Dossiers ouverts")
        self.assertIn("sex", cases["dims"])
        self.assertEqual(len(body["indicators"]), len(catalogue()))

    def test_the_manager_gets_the_figures(self) -> None:
        response = self._figures(self.manager)
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["threshold"], 0)
        self.assertEqual(body["period"], {"start": "2025-01-01", "end": "2025-12-31", "label": "2025"})
        figure = body["figures"][0]
        self.assertEqual(figure["total"], {"value": 3.0, "shown": "3", "suppressed": False})
        rows = {row["code"]: (row["value"], row["shown"]) for row in figure["breakdowns"][0]["rows"]}
        self.assertEqual(rows, {"Feminine": (2.0, "2"), "Masculine": (1.0, "1")})
        self.assertTrue(figure["breakdowns"][0]["additive"])

    def test_the_viewer_gets_small_cells_hidden_without_their_numbers(self) -> None:
        body = self._figures(self.viewer).json()
        self.assertEqual(body["threshold"], 5)
        figure = body["figures"][0]
        self.assertEqual(figure["total"], {"value": None, "shown": "hidden", "suppressed": True})
        self.assertTrue(all(row["value"] is None for row in figure["breakdowns"][0]["rows"]))

    def test_another_units_or_organisations_unit_is_404_and_no_role_403(self) -> None:
        self.assertEqual(self._figures(self.charlie).status_code, 404)
        self.assertEqual(self._figures(self.dave).status_code, 404)
        self.assertEqual(self._figures(self.volunteer).status_code, 403)
        self.login(self.dpo)
        self.assertEqual(self.client.get(INDICATORS).status_code, 403)
        # Charlie's own unit: diocese B's seven cases.
        body = self._figures(self.charlie, unit=str(self.diocese_b.public_id)).json()
        self.assertEqual(body["figures"][0]["total"]["value"], 7.0)

    def test_bad_input_is_422_with_messages(self) -> None:
        response = self._figures(self.manager, indicators="nothing_like_it", year="1990")
        self.assertEqual(response.status_code, 422)
        errors = response.json()["errors"]
        self.assertEqual(errors["indicators"], ["Unknown indicators: nothing_like_it."])
        self.assertEqual(errors["period"], ["Enter a year between 2000 and next year."])
        response = self._figures(self.manager, **{"from": "2025-05-01", "to": "2025-01-01"})
        self.assertEqual(response.json()["errors"]["period"], ["The end of the period is before its start."])

    def test_anonymous_callers_get_401(self) -> None:
        self.assertEqual(self.client.get(INDICATORS).status_code, 401)
