"""IOM's HTCDS XLSForm, filled on a phone and sent through OpenRosa, becomes a person and a case
with the HTCDS import's own mapping."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from kujdes.cases.models import Case
from kujdes.cases.services import case_update
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.fieldsync.mapping import submission_map
from kujdes.fieldsync.models import ReviewItem, ReviewReason, Submission, SubmissionState
from kujdes.fieldsync.review import review_decide
from kujdes.fieldsync.services import device_create
from kujdes.fieldsync.tests.helpers import Collect, instance_xml, publish
from kujdes.people.models import Consent, Person, Sex
from kujdes.people.services import person_create

# IOM's XLSForm, copied unchanged (CC BY 4.0, see data/NOTICE.md).
XLSFORM = Path(__file__).resolve().parent / "data" / "htcds_xlsform.xlsx"


def fields(**overrides: str) -> dict[str, str]:
    values = {
        "con_Consent": "TRUE",
        "prs_First_Name": "Mira",
        "prs_Second_Name": "Dushku",
        "prs_Birthdate": "1996-04-02",
        "prs_Gender": "Feminine",
        "prs_Citizenship": "AL",
        "prs_MobilePhone": "+355 69 555 0101",
        "vic_MethodOfRecruitment": "ThroughOnlineSocialNetworks",
        "vic_TraffickingStatus": "PossibleVictimOfTrafficking",
        "vic_Methods_of_Control": "DebtBondage FalsePromises",
        "vic_TypeOfExploitation": "ForcedLabour",
        "vic_ForcedLabourIndustry": "A_AgricultureForestryAndFishing",
        "cas_Status": "Active",
    }
    values.update(overrides)
    return values


class HtcdsMappingTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.htcds = publish(
                data=XLSFORM.read_bytes(), units=[cls.diocese_a], filename="htcds_xlsform.xlsx"
            )
            cls.device, cls.token = device_create(
                actor=None, user=cls.alice, unit=cls.diocese_a, name="Alice"
            )

    def setUp(self) -> None:
        super().setUp()
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        self.collect = Collect(self.client, self.token)

    def send(self, values: dict[str, str], **kwargs: Any) -> Submission:
        xml = instance_xml(form_id="htcds_xlsform", version=self.htcds.version, fields=values, **kwargs)
        response = self.collect.submit(xml)
        self.assertEqual(response.status_code, 201, response.content[:300])
        with system_scope():
            return Submission.objects.filter(form=self.htcds.form).order_by("-pk").first()  # type: ignore[return-value]

    def cases(self) -> list[Case]:
        with system_scope():
            return list(Case.objects.filter(organisation=self.org).select_related("person"))

    def test_the_form_keeps_ioms_id(self) -> None:
        self.assertEqual(self.htcds.form.xml_form_id, "htcds_xlsform")

    def test_a_filled_form_makes_a_person_and_a_case_with_the_import_mapping(self) -> None:
        submission = self.send(fields())
        self.assertEqual(submission.state, SubmissionState.MAPPED)
        (case,) = self.cases()
        with system_scope():
            person = case.person
            self.assertEqual((person.given_name, person.family_name), ("Mira", "Dushku"))
            self.assertEqual(person.sex, Sex.FEMALE)
            self.assertEqual(person.citizenships, ["AL"])
            self.assertEqual(person.unit, self.diocese_a)
            self.assertEqual(case.trafficking_status, "PossibleVictimOfTrafficking")
            self.assertEqual(sorted(case.control_methods), ["DebtBondage", "FalsePromises"])
            self.assertEqual(case.exploitation_types, ["ForcedLabour"])
            self.assertEqual(case.recruitment_methods, ["ThroughOnlineSocialNetworks"])
            self.assertEqual(case.labour_industry, "A_AgricultureForestryAndFishing")
            self.assertTrue(Consent.objects.filter(person=person).exists())
            submission_map(submission=submission)
        self.assertEqual(len(self.cases()), 1)

    def test_values_the_import_refuses_go_to_review_with_field_names_only(self) -> None:
        submission = self.send(fields(vic_TypeOfSexExploitation="Prostitution"))
        self.assertEqual(submission.state, SubmissionState.REVIEW)
        with system_scope():
            (item,) = ReviewItem.objects.filter(submission=submission)
        self.assertEqual(item.reason, ReviewReason.INVALID)
        self.assertEqual(item.detail["fields"], ["vic_TypeOfSexExploitation"])
        self.assertNotIn("Mira", str(item.detail))
        self.assertEqual(self.cases(), [])

    def test_a_registered_person_goes_to_review_and_same_person_links_the_case(self) -> None:
        with system_scope():
            mira = person_create(
                actor=None, unit=self.diocese_a, given_name="Mira", family_name="Dushku", birth_year=1996
            )
        submission = self.send(fields())
        with system_scope():
            (item,) = ReviewItem.objects.filter(submission=submission)
            self.assertEqual(item.reason, ReviewReason.POSSIBLE_DUPLICATE)
            review_decide(actor=self.alice, item=item, decision="link", linked=str(mira.public_id))
            self.assertEqual(Person.objects.filter(organisation=self.org).count(), 1)
        (case,) = self.cases()
        self.assertEqual(case.person_id, mira.pk)

    def test_an_edit_updates_the_case_unless_the_web_changed_it(self) -> None:
        first = f"uuid:{uuid.uuid4()}"
        self.send(fields(), instance_id=first)
        second = f"uuid:{uuid.uuid4()}"
        edit = self.send(
            fields(vic_TraffickingStatus="ActualVictimOfTrafficking"), instance_id=second, deprecated_id=first
        )
        self.assertEqual(edit.state, SubmissionState.MAPPED)
        (case,) = self.cases()
        self.assertEqual(case.trafficking_status, "ActualVictimOfTrafficking")
        with system_scope(), transaction.atomic():
            case_update(
                actor=self.alice, case=case, expected_version=case.version, changes={"summary": "web"}
            )
        again = self.send(fields(vic_TraffickingStatus="NotAVictimOfTrafficking"), deprecated_id=second)
        self.assertEqual(again.state, SubmissionState.REVIEW)
        with system_scope():
            (item,) = ReviewItem.objects.filter(submission=again)
        self.assertEqual(item.reason, ReviewReason.CONFLICT)
        (case,) = self.cases()
        self.assertEqual(case.trafficking_status, "ActualVictimOfTrafficking")
