"""Importing a volunteer list with trainings and hours: rows of one volunteer grouped, a volunteer of
the unit found by name, undo and its blockers."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from kujdes.core.scoping import system_scope
from kujdes.imports.reading import table_read
from kujdes.imports.services import (
    EXISTING,
    NEW,
    Options,
    UndoRefused,
    batch_commit,
    batch_undo,
    import_check,
)
from kujdes.imports.tests.helpers import ImportTestCase, xlsx
from kujdes.programme.models import Volunteer, VolunteerHours, VolunteerTraining

LIST = [
    ["Emri", "Mbiemri", "Viti i lindjes", "Vullnetar që nga", "Trajnimi", "Data e trajnimit", "Orë", "Data"],
    ["Besa", "Gjoka", 1998, "01.02.2018", "Mbrojtja e fëmijëve", "10.02.2018", 4, "15.03.2018"],
    ["Besa", "Gjoka", 1998, "01.02.2018", "Ndihma e parë", "12.05.2018", "3,5", "20.03.2018"],
    ["Arben", "Marku", 1995, "15.09.2017", None, None, None, None],
]


class VolunteerImportTests(ImportTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.enterContext(system_scope())

    def check(self, rows: list[list[object]], *, actor=None):  # type: ignore[no-untyped-def]
        return import_check(
            actor=actor or self.ana,
            unit=self.diocese_a,
            table=table_read(data=xlsx(rows), filename="volunteers.xlsx"),
            options=Options(target="volunteers"),
            registry=False,
        )

    def test_rows_of_one_volunteer_are_grouped_with_trainings_and_hours(self) -> None:
        result = self.check(LIST)
        assert result.blocking == [] and result.errors == []
        besa = result.rows[0].values
        assert [title for title, _day in besa["trainings"]] == ["Mbrojtja e fëmijëve", "Ndihma e parë"]
        assert besa["hours"] == [("4.0", datetime.date(2018, 3, 15)), ("3.5", datetime.date(2018, 3, 20))]
        assert result.counts()["to_create"] == 2 and result.counts()["grouped"] == 1

    def test_commit_and_undo(self) -> None:
        committed = batch_commit(actor=self.ana, unit=self.diocese_a, result=self.check(LIST))
        assert committed.errors == []
        besa = Volunteer.objects.get(given_name="Besa", unit=self.diocese_a)
        assert besa.joined_on == datetime.date(2018, 2, 1) and besa.birth_year == 1998
        assert VolunteerTraining.objects.filter(volunteer=besa).count() == 2
        assert sum(VolunteerHours.objects.filter(volunteer=besa).values_list("hours", flat=True)) == Decimal(
            "7.5"
        )
        batch_undo(actor=self.ana, batch=committed.batch)
        assert not Volunteer.objects.filter(given_name__in=["Besa", "Arben"]).exists()

    def test_a_volunteer_of_the_unit_gets_the_rows_added_and_undo_leaves_her(self) -> None:
        from kujdes.programme.services import volunteer_create

        besa = volunteer_create(
            actor=self.ana,
            unit=self.diocese_a,
            given_name="Besa",
            family_name="Gjoka",
            birth_year=1998,
            joined_on=datetime.date(2018, 2, 1),
        )
        result = self.check(LIST)
        assert result.rows[0].decision == EXISTING and result.rows[2].decision == NEW
        committed = batch_commit(actor=self.ana, unit=self.diocese_a, result=result)
        assert Volunteer.objects.filter(given_name="Besa").count() == 1
        assert VolunteerTraining.objects.filter(volunteer=besa).count() == 2
        batch_undo(actor=self.ana, batch=committed.batch)
        assert Volunteer.objects.filter(pk=besa.pk).exists()
        assert not VolunteerTraining.objects.filter(volunteer=besa).exists()

    def test_undo_is_refused_after_hours_were_logged_on_the_web(self) -> None:
        from kujdes.programme.services import hours_log

        committed = batch_commit(actor=self.ana, unit=self.diocese_a, result=self.check(LIST))
        arben = Volunteer.objects.get(given_name="Arben")
        hours_log(actor=self.ana, volunteer=arben, date=datetime.date(2019, 1, 5), hours=Decimal(2))
        with pytest.raises(UndoRefused):
            batch_undo(actor=self.ana, batch=committed.batch)

    def test_bad_hours_and_dates_are_row_errors(self) -> None:
        rows = [
            LIST[0],
            ["Lule", "Kola", 2001, "01.02.2018", None, None, 20, "15.03.2018"],
            ["Vera", None, None, None, None, None, None, None],
        ]
        result = self.check(rows)
        assert [(e.row, e.column) for e in result.errors] == [(2, "Orë (G)"), (3, "Vullnetar që nga (D)")]

    def test_who_does_not_manage_the_programme_may_not_import_volunteers(self) -> None:
        with pytest.raises(PermissionDenied):
            self.check(LIST, actor=self.alice)
