"""Importing a case register: a case per person, exploitation types and services mapped from the
register's words, a column per service or a row per service, undo and its blockers."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from kujdes.cases.models import Case, ServiceDelivery
from kujdes.core.scoping import system_scope
from kujdes.imports import mapping as m
from kujdes.imports.models import BatchState, ImportedRecord
from kujdes.imports.reading import table_read
from kujdes.imports.services import Options, UndoRefused, batch_commit, batch_undo, import_check
from kujdes.imports.targets import target_get
from kujdes.imports.tests.helpers import ImportTestCase, xlsx
from kujdes.people.models import Person

FRENCH_HEADERS = [
    "N°",
    "Nom et prénom",
    "Sexe",
    "Date de naissance",
    "Date d'ouverture",
    "Type d'exploitation",
    "Hébergement",
    "Santé",
    "Aide juridique",
]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Exploitation sexuelle", "SexualExploitation"),
        ("shfrytëzim seksual", "SexualExploitation"),
        ("travail forcé", "ForcedLabour"),
        ("Punë e detyruar", "ForcedLabour"),
        ("mendicité", "ForcedBegging"),
        ("الزواج القسري", "ForcedMarriage"),
        ("forced marriage", "ForcedMarriage"),
        ("aucune", m.NONE_CODE),
        ("qwerty", ""),
    ],
)
def test_exploitation_types_are_proposed_in_sq_fr_en_ar(value: str, code: str) -> None:
    assert (
        m.value_propose(kind=m.CODES, field="exploitation_types", value=value, municipalities=None, places={})
        == code
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("Shqiptare", "AL"),
        ("albanaise", "AL"),
        ("Kosovë", "XK"),
        ("Ukrainian", "UA"),
        ("سوريا", "SY"),
        ("AL", "AL"),
    ],
)
def test_nationalities_become_country_codes(value: str, code: str) -> None:
    assert (
        m.value_propose(kind=m.CODES, field="citizenships", value=value, municipalities=None, places={})
        == code
    )


def test_service_columns_are_suggested_from_french_and_albanian_headers() -> None:
    columns = m.columns_suggest(target="cases", headers=FRENCH_HEADERS)
    assert columns == [
        "",
        "full_name",
        "sex",
        "date_of_birth",
        "opened_on",
        "exploitation_types",
        "service_Shelter",
        "service_Health",
        "service_Legal",
    ]
    albanian = ["Emri", "Mbiemri", "Data e hapjes", "Strehim", "Shëndetësi", "Mbështetje psikologjike"]
    assert m.columns_suggest(target="cases", headers=albanian) == [
        "given_name",
        "family_name",
        "opened_on",
        "service_Shelter",
        "service_Health",
        "service_Psychosocial",
    ]


class CaseImportTests(ImportTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.enterContext(system_scope())

    def register(self) -> bytes:
        return xlsx(
            [
                FRENCH_HEADERS,
                [
                    1,
                    "Drita Hoxha",
                    "F",
                    "12.03.2001",
                    "3/12/19",
                    "Exploitation sexuelle",
                    "x",
                    "15/12/19",
                    "",
                ],
                [
                    2,
                    "Mira Leka",
                    "femme",
                    "02.11.1999",
                    43536,
                    "travail forcé; mendicité",
                    "",
                    "oui",
                    "20/3/19",
                ],
                [3, "Elira Marku", "F", "05.06.2003", "4/2/20", "aucune", "", "", ""],
            ]
        )

    def check(self, data: bytes, **options: object) -> object:
        table = table_read(data=data, filename="cases.xlsx")
        return import_check(
            actor=self.ana,
            unit=self.diocese_a,
            table=table,
            options=Options(target="cases", dayfirst=True, **options),  # type: ignore[arg-type]
            registry=False,
        )

    def test_a_french_register_with_services_as_columns_is_valid(self) -> None:
        result = self.check(self.register())
        assert result.blocking == []
        assert result.errors == []
        assert [row.values["exploitation_types"] for row in result.rows] == [
            ["SexualExploitation"],
            ["ForcedLabour", "ForcedBegging"],
            [],
        ]
        first, second, third = (row.values for row in result.rows)
        assert first["opened_on"] == datetime.date(2019, 12, 3)
        # "x" under a service: given when the case was opened; a date: given that day.
        assert sorted(first["services"]) == [
            ("Health", datetime.date(2019, 12, 15)),
            ("Shelter", datetime.date(2019, 12, 3)),
        ]
        assert second["opened_on"] == datetime.date(2019, 3, 12)
        assert sorted(second["services"]) == [
            ("Health", datetime.date(2019, 3, 12)),
            ("Legal", datetime.date(2019, 3, 20)),
        ]
        assert third["services"] == []
        assert first["case_type"] == "victim_assistance" and third["case_type"] == "prevention"

    def test_commit_opens_a_case_per_person_with_its_services_and_undo_removes_them(self) -> None:
        result = self.check(self.register())
        committed = batch_commit(actor=self.ana, unit=self.diocese_a, result=result)
        assert committed.errors == [] and committed.created == 3
        cases = Case.objects.filter(unit=self.diocese_a, person__in=Person.objects.all())
        assert cases.count() == 3
        assert ServiceDelivery.objects.filter(case__in=cases).count() == 4
        models = sorted(ImportedRecord.objects.filter(batch=committed.batch).values_list("model", flat=True))
        assert models.count("cases.case") == 3 and models.count("cases.servicedelivery") == 4
        batch_undo(actor=self.ana, batch=committed.batch)
        assert not Case.objects.filter(pk__in=[c.pk for c in cases]).exists()
        assert ServiceDelivery.objects.count() == 0
        committed.batch.refresh_from_db()
        assert committed.batch.state == BatchState.UNDONE

    def test_rows_per_service_of_one_person_become_one_case(self) -> None:
        data = xlsx(
            [
                ["Emri", "Mbiemri", "Datëlindja", "Data e hapjes", "Shërbimi", "Data e shërbimit"],
                ["Drita", "Hoxha", "12.03.2001", "03.12.2019", "Strehim", "03.12.2019"],
                ["Drita", "Hoxha", "12.03.2001", "03.12.2019", "Shëndetësi", "15.12.2019"],
                ["Drita", "Hoxha", "12.03.2001", "", "Ndihmë ligjore", "20.12.2019"],
                ["Mira", "Leka", "02.11.1999", "12.03.2019", "Strehim", "12.03.2019"],
            ]
        )
        result = self.check(data)
        assert result.blocking == [] and result.errors == []
        counts = result.counts()
        assert counts["to_create"] == 2 and counts["grouped"] == 2 and counts["duplicates"] == 0
        committed = batch_commit(actor=self.ana, unit=self.diocese_a, result=result)
        drita = Case.objects.get(person__in=Person.objects.filter(birth_year=2001))
        assert sorted(drita.services.values_list("service_type", flat=True)) == ["Health", "Legal", "Shelter"]
        assert Case.objects.count() == 2
        assert committed.created == 2

    def test_another_opening_date_is_another_case_of_the_same_person(self) -> None:
        data = xlsx(
            [
                ["Emri", "Mbiemri", "Datëlindja", "Data e hapjes"],
                ["Drita", "Hoxha", "12.03.2001", "03.12.2019"],
                ["Drita", "Hoxha", "12.03.2001", "05.01.2022"],
            ]
        )
        result = self.check(data)
        batch_commit(actor=self.ana, unit=self.diocese_a, result=result)
        assert Person.objects.filter(birth_year=2001).count() == 1
        assert Case.objects.filter(person__birth_year=2001).count() == 2

    def test_undo_is_refused_after_the_case_was_edited(self) -> None:
        from kujdes.cases.services import case_update

        committed = batch_commit(actor=self.ana, unit=self.diocese_a, result=self.check(self.register()))
        case = Case.objects.get(person__birth_year=2003)
        case_update(actor=self.ana, case=case, expected_version=case.version, changes={"summary": "Ndjekur"})
        with pytest.raises(UndoRefused) as refused:
            batch_undo(actor=self.ana, batch=committed.batch)
        assert any(case.code in blocker and "edited" in blocker for blocker in refused.value.blockers)
        assert Case.objects.filter(pk=case.pk).exists()

    def test_unmapped_exploitation_types_block_and_can_be_mapped(self) -> None:
        data = xlsx([["Emri", "Data e hapjes", "Lloji i shfrytëzimit"], ["Drita", "03.12.2019", "kamarier"]])
        result = self.check(data)
        assert any("“kamarier” (1)" in message for message in result.blocking)
        mapped = self.check(data, values={"exploitation_types": {"kamarier": "ForcedLabour"}})
        assert mapped.blocking == [] and mapped.rows[0].values["exploitation_types"] == ["ForcedLabour"]

    def test_a_case_needs_its_opening_date(self) -> None:
        result = self.check(xlsx([["Emri", "Gjinia"], ["Drita", "F"]]))
        assert any("opened" in message for message in result.blocking)

    def test_who_does_not_manage_cases_may_not_import_them(self) -> None:
        with pytest.raises(PermissionDenied):
            target_get("cases").permission_check(actor=self.manager, unit=self.diocese_a, activity=None)
        with pytest.raises(PermissionDenied):
            target_get("cases").permission_check(actor=self.dave, unit=self.diocese_a, activity=None)
