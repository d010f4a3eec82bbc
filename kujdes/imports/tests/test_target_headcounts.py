"""Importing a tally sheet of anonymous headcounts: one headcount per date and place, groups added up."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kujdes.core.scoping import system_scope
from kujdes.imports.reading import table_read
from kujdes.imports.services import Options, UndoRefused, batch_commit, batch_undo, import_check
from kujdes.imports.tests.helpers import ImportTestCase, xlsx
from kujdes.programme.models import Headcount, HeadcountCell


class HeadcountImportTests(ImportTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.enterContext(system_scope())
        day = timezone.localdate() - datetime.timedelta(days=5)
        self.day = f"{day:%d.%m.%Y}"

    def sheet(self) -> bytes:
        return xlsx(
            [
                ["Data", "Vendi", "Gjinia", "Mosha", "Kategoria", "Numri"],
                [self.day, "Shkolla 'Ismail Qemali'", "F", "12-14", "Fëmijë në rrezik", 14],
                [self.day, "Shkolla 'Ismail Qemali'", "M", "12-14", "Fëmijë në rrezik", 11],
                [self.day, "Shkolla 'Ismail Qemali'", "F", "13", "Fëmijë në rrezik", 2],
                [self.day, "Qendra rinore", "F", "18-24", "Të rinj", 6],
            ]
        )

    def check(self, data: bytes, *, actor=None):  # type: ignore[no-untyped-def]
        return import_check(
            actor=actor or self.ana,
            unit=self.diocese_a,
            table=table_read(data=data, filename="tally.xlsx"),
            options=Options(target="headcounts"),
            activity=self.course,
            registry=False,
        )

    def test_rows_of_one_date_and_place_are_one_headcount_and_undo_removes_it(self) -> None:
        result = self.check(self.sheet())
        assert result.blocking == [] and result.errors == []
        assert result.counts()["to_create"] == 2 and result.counts()["grouped"] == 2
        committed = batch_commit(actor=self.ana, unit=self.diocese_a, result=result, activity=self.course)
        school = Headcount.objects.get(activity=self.course, place="Shkolla 'Ismail Qemali'")
        cells = {
            (c.sex, c.age_from, c.category): c.count for c in HeadcountCell.objects.filter(headcount=school)
        }
        assert cells == {("Feminine", 12, "child_at_risk"): 16, ("Masculine", 12, "child_at_risk"): 11}
        batch_undo(actor=self.ana, batch=committed.batch)
        assert not Headcount.objects.filter(activity=self.course).exists()

    def test_undo_is_refused_after_a_correction(self) -> None:
        from kujdes.programme.services import headcount_update

        committed = batch_commit(
            actor=self.ana, unit=self.diocese_a, result=self.check(self.sheet()), activity=self.course
        )
        youth = Headcount.objects.get(activity=self.course, place="Qendra rinore")
        headcount_update(
            actor=self.ana,
            headcount=youth,
            date=youth.date,
            cells={("Feminine", 18, "young_person"): 7},
        )
        with pytest.raises(UndoRefused):
            batch_undo(actor=self.ana, batch=committed.batch)

    def test_a_count_that_is_not_a_number_is_a_row_error(self) -> None:
        result = self.check(xlsx([["Data", "Numri"], [self.day, "shumë"]]))
        assert [(e.row, e.column) for e in result.errors] == [(2, "Numri (B)")]

    def test_who_cannot_record_for_the_activity_may_not_import(self) -> None:
        with pytest.raises(PermissionDenied):
            self.check(self.sheet(), actor=self.charlie)
