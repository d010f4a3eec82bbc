"""The reports room's release path for CTDC: coded attributes of victim-assistance cases, nothing else."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kujdes.cases.models import TraffickingEvent
from kujdes.cases.services import case_create
from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.network.figures.services import CtdcError, ctdc_table_release
from kujdes.network.releases.ctdc import ctdc_generalise
from kujdes.network.releases.tests.factories import released
from kujdes.network.tests.fixtures import network_fixtures
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


class CtdcTableReleaseTests(BaseTestCase):
    """A focal point adds the CTDC-coded table to a current release; it downloads one row per record."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with tenant_scope(organisation_ids=[cls.org.pk, cls.other_org.pk]):
            for index in range(13):
                person = person_create(
                    actor=None,
                    unit=cls.diocese_a,
                    given_name=f"Person{index}",
                    family_name="Test",
                    sex="Feminine",
                    # One child among adults: no generalisation hides a minor among adults.
                    birth_year=2015 if index == 12 else 2005,
                    citizenships=["AL"],
                )
                case_create(
                    actor=None,
                    person=person,
                    unit=cls.diocese_a,
                    case_type="victim_assistance",
                    opened_on=datetime.date(2025, 2, 1 + index),
                    trafficking_status="ActualVictimOfTrafficking",
                    exploitation_types=["SexualExploitation"],
                )
        with system_scope():
            network_fixtures(cls)
            cls.release = released(partner=cls.partner_al, tables={("direct_beneficiaries", ""): {"": 40}})

    def make(self, user: object, **kwargs: object) -> object:
        with tenant_scope(organisation_ids=[self.org.pk]):
            return ctdc_table_release(actor=user, release=self.release, recently_authenticated=True, **kwargs)

    def test_a_focal_point_adds_the_ctdc_table_once(self) -> None:
        table = self.make(self.admin)
        cells = list(table.cells.order_by("position"))
        total, rows = cells[0], cells[1:]
        assert total.is_total and total.value == 13
        assert sum(cell.value for cell in rows) == 12  # the child's record is withheld
        assert all(cell.value >= 11 for cell in rows)
        with system_scope():
            assert AuditEvent.objects.filter(action="network.figures.ctdc_released").count() == 1
        with pytest.raises(CtdcError):
            self.make(self.admin)

    def test_the_coordinator_and_another_organisation_may_not_add_it(self) -> None:
        for user in (self.coordinator, self.other_admin):
            with pytest.raises(PermissionDenied):
                self.make(user)

    def test_without_recent_sign_in_it_is_refused(self) -> None:
        with tenant_scope(organisation_ids=[self.org.pk]), pytest.raises(CtdcError):
            ctdc_table_release(actor=self.admin, release=self.release, recently_authenticated=False)

    def test_the_page_adds_it_and_the_export_has_one_row_per_record(self) -> None:
        self.login(self.admin)
        url = reverse("network_figures_release_ctdc_make", args=[self.release.public_id])
        assert self.client.post(url).status_code == 302
        response = self.client.get(reverse("network_figures_release_ctdc", args=[self.release.public_id]))
        assert response.status_code == 200
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8"))))
        assert len(rows) == 12
        assert {row["majorityStatus"] for row in rows} == {"Adult"}  # the child is withheld
        assert "Person" not in response.content.decode("utf-8")
