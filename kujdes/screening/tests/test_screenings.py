"""Case workers screen persons; the result, the history and who may see them."""

from __future__ import annotations

import datetime
import json
import uuid

from django.conf import settings
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from kujdes.core.models import AuditEvent
from kujdes.core.panels import panels_render
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.services import person_create
from kujdes.screening.models import Instrument, Screening
from kujdes.screening.services import instruments_install, screening_record

ADULT_VICTIM = [
    "dr_nature_job",
    "dr_education",
    "ex_excessive_hours",
    "ex_low_salary",
    "cd_documents",
    "cd_violence",
]


class ScreeningTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            instruments_install(organisation=cls.org)
            cls.instruments = {i.code: i for i in Instrument.objects.filter(organisation=cls.org)}
            cls.adult = person_create(actor=cls.alice, unit=cls.diocese_a, given_name="Ana", birth_year=1995)
            cls.child = person_create(actor=cls.alice, unit=cls.centre_a, given_name="Eni", birth_year=2012)
            cls.unsure = person_create(actor=cls.alice, unit=cls.diocese_a, given_name="Lule")
            cls.screening = screening_record(
                actor=cls.alice,
                person=cls.adult,
                instrument=cls.instruments["ilo-adult-labour"],
                answers=ADULT_VICTIM,
                performed_on=datetime.date(2026, 2, 1),
                notes="Synthetic: met at the bus station.",
            )

    def setUp(self) -> None:
        super().setUp()
        translation.activate("en")
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def create_url(self, person, instrument_code: str | None = None) -> str:  # type: ignore[no-untyped-def]
        url = reverse("screening_create", args=[person.public_id])
        return f"{url}?instrument={self.instruments[instrument_code].public_id}" if instrument_code else url

    # -- recording -------------------------------------------------------------------------------

    def test_alice_screens_a_child_with_the_risk_checklist_and_sees_the_result(self) -> None:
        self.login(self.alice)
        instrument = self.instruments["risk-prevention"]
        page = self.client.get(self.create_url(self.child, "risk-prevention"))
        self.assertContains(page, "Dropped out of school")
        self.assertContains(page, 'hx-post="')
        response = self.client.post(
            self.create_url(self.child),
            {
                "instrument": str(instrument.public_id),
                "answers": ["migration_intention", "online_job_offer"],
                "performed_on": "2026-03-02",
                "version": "1",
                "notes": "Synthetic note",
            },
            follow=True,
        )
        self.assertContains(response, "High risk")
        self.assertContains(response, "inform the programme manager within 48 hours")
        with system_scope():
            screening = Screening.objects.get(person=self.child)
            self.assertEqual(
                (screening.age_group, screening.outcome, screening.level), ("child", "high", "high")
            )
            event = AuditEvent.objects.filter(
                action="screening.recorded", object_id=str(screening.public_id)
            ).get()
            self.assertNotIn("Synthetic", json.dumps(event.details))

    def test_the_checklist_speaks_albanian_by_default(self) -> None:
        del self.client.cookies[settings.LANGUAGE_COOKIE_NAME]
        self.login(self.alice)
        page = self.client.get(self.create_url(self.child, "risk-prevention"))
        self.assertContains(page, "Ka braktisur shkollën")

    def test_the_chooser_offers_the_lists_of_the_persons_age_group(self) -> None:
        self.login(self.alice)
        response = self.client.get(self.create_url(self.child))
        self.assertContains(response, "children, labour exploitation")
        self.assertNotContains(response, "adults, labour exploitation")
        self.assertContains(response, "Prevention risk screening")

    def test_an_adults_list_is_refused_for_a_child(self) -> None:
        with system_scope(), self.assertRaisesMessage(Exception, "use the children's list"):
            screening_record(
                actor=self.alice,
                person=self.child,
                instrument=self.instruments["ilo-adult-labour"],
                answers=[],
            )

    def test_the_worker_says_the_age_group_when_the_birth_year_cannot_tell(self) -> None:
        self.login(self.alice)
        instrument = self.instruments["risk-prevention"]
        data = {"instrument": str(instrument.public_id), "performed_on": "2026-03-02", "version": "1"}
        response = self.client.post(self.create_url(self.unsure), {**data, "answers": ["disability"]})
        self.assertContains(response, "Say whether the person was a child", status_code=400)
        self.assertContains(response, 'value="disability" checked', status_code=400)
        response = self.client.post(self.create_url(self.unsure), {**data, "age_group": "child"})
        self.assertEqual(response.status_code, 302)

    def test_malformed_input_is_explained_never_a_500(self) -> None:
        self.login(self.alice)
        instrument = self.instruments["risk-prevention"]
        url = self.create_url(self.child)
        for data in (
            {},
            {"instrument": "not-a-uuid"},
            {"instrument": str(instrument.public_id), "performed_on": "31/31/2026", "version": "x"},
            {"instrument": str(instrument.public_id), "performed_on": "2099-01-01", "version": "1"},
            {"instrument": str(instrument.public_id), "performed_on": "2026-01-01", "version": "1",
             "notes": "x" * 30_000},
            {"instrument": str(instrument.public_id), "performed_on": "2026-01-01", "version": "1",
             "answers": ["<script>", "x" * 10_000]},
        ):  # fmt: skip
            with self.subTest(data=str(data)[:80]):
                response = self.client.post(url, data)
                self.assertIn(response.status_code, (302, 400), response.content[:200])
        response = self.client.get(f"{url}?instrument=%00%ff")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.client.get("/screening/persons/not-a-uuid/new").status_code, 404)

    def test_a_screening_against_an_old_version_asks_to_check_again(self) -> None:
        self.login(self.alice)
        instrument = self.instruments["risk-prevention"]
        response = self.client.post(
            self.create_url(self.child),
            {"instrument": str(instrument.public_id), "performed_on": "2026-01-01", "version": "7",
             "answers": ["disability"]},
        )  # fmt: skip
        self.assertContains(response, "changed this instrument", status_code=409)
        self.assertContains(response, 'value="disability" checked', status_code=409)

    def test_the_live_preview_shows_the_result_without_saving(self) -> None:
        self.login(self.alice)
        response = self.client.post(
            reverse("screening_preview", args=[self.adult.public_id]),
            {"instrument": str(self.instruments["ilo-adult-labour"].public_id), "answers": ADULT_VICTIM},
        )
        self.assertContains(response, "Presumed victim of trafficking")
        self.assertContains(response, "not saved")
        with system_scope():
            self.assertEqual(Screening.objects.filter(person=self.adult).count(), 1)

    # -- reading ---------------------------------------------------------------------------------

    def test_the_result_shows_positive_dimensions_level_and_next_step(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("screening_detail", args=[self.screening.public_id]))
        self.assertContains(response, "Presumed victim of trafficking")
        self.assertContains(response, "Coercion at destination")
        self.assertContains(response, "National Referral Mechanism")
        self.assertContains(response, "met at the bus station")
        with system_scope():
            self.assertTrue(
                AuditEvent.objects.filter(
                    action="screening.viewed", object_id=str(self.screening.public_id)
                ).exists()
            )

    def test_the_notes_are_encrypted_in_the_database(self) -> None:
        with system_scope(), connection.cursor() as cursor:
            cursor.execute("SELECT notes FROM screening_screening WHERE id = %s", [self.screening.pk])
            (stored,) = cursor.fetchone()
        self.assertTrue(stored.startswith("k1:"))
        self.assertNotIn("bus station", stored)

    def test_the_programme_manager_reads_screenings_but_does_not_record_them(self) -> None:
        self.login(self.manager)
        self.assertEqual(
            self.client.get(reverse("screening_detail", args=[self.screening.public_id])).status_code, 200
        )
        self.assertEqual(self.client.get(self.create_url(self.adult)).status_code, 403)

    def test_charlie_and_dave_get_404_for_alices_persons_screenings(self) -> None:
        for user in (self.charlie, self.dave):
            self.login(user)
            with self.subTest(user=user.username):
                for url in (
                    reverse("screening_detail", args=[self.screening.public_id]),
                    self.create_url(self.adult),
                    reverse("api:screenings_get", args=[self.screening.public_id]),
                ):
                    self.assertEqual(self.client.get(url).status_code, 404)

    def test_educator_volunteer_and_admin_cannot_see_screenings(self) -> None:
        for user in (self.educator, self.volunteer, self.admin, self.dpo):
            self.login(user)
            with self.subTest(user=user.username):
                self.assertEqual(
                    self.client.get(reverse("screening_detail", args=[self.screening.public_id])).status_code,
                    404,
                )
                self.assertEqual(self.client.get(self.create_url(self.child)).status_code, 404)

    def test_a_foreign_screening_answers_exactly_like_a_missing_one(self) -> None:
        self.login(self.charlie)
        foreign = self.client.get(reverse("api:screenings_get", args=[self.screening.public_id]))
        missing = self.client.get(reverse("api:screenings_get", args=[uuid.uuid4()]))
        self.assertEqual((foreign.status_code, foreign.content), (missing.status_code, missing.content))

    # -- the person page ---------------------------------------------------------------------------

    def panel(self, user, person) -> str:  # type: ignore[no-untyped-def]
        request = RequestFactory().get("/")
        request.user = user
        with system_scope():
            return "".join(panels_render(page="person", request=request, obj=person))

    def test_the_person_page_lists_the_screening_history(self) -> None:
        html = self.panel(self.alice, self.adult)
        self.assertIn(reverse("screening_detail", args=[self.screening.public_id]), html)
        self.assertIn(reverse("screening_create", args=[self.adult.public_id]), html)
        manager_html = self.panel(self.manager, self.adult)
        self.assertIn(reverse("screening_detail", args=[self.screening.public_id]), manager_html)
        self.assertNotIn(reverse("screening_create", args=[self.adult.public_id]), manager_html)

    def test_the_person_page_shows_nothing_to_those_who_may_not_see_screenings(self) -> None:
        for user in (self.charlie, self.dave, self.admin, self.educator, self.volunteer):
            with self.subTest(user=user.username):
                self.assertNotIn("screening", self.panel(user, self.adult))

    # -- the API -----------------------------------------------------------------------------------

    def test_the_api_lists_instruments_with_their_current_definition(self) -> None:
        self.login(self.alice)
        listed = self.client.get(reverse("api:screening_instruments_list")).json()
        codes = {item["code"] for item in listed}
        self.assertEqual(len(codes), 5)
        risk = next(item for item in listed if item["code"] == "risk-prevention")
        self.assertEqual((risk["version"], risk["definition"]["kind"]), (1, "risk"))
        for user in (self.volunteer, self.coordinator):
            self.login(user)
            self.assertEqual(self.client.get(reverse("api:screening_instruments_list")).status_code, 403)

    def test_the_api_records_a_screening_and_answers_the_result(self) -> None:
        self.login(self.bob)
        url = reverse("api:person_screenings_create", args=[self.adult.public_id])
        body = {"instrument": "ilo-adult-labour", "answers": ["ex_excessive_hours", "ex_low_salary"]}
        response = self.client.post(url, json.dumps(body), content_type="application/json")
        self.assertEqual(response.status_code, 201, response.content)
        data = response.json()
        self.assertEqual(
            (data["outcome"], data["level"], data["next_step"]), ("exploited", "medium", "rights_support")
        )
        self.assertEqual(data["positive_dimensions"], ["exploitation"])
        self.assertIn("fr", data["next_step_text"])

    def test_the_api_refuses_bad_input_with_a_clear_answer(self) -> None:
        self.login(self.alice)
        url = reverse("api:person_screenings_create", args=[self.adult.public_id])
        cases = [
            ({"instrument": "nope", "answers": []}, 400),
            ({"instrument": "ilo-adult-labour", "answers": ["invented"]}, 400),
            ({"instrument": "ilo-child-labour", "answers": []}, 400),
            ({"instrument": "risk-prevention", "performed_on": "2099-01-01"}, 400),
            ({"instrument": "risk-prevention", "version": 99}, 409),
            ({"instrument": "risk-prevention", "performed_on": "yesterday"}, 422),
            ({"answers": "x"}, 422),
        ]
        for body, status in cases:
            with self.subTest(body=body):
                response = self.client.post(url, json.dumps(body), content_type="application/json")
                self.assertEqual(response.status_code, status, response.content)
        response = self.client.post(url, "{not json", content_type="application/json")
        self.assertIn(response.status_code, (400, 422))

    def test_the_api_is_404_for_charlie_and_403_for_the_manager(self) -> None:
        url = reverse("api:person_screenings_create", args=[self.adult.public_id])
        body = json.dumps({"instrument": "risk-prevention", "answers": []})
        self.login(self.charlie)
        self.assertEqual(self.client.post(url, body, content_type="application/json").status_code, 404)
        self.login(self.manager)
        self.assertEqual(self.client.post(url, body, content_type="application/json").status_code, 403)
