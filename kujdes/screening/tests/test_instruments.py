"""Organisation administrators edit instruments; every change is a new version, old screenings keep theirs."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.services import person_create
from kujdes.screening.models import Instrument, InstrumentVersion, Screening
from kujdes.screening.services import instruments_install, screening_record

# What the page shows an organisation working in Albanian: the network's other languages are not posted
# and keep their shipped texts.
LANGUAGES = ("sq", "en", "fr")


def edit_post(instrument: Instrument, version: InstrumentVersion, **changes: str) -> dict[str, str]:
    """What the edit page posts when nothing is touched, with `changes` on top."""
    definition = version.definition
    data = {f"name_{lang}": instrument.name.get(lang, "") for lang in LANGUAGES}
    data.update(is_active="on" if instrument.is_active else "", based_on=str(version.number))
    data.update({f"notes-{lang}": definition["notes"].get(lang, "") for lang in LANGUAGES})
    data["verification"] = definition["verification"]
    for code, text in definition["next_steps"].items():
        data.update({f"next-{code}-{lang}": text.get(lang, "") for lang in LANGUAGES})
    if definition["kind"] == "ilo":
        data["combinations"] = "2 strong\n1 strong + 1 medium|weak\n3 medium\n2 medium + 1 weak"
    else:
        data.update({f"level-{lv['level']}": str(lv["min_score"]) for lv in definition["rules"]["levels"]})
    for i, dimension in enumerate(definition["dimensions"]):
        data[f"d{i}-count"] = str(len(dimension["indicators"]))
        data.update({f"d{i}-label-{lang}": dimension["label"].get(lang, "") for lang in LANGUAGES})
        for j, indicator in enumerate(dimension["indicators"]):
            data[f"d{i}-i{j}-code"] = indicator["code"]
            data.update({f"d{i}-i{j}-label-{lang}": indicator["label"].get(lang, "") for lang in LANGUAGES})
            if "strength" in indicator:
                data[f"d{i}-i{j}-strength"] = indicator["strength"]
            else:
                data[f"d{i}-i{j}-weight"] = str(indicator["weight"])
            if indicator.get("confirmed"):
                data[f"d{i}-i{j}-confirmed"] = "on"
    data.update(changes)
    return data


class InstrumentEditingTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            instruments_install(organisation=cls.org)
            cls.risk = Instrument.objects.get(organisation=cls.org, code="risk-prevention")
            cls.ilo = Instrument.objects.get(organisation=cls.org, code="ilo-adult-labour")
            cls.person = person_create(
                actor=cls.alice, unit=cls.diocese_a, given_name="Vera", birth_year=2011
            )

    def setUp(self) -> None:
        super().setUp()
        translation.activate("en")
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    def version(self, instrument: Instrument, number: int) -> InstrumentVersion:
        with system_scope():
            return InstrumentVersion.objects.get(instrument=instrument, number=number)

    def test_the_list_shows_the_shipped_instruments_to_be_verified(self) -> None:
        self.login(self.admin)
        response = self.client.get(reverse("instrument_list"))
        self.assertContains(response, "ilo-adult-sexual")
        self.assertContains(response, "risk-prevention")
        self.assertContains(response, "to be verified by the organisation")

    def test_the_list_installs_the_shipped_instruments_once_for_a_new_organisation(self) -> None:
        self.login(self.other_admin)
        self.client.get(reverse("instrument_list"))
        self.client.get(reverse("instrument_list"))
        with system_scope():
            self.assertEqual(Instrument.objects.filter(organisation=self.other_org).count(), 5)
            self.assertEqual(InstrumentVersion.objects.filter(organisation=self.other_org).count(), 5)

    def test_installing_again_changes_nothing(self) -> None:
        with system_scope():
            self.assertEqual(instruments_install(organisation=self.org), 0)

    def test_editing_a_weight_saves_a_new_version_and_old_screenings_keep_theirs(self) -> None:
        with system_scope():
            before = screening_record(
                actor=self.alice,
                person=self.person,
                instrument=self.risk,
                answers=["school_dropout", "extreme_poverty"],
                performed_on=datetime.date(2026, 1, 10),
            )
        self.assertEqual(before.level, "medium")  # 2 + 2
        self.login(self.admin)
        # school_dropout is the first factor of the first dimension: weight 2 → 6.
        response = self.client.post(
            reverse("instrument_edit", args=[self.risk.public_id]),
            edit_post(self.risk, self.version(self.risk, 1), **{"d0-i0-weight": "6"}),
        )
        self.assertRedirects(response, reverse("instrument_version_detail", args=[self.risk.public_id, 2]))
        with system_scope():
            after = screening_record(
                actor=self.alice,
                person=self.person,
                instrument=self.risk,
                answers=["school_dropout", "extreme_poverty"],
                performed_on=datetime.date(2026, 1, 11),
            )
            before.refresh_from_db()
            self.assertEqual((before.version.number, before.level), (1, "medium"))
            self.assertEqual((after.version.number, after.level), (2, "high"))
            self.assertEqual(
                self.version(self.risk, 1).definition["dimensions"][0]["indicators"][0]["weight"], 2
            )
            event = AuditEvent.objects.filter(action="screening.instrument.version_created").latest("seq")
            self.assertEqual(
                event.details,
                {"code": "risk-prevention", "version": 2, "reason": "edited", "changed": ["dimensions"]},
            )

    def test_adding_and_removing_indicators(self) -> None:
        self.login(self.admin)
        data = edit_post(
            self.ilo,
            self.version(self.ilo, 1),
            **{
                "d0-i1-remove": "on",
                "d0-new-label-sq": "Mashtrim për vendin e punës në rrjetet sociale",
                "d0-new-label-en": "Deceived through a social media job advert",
                "d0-new-label-fr": "Tromperie par une annonce d'emploi sur les réseaux sociaux",
                "d0-new-strength": "strong",
            },
        )
        self.client.post(reverse("instrument_edit", args=[self.ilo.public_id]), data)
        definition = self.version(self.ilo, 2).definition
        codes = [i["code"] for i in definition["dimensions"][0]["indicators"]]
        self.assertNotIn("dr_wages", codes)
        self.assertIn("dr_deceived_through_a_social_media_job_advert", codes)
        # The rules are edited on their own page (test_rules.py): this page leaves them as they were.
        self.assertEqual(definition["rules"], self.version(self.ilo, 1).definition["rules"])

    def test_the_network_languages_not_shown_keep_their_texts(self) -> None:
        self.login(self.admin)
        data = edit_post(self.risk, self.version(self.risk, 1), **{"d0-i0-weight": "3"})
        self.client.post(reverse("instrument_edit", args=[self.risk.public_id]), data)
        before, after = self.version(self.risk, 1).definition, self.version(self.risk, 2).definition
        self.assertEqual(
            after["dimensions"][0]["indicators"][0]["label"],
            before["dimensions"][0]["indicators"][0]["label"],
        )
        self.assertIn("hy", after["dimensions"][0]["indicators"][0]["label"])
        page = self.client.get(reverse("instrument_edit", args=[self.risk.public_id]))
        self.assertNotContains(page, 'name="d0-i0-label-hy"')

    def test_saving_without_changes_adds_no_version(self) -> None:
        self.login(self.admin)
        self.client.post(
            reverse("instrument_edit", args=[self.risk.public_id]),
            edit_post(self.risk, self.version(self.risk, 1)),
        )
        with system_scope():
            self.assertEqual(InstrumentVersion.objects.filter(instrument=self.risk).count(), 1)

    def test_invalid_input_is_explained_and_kept(self) -> None:
        self.login(self.admin)
        data = edit_post(
            self.ilo,
            self.version(self.ilo, 1),
            **{"d0-i0-label-fr": "", "d0-i0-label-en": "Typed by the admin", "d0-i2-strength": "enormous"},
        )
        response = self.client.post(reverse("instrument_edit", args=[self.ilo.public_id]), data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Typed by the admin", status_code=400)
        self.assertContains(response, "the label is missing in fr", status_code=400)
        self.assertContains(response, "the strength must be strong, medium or weak", status_code=400)
        with system_scope():
            self.assertEqual(InstrumentVersion.objects.filter(instrument=self.ilo).count(), 1)

    def test_garbage_never_causes_a_500(self) -> None:
        self.login(self.admin)
        url = reverse("instrument_edit", args=[self.risk.public_id])
        for data in (
            {},
            {"based_on": "x", "d0-count": "many", "level-high": "∞"},
            {**edit_post(self.risk, self.version(self.risk, 1)), "d0-count": "999999", "d0-i0-weight": "-5"},
            {
                **edit_post(self.risk, self.version(self.risk, 1)),
                "d0-i0-weight": "9" * 50,
                "notes-en": "x" * 50_000,
            },
        ):
            response = self.client.post(url, data)
            self.assertEqual(response.status_code, 400, response.content[:300])

    def test_a_concurrent_edit_is_refused_and_the_input_kept(self) -> None:
        self.login(self.admin)
        url = reverse("instrument_edit", args=[self.risk.public_id])
        first = edit_post(self.risk, self.version(self.risk, 1), **{"d0-i0-weight": "5"})
        second = edit_post(self.risk, self.version(self.risk, 1), **{"d0-i1-weight": "7", "notes-en": "Mine"})
        self.client.post(url, first)
        response = self.client.post(url, second)
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Mine", status_code=409)
        self.assertContains(response, 'name="based_on" value="2"', status_code=409)

    def test_the_other_organisations_admin_gets_404(self) -> None:
        self.login(self.other_admin)
        for url in (
            reverse("instrument_edit", args=[self.risk.public_id]),
            reverse("instrument_version_detail", args=[self.risk.public_id, 1]),
        ):
            self.assertEqual(self.client.get(url).status_code, 404)

    def test_case_workers_cannot_edit_instruments(self) -> None:
        self.login(self.alice)
        self.assertEqual(
            self.client.get(reverse("instrument_edit", args=[self.risk.public_id])).status_code, 403
        )
        self.assertEqual(self.client.get(reverse("instrument_list")).status_code, 403)

    def test_the_version_page_shows_sources_and_notes(self) -> None:
        self.login(self.admin)
        with system_scope():
            sexual = Instrument.objects.get(organisation=self.org, code="ilo-child-sexual")
        response = self.client.get(reverse("instrument_version_detail", args=[sexual.public_id, 1]))
        self.assertContains(response, "WCMS_105036")
        self.assertContains(response, "unconfirmed")

    def test_a_missing_version_is_404(self) -> None:
        self.login(self.admin)
        self.assertEqual(
            self.client.get(reverse("instrument_version_detail", args=[self.risk.public_id, 99])).status_code,
            404,
        )
        with system_scope():
            self.assertFalse(Screening.objects.exists())
