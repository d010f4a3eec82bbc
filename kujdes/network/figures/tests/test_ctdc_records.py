"""The reports room's release path for CTDC: coded attributes of victim-assistance cases, nothing else."""

from __future__ import annotations

import datetime

from kujdes.cases.models import TraffickingEvent
from kujdes.cases.services import case_create
from kujdes.core.scoping import tenant_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.network.releases.ctdc import ctdc_generalise
from kujdes.people.services import person_create
from kujdes.reports.releases import ctdc_records
from kujdes.reports.selectors import period_year, report_scope

KEYS = {
    "year",
    "gender",
    "age",
    "citizenship",
    "exploitation_country",
    "exploitation_types",
    "control_methods",
    "recruitment_methods",
    "relationship",
}


class CtdcRecordsTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with tenant_scope(organisation_ids=[cls.org.pk, cls.other_org.pk]):
            person = person_create(
                actor=None,
                unit=cls.diocese_a,
                given_name="Besa",
                family_name="Test",
                sex="Feminine",
                birth_year=2004,
                citizenships=["al"],
            )
            cls.case = case_create(
                actor=None,
                person=person,
                unit=cls.diocese_a,
                case_type="victim_assistance",
                opened_on=datetime.date(2025, 3, 1),
                trafficking_status="ActualVictimOfTrafficking",
                exploitation_types=["SexualExploitation"],
                control_methods=["DebtBondage"],
                trafficker_relationship="Acquainted",
            )
            TraffickingEvent.objects.create(
                organisation=cls.org, case=cls.case, event_type="Exploitation", country="it", description=""
            )
            # Not counted: a prevention case, a person found not to be a victim, a case of another year.
            case_create(actor=None, person=person, unit=cls.diocese_a, opened_on=datetime.date(2025, 4, 1))
            case_create(
                actor=None,
                person=person,
                unit=cls.diocese_a,
                case_type="victim_assistance",
                opened_on=datetime.date(2025, 5, 1),
                trafficking_status="NotAVictimOfTrafficking",
            )
            case_create(
                actor=None,
                person=person,
                unit=cls.diocese_a,
                case_type="victim_assistance",
                opened_on=datetime.date(2024, 5, 1),
            )

    def records(self, user: object) -> list[dict]:
        with tenant_scope(organisation_ids=[self.org.pk]):
            return ctdc_records(scope=report_scope(actor=user), period=period_year(2025))

    def test_it_yields_coded_attributes_of_victim_cases_of_the_period(self) -> None:
        records = self.records(self.admin)
        assert records == [
            {
                "year": 2025,
                "gender": "Feminine",
                "age": 21,
                "citizenship": "AL",
                "exploitation_country": "IT",
                "exploitation_types": ["SexualExploitation"],
                "control_methods": ["DebtBondage"],
                "recruitment_methods": [],
                "relationship": "Acquainted",
            }
        ]

    def test_it_holds_no_name_and_no_id(self) -> None:
        (record,) = self.records(self.admin)
        assert set(record) == KEYS
        assert "Besa" not in repr(record)
        assert str(self.case.public_id) not in repr(record)

    def test_it_keeps_to_the_actors_units(self) -> None:
        assert self.records(self.charlie) == []

    def test_one_record_is_withheld_by_the_generalisation(self) -> None:
        table = ctdc_generalise(self.records(self.admin), k=11)
        assert table.rows == ()
        assert table.withheld == 1
