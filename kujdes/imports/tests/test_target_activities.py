"""Importing a programme's list of activities: types mapped from their names, sessions grouped."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from kujdes.core.scoping import system_scope
from kujdes.imports.reading import table_read
from kujdes.imports.services import Options, UndoRefused, batch_commit, batch_undo, import_check
from kujdes.imports.tests.helpers import ImportTestCase, xlsx
from kujdes.programme.models import Activity, Session

LIST = [
    ["Titulli", "Lloji", "Data e fillimit", "Data e mbarimit", "Vendi", "Data e seancës", "Tema"],
    ["Kurs rrobaqepësie", "Kurs profesional", "01.10.2019", "20.12.2019", "Lezhë", "07.10.2019", "Hyrje"],
    ["Kurs rrobaqepësie", "Kurs profesional", "01.10.2019", "20.12.2019", "Lezhë", "14.10.2019", "Modelet"],
    ["Kamp veror 2019", "Camp d'été", "15.07.2019", "22.07.2019", "Shëngjin", None, None],
]


class ActivityImportTests(ImportTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.enterContext(system_scope())

    def check(self, rows: list[list[object]], *, actor=None, **options: object):  # type: ignore[no-untyped-def]
        return import_check(
            actor=actor or self.ana,
            unit=self.diocese_a,
            table=table_read(data=xlsx(rows), filename="activities.xlsx"),
            options=Options(target="activities", **options),  # type: ignore[arg-type]
            registry=False,
        )

    def test_types_are_mapped_from_their_names_and_sessions_grouped(self) -> None:
        result = self.check(LIST)
        assert result.blocking == [] and result.errors == []
        assert {row.value: row.code for row in result.values["activity_type"]} == {
            "Kurs profesional": "vocational-course",
            "Camp d'été": "summer-camp",
        }
        assert result.counts()["to_create"] == 2 and result.counts()["grouped"] == 1
        course = result.rows[0].values
        assert [day for day, _topic in course["sessions"]] == [
            datetime.date(2019, 10, 7),
            datetime.date(2019, 10, 14),
        ]

    def test_commit_creates_activities_and_sessions_and_undo_removes_them(self) -> None:
        committed = batch_commit(actor=self.ana, unit=self.diocese_a, result=self.check(LIST))
        assert committed.errors == [] and committed.created == 2
        course = Activity.objects.get(title="Kurs rrobaqepësie")
        assert course.activity_type.code == "vocational-course" and course.place == "Lezhë"
        assert Session.objects.filter(activity=course).count() == 2
        batch_undo(actor=self.ana, batch=committed.batch)
        assert not Activity.objects.filter(title__in=["Kurs rrobaqepësie", "Kamp veror 2019"]).exists()

    def test_undo_is_refused_once_someone_was_enrolled(self) -> None:
        from kujdes.people.services import person_create
        from kujdes.programme.services import participant_enrol

        committed = batch_commit(actor=self.ana, unit=self.diocese_a, result=self.check(LIST))
        course = Activity.objects.get(title="Kurs rrobaqepësie")
        person = person_create(actor=self.ana, unit=self.diocese_a, given_name="Drita", birth_year=2001)
        participant_enrol(actor=self.ana, activity=course, person=person)
        with pytest.raises(UndoRefused) as refused:
            batch_undo(actor=self.ana, batch=committed.batch)
        assert any("Kurs rrobaqepësie" in blocker for blocker in refused.value.blockers)

    def test_a_type_for_the_whole_file_and_a_missing_title(self) -> None:
        rows = [["Titulli", "Fillon"], ["Fushata 2018", "01.03.2018"], [None, "05.03.2018"]]
        result = self.check(rows, constants={"activity_type": "summer-camp"})
        assert result.blocking == []
        assert result.rows[0].valid and result.rows[0].values["activity_type"] == "summer-camp"
        assert [(e.row, e.column) for e in result.rows[1].errors] == [(3, "Titulli (A)")]

    def test_who_does_not_manage_the_programme_may_not_import_activities(self) -> None:
        with pytest.raises(PermissionDenied):
            self.check(LIST, actor=self.alice)
