"""The sample spreadsheets of docs/import.md import cleanly with the suggested mapping: a dry run
without errors, a commit, an undo."""

from __future__ import annotations

import datetime
from pathlib import Path

from kujdes.cases.models import Case, ServiceDelivery
from kujdes.core.scoping import system_scope
from kujdes.imports.models import BatchState
from kujdes.imports.reading import table_read
from kujdes.imports.services import EXISTING, NEW, Options, batch_commit, batch_undo, import_check
from kujdes.imports.tests.helpers import ImportTestCase
from kujdes.people.models import Person
from kujdes.programme.models import Attendance, Participation, Session

SAMPLES = Path(__file__).resolve().parents[3] / "docs" / "import-samples"


def sample(name: str):  # type: ignore[no-untyped-def]
    return table_read(data=(SAMPLES / name).read_bytes(), filename=name)


class SampleImportTests(ImportTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.enterContext(system_scope())

    def test_the_french_case_register_imports_cleanly_and_undoes(self) -> None:
        table = sample("case-register-fr.xlsx")
        assert table.header_row == 3
        result = import_check(
            actor=self.ana, unit=self.diocese_a, table=table, options=Options(target="cases"), registry=False
        )
        assert result.blocking == [] and result.errors == []
        assert result.counts()["to_create"] == 6
        leka = result.rows[1]
        assert leka.person["citizenships"] == ["AL"] and leka.person["sex"] == "Feminine"
        assert leka.values["opened_on"] == datetime.date(2019, 11, 25)
        assert leka.values["nrm_stage"] == "official_victim"
        assert leka.values["exploitation_types"] == ["ForcedLabour", "ForcedBegging"]
        assert sorted(leka.values["services"]) == [
            ("Health", datetime.date(2019, 11, 25)),
            ("Legal", datetime.date(2019, 12, 20)),
            ("Psychosocial", datetime.date(2019, 11, 25)),
        ]
        # An Excel date cell in a column of 3/12/19 texts.
        assert result.rows[2].values["opened_on"] == datetime.date(2020, 1, 14)
        assert result.rows[2].person["citizenships"] == ["XK"]
        committed = batch_commit(
            actor=self.ana, unit=self.diocese_a, result=result, filename="case-register-fr.xlsx"
        )
        assert committed.errors == [] and committed.created == 6
        cases = list(Case.objects.filter(unit=self.diocese_a).values_list("pk", flat=True))
        assert len(cases) == 6
        assert ServiceDelivery.objects.filter(case__in=cases).count() == 15
        batch_undo(actor=self.ana, batch=committed.batch)
        assert not Case.objects.filter(pk__in=cases).exists()
        committed.batch.refresh_from_db()
        assert committed.batch.state == BatchState.UNDONE

    def test_the_attendance_grid_imports_cleanly_and_undoes(self) -> None:
        from kujdes.people.services import person_create
        from kujdes.programme import services as programme
        from kujdes.programme.models import ActivityType

        course = programme.activity_create(
            actor=self.ana,
            unit=self.diocese_a,
            activity_type=ActivityType.objects.get(organisation=self.org, code="vocational-course"),
            title="Kursi i rrobaqepësisë, Lezhë 2019",
            starts_on=datetime.date(2019, 10, 1),
            ends_on=datetime.date(2019, 12, 20),
        )
        # Two of the six were enrolled on the web before the register was typed up.
        for given, family, year in (("Drita", "Hoxha", 2001), ("Mira", "Leka", 1999)):
            person = person_create(
                actor=self.ana, unit=self.diocese_a, given_name=given, family_name=family, birth_year=year
            )
            programme.participant_enrol(actor=self.ana, activity=course, person=person)
        table = sample("attendance-grid.xlsx")
        result = import_check(
            actor=self.ana,
            unit=self.diocese_a,
            table=table,
            options=Options(target="attendance"),
            activity=course,
            registry=False,
        )
        assert result.blocking == [] and result.errors == []
        assert [row.decision for row in result.rows] == [EXISTING, EXISTING, NEW, NEW, NEW, NEW]
        committed = batch_commit(
            actor=self.ana,
            unit=self.diocese_a,
            result=result,
            activity=course,
            filename="attendance-grid.xlsx",
        )
        assert committed.errors == []
        assert sorted(Session.objects.filter(activity=course).values_list("date", flat=True)) == [
            datetime.date(2019, 10, 7),
            datetime.date(2019, 10, 14),
            datetime.date(2019, 10, 21),
            datetime.date(2019, 10, 28),
            datetime.date(2019, 11, 4),
        ]
        marks = Attendance.objects.filter(session__activity=course)
        assert marks.count() == 26 and marks.filter(present=False).count() == 4
        assert Participation.objects.filter(activity=course).count() == 6
        batch_undo(actor=self.ana, batch=committed.batch)
        assert not Session.objects.filter(activity=course).exists()
        assert Participation.objects.filter(activity=course).count() == 2
        assert Person.objects.filter(birth_year__in=[2003, 1998, 2004, 2002]).count() == 0
