"""The shipped screening forms, filled on a phone and sent through OpenRosa, become screenings."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.utils import timezone

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.fieldsync.mapping import submission_map
from kujdes.fieldsync.models import (
    MappedRecord,
    ReviewItem,
    ReviewReason,
    ReviewState,
    Submission,
    SubmissionState,
)
from kujdes.fieldsync.review import review_decide
from kujdes.fieldsync.services import device_create
from kujdes.fieldsync.shipped.screening import (
    dimension_field,
    ilo_screening_form,
    indicator_choice_name,
    indicator_code,
    risk_screening_form,
)
from kujdes.fieldsync.tests.helpers import Collect, instance_xml, publish
from kujdes.fieldsync.xlsform import xlsform_convert
from kujdes.people.models import Person, Sex
from kujdes.people.services import person_create
from kujdes.screening.models import Screening
from kujdes.screening.services import instruments_install

TODAY = timezone.localdate().isoformat()


class ScreeningFormsTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            instruments_install(organisation=cls.org)
            cls.risk = publish(
                data=risk_screening_form(cls.org),
                units=[cls.diocese_a],
                filename="kujdes_risk_screening.xlsx",
            )
            cls.ilo = publish(
                data=ilo_screening_form(cls.org), units=[cls.diocese_a], filename="kujdes_ilo_screening.xlsx"
            )
            cls.device, cls.token = device_create(
                actor=None, user=cls.alice, unit=cls.diocese_a, name="Alice"
            )
            cls.ana = person_create(
                actor=None,
                unit=cls.diocese_a,
                given_name="Ana",
                family_name="Hoxha",
                sex=Sex.FEMALE,
                birth_year=1990,
                municipality="Tiranë",
            )
            cls.elsewhere = person_create(
                actor=None, unit=cls.diocese_b, given_name="Besa", family_name="Kola"
            )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.collect = Collect(self.client, self.token)

    def send(self, form: Any, fields: dict[str, str], **kwargs: Any) -> Submission:
        xml = instance_xml(form_id=form.form.xml_form_id, version=form.version, fields=fields, **kwargs)
        response = self.collect.submit(xml)
        self.assertIn(response.status_code, (200, 201), response.content[:300])
        with system_scope():
            return Submission.objects.filter(form=form.form).order_by("-pk").first()  # type: ignore[return-value]

    def risk_fields(self, **person: str) -> dict[str, str]:
        return {
            **(person or {"person_mode": "existing", "person": str(self.ana.public_id)}),
            "performed_on": TODAY,
            "instrument": "risk-prevention",
            dimension_field("risk-prevention", "household"): "domestic_violence",
            dimension_field("risk-prevention", "individual"): "school_dropout",
            "notes": "Met at the centre",
        }

    def screenings(self, person: Person) -> list[Screening]:
        with system_scope():
            return list(
                Screening.objects.filter(person=person).select_related("person", "version__instrument")
            )

    def items(self, submission: Submission) -> list[ReviewItem]:
        with system_scope():
            return list(ReviewItem.objects.filter(submission=submission))


class ShippedFormTests(ScreeningFormsTestCase):
    def test_the_forms_convert_with_labels_in_three_languages(self) -> None:
        with system_scope():
            converted = xlsform_convert(
                data=ilo_screening_form(self.org), filename="kujdes_ilo_screening.xlsx"
            )
        self.assertEqual(converted.xml_form_id, "kujdes_ilo_screening")
        for language in ("Shqip (sq)", "English (en)", "Français (fr)"):
            self.assertIn(f'lang="{language}"', converted.xform)
        self.assertIn("persons.csv", converted.xform)
        self.assertIn("ilo-adult-labour", converted.xform)
        self.assertIn("ilo-child-sexual", converted.xform)

    def test_indicator_choice_names_are_reversible(self) -> None:
        for code in ("dr_nature_job", "x_odd", "with-hyphen", "9starts"):
            self.assertEqual(indicator_code(indicator_choice_name(code)), code)
        self.assertEqual(indicator_choice_name("dr_nature_job"), "dr_nature_job")


class RiskScreeningTests(ScreeningFormsTestCase):
    def test_an_existing_person_is_screened_and_the_submission_mapped(self) -> None:
        submission = self.send(self.risk, self.risk_fields())
        self.assertEqual(submission.state, SubmissionState.MAPPED)
        (screening,) = self.screenings(self.ana)
        with system_scope():
            self.assertEqual(sorted(screening.answers), ["domestic_violence", "school_dropout"])
            self.assertEqual(screening.performed_by, self.alice)
            self.assertEqual(screening.version.instrument.code, "risk-prevention")
            self.assertTrue(MappedRecord.objects.filter(origin=submission, key="screening").exists())

    def test_a_replay_or_a_resend_never_records_twice(self) -> None:
        fields = self.risk_fields()
        xml = instance_xml(form_id="kujdes_risk_screening", version=self.risk.version, fields=fields)
        self.collect.submit(xml)
        self.collect.submit(xml)
        with system_scope():
            submission = Submission.objects.get(form=self.risk.form)
            submission_map(submission=submission)
        self.assertEqual(len(self.screenings(self.ana)), 1)

    def test_a_new_person_without_duplicates_is_registered_once(self) -> None:
        fields = self.risk_fields(
            person_mode="new", given_name="Drita", family_name="Zeka", sex=Sex.FEMALE, birth_year="2009"
        )
        submission = self.send(self.risk, fields)
        self.assertEqual(submission.state, SubmissionState.MAPPED)
        with system_scope():
            drita = Person.objects.get(organisation=self.org, birth_year=2009)
            self.assertEqual(drita.unit, self.diocese_a)
            submission_map(submission=submission)
            self.assertEqual(Person.objects.filter(organisation=self.org, birth_year=2009).count(), 1)
        self.assertEqual(len(self.screenings(drita)), 1)

    def test_a_near_duplicate_goes_to_review_and_same_person_links_it(self) -> None:
        fields = self.risk_fields(
            person_mode="new",
            given_name="Ana",
            family_name="Hoxhaj",
            birth_year="1990",
            municipality="Tiranë",
        )
        submission = self.send(self.risk, fields)
        self.assertEqual(submission.state, SubmissionState.REVIEW)
        (item,) = self.items(submission)
        self.assertEqual(item.reason, ReviewReason.POSSIBLE_DUPLICATE)
        self.assertIn(str(self.ana.public_id), item.detail["candidates"])
        self.assertNotIn("Ana", str(item.detail))
        self.assertEqual(self.screenings(self.ana), [])
        with system_scope():
            review_decide(actor=self.alice, item=item, decision="link", linked=str(self.ana.public_id))
            submission.refresh_from_db()
            self.assertEqual(submission.state, SubmissionState.MAPPED)
            self.assertEqual(
                Person.objects.filter(organisation=self.org, given_name__isnull=False).count(), 2
            )
            self.assertTrue(
                AuditEvent.objects.filter(action="fieldsync.review.decided", actor=self.alice).exists()
            )
        self.assertEqual(len(self.screenings(self.ana)), 1)

    def test_accepting_a_possible_duplicate_registers_a_new_person(self) -> None:
        fields = self.risk_fields(
            person_mode="new", given_name="Ana", family_name="Hoxha", birth_year="1991", municipality="Tiranë"
        )
        submission = self.send(self.risk, fields)
        (item,) = self.items(submission)
        with system_scope():
            before = Person.objects.filter(organisation=self.org).count()
            review_decide(actor=self.alice, item=item, decision="accept")
            self.assertEqual(Person.objects.filter(organisation=self.org).count(), before + 1)
            submission.refresh_from_db()
        self.assertEqual(submission.state, SubmissionState.MAPPED)

    def test_a_person_of_another_unit_is_unknown_to_the_sender(self) -> None:
        submission = self.send(
            self.risk, self.risk_fields(person_mode="existing", person=str(self.elsewhere.public_id))
        )
        (item,) = self.items(submission)
        self.assertEqual(item.reason, ReviewReason.UNKNOWN_PERSON)
        self.assertEqual(self.screenings(self.elsewhere), [])
        submission = self.send(self.risk, self.risk_fields(person_mode="existing", person="not-a-uuid"))
        self.assertEqual(self.items(submission)[0].reason, ReviewReason.UNKNOWN_PERSON)

    def test_a_sender_who_does_not_screen_registers_nobody(self) -> None:
        with system_scope():
            _device, token = device_create(
                actor=None, user=self.educator, unit=self.centre_a, name="Educator"
            )
            before = Person.objects.filter(organisation=self.org).count()
        self.collect = Collect(self.client, token)
        fields = self.risk_fields(person_mode="new", given_name="Vesa", family_name="Rama", birth_year="2010")
        submission = self.send(self.risk, fields)
        (item,) = self.items(submission)
        self.assertEqual(item.reason, ReviewReason.NOT_ALLOWED)
        with system_scope():
            self.assertEqual(Person.objects.filter(organisation=self.org).count(), before)
            self.assertEqual(Screening.objects.count(), 0)

    def test_an_edit_of_a_mapped_screening_is_a_conflict_until_accepted(self) -> None:
        first_id = f"uuid:{uuid.uuid4()}"
        self.send(self.risk, self.risk_fields(), instance_id=first_id)
        fields = {**self.risk_fields(), dimension_field("risk-prevention", "household"): ""}
        edit = self.send(self.risk, fields, deprecated_id=first_id)
        self.assertEqual(edit.state, SubmissionState.REVIEW)
        (item,) = self.items(edit)
        self.assertEqual(item.reason, ReviewReason.CONFLICT)
        self.assertEqual(len(self.screenings(self.ana)), 1)
        with system_scope():
            review_decide(actor=self.alice, item=item, decision="accept")
            edit.refresh_from_db()
        self.assertEqual(edit.state, SubmissionState.MAPPED)
        answers = sorted(tuple(sorted(s.answers)) for s in self.screenings(self.ana))
        self.assertEqual(answers, [("domestic_violence", "school_dropout"), ("school_dropout",)])

    def test_an_edit_of_an_unmapped_submission_maps_as_a_first_version(self) -> None:
        first_id = f"uuid:{uuid.uuid4()}"
        self.send(self.risk, self.risk_fields(person_mode="existing", person=""), instance_id=first_id)
        edit = self.send(self.risk, self.risk_fields(), deprecated_id=first_id)
        self.assertEqual(edit.state, SubmissionState.MAPPED)
        self.assertEqual(len(self.screenings(self.ana)), 1)


class IloScreeningTests(ScreeningFormsTestCase):
    def test_an_adult_list_maps_to_an_ilo_screening(self) -> None:
        fields = {
            "person_mode": "existing",
            "person": str(self.ana.public_id),
            "performed_on": TODAY,
            "instrument": "ilo-adult-labour",
            dimension_field("ilo-adult-labour", "deceptive_recruitment"): "dr_nature_job dr_wages",
        }
        submission = self.send(self.ilo, fields)
        self.assertEqual(submission.state, SubmissionState.MAPPED)
        (screening,) = self.screenings(self.ana)
        with system_scope():
            self.assertEqual(screening.version.instrument.code, "ilo-adult-labour")
            self.assertEqual(screening.answers, ["dr_nature_job", "dr_wages"])
            self.assertIn("deceptive_recruitment", screening.positive_dimensions)

    def test_a_childrens_list_for_an_adult_is_refused_into_review(self) -> None:
        fields = {
            "person_mode": "existing",
            "person": str(self.ana.public_id),
            "performed_on": TODAY,
            "instrument": "ilo-child-labour",
            dimension_field("ilo-child-labour", "act"): "act_recruited",
        }
        submission = self.send(self.ilo, fields)
        (item,) = self.items(submission)
        self.assertEqual(item.reason, ReviewReason.INVALID)
        self.assertIn("instrument", item.detail["fields"])
        self.assertEqual(self.screenings(self.ana), [])
        with system_scope():
            review_decide(actor=self.alice, item=item, decision="reject", note="Wrong list chosen")
            submission.refresh_from_db()
            item.refresh_from_db()
        self.assertEqual(submission.state, SubmissionState.REJECTED)
        self.assertEqual(item.state, ReviewState.REJECTED)
