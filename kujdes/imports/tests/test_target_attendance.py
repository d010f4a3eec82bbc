"""Importing a paper attendance register: participants down, session dates across, marks mapped."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kujdes.core.scoping import system_scope
from kujdes.imports import mapping as m
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
from kujdes.people.models import Person
from kujdes.programme.models import Attendance, Participation, Session


@pytest.mark.parametrize(
    ("value", "code"),
    [("x", "present"), ("P", "present"), ("1", "present"), ("✓", "present"), ("po", "present")]
    + [("absent", "absent"), ("mungon", "absent"), ("0", "absent"), ("A", "absent"), ("غائب", "absent")],
)
def test_attendance_marks_are_read_in_every_language(value: str, code: str) -> None:
    assert m.value_propose(kind=m.CODE, field="mark", value=value, municipalities=None, places={}) == code


def test_date_headers_suggest_attendance_columns() -> None:
    headers = ["Nr.", "Emri e mbiemri", "12.03.2019", "19.03.2019", "2019-03-26 00:00:00", "Shënime"]
    assert m.columns_suggest(target="attendance", headers=headers) == [
        "",
        "full_name",
        "mark",
        "mark",
        "mark",
        "",
    ]


class AttendanceImportTests(ImportTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        from kujdes.people.services import person_create
        from kujdes.programme.services import participant_enrol

        with system_scope():
            cls.drita = person_create(
                actor=cls.ana, unit=cls.diocese_a, given_name="Drita", family_name="Hoxha", birth_year=2004
            )
            cls.mira = person_create(
                actor=cls.ana, unit=cls.diocese_a, given_name="Mira", family_name="Leka", birth_year=2003
            )
            for person in (cls.drita, cls.mira):
                participant_enrol(actor=cls.ana, activity=cls.course, person=person)

    def setUp(self) -> None:
        super().setUp()
        self.enterContext(system_scope())
        today = timezone.localdate()
        self.days = [today - datetime.timedelta(days=n) for n in (9, 8, 2)]

    def grid(self, *rows: list[object]) -> bytes:
        header = ["Nr.", "Emri e mbiemri", *(f"{day:%d.%m.%Y}" for day in self.days)]
        return xlsx([header, *rows])

    def register(self) -> bytes:
        return self.grid(
            [1, "Drita Hoxha", "x", "mungon", None],
            [2, "Mira Leka", "P", 1, "absent"],
            [3, "Besa Gjoka", "✓", None, None],
        )

    def check(self, data: bytes, *, actor=None, **options: object):  # type: ignore[no-untyped-def]
        return import_check(
            actor=actor or self.ana,
            unit=self.diocese_a,
            table=table_read(data=data, filename="register.xlsx"),
            options=Options(target="attendance", **options),  # type: ignore[arg-type]
            activity=self.course,
            registry=False,
        )

    def test_participants_are_matched_by_name_and_newcomers_enrolled(self) -> None:
        result = self.check(self.register())
        assert result.blocking == [] and result.errors == []
        drita, mira, besa = result.rows
        assert drita.decision == EXISTING and mira.decision == EXISTING and besa.decision == NEW
        first, second, third = (day.isoformat() for day in self.days)
        assert drita.values["marks"] == {first: True, second: False}
        assert mira.values["marks"] == {first: True, second: True, third: False}
        assert besa.values["marks"] == {first: True}

    def test_commit_creates_the_sessions_and_marks_and_undo_takes_them_out(self) -> None:
        committed = batch_commit(
            actor=self.ana, unit=self.diocese_a, activity=self.course, result=self.check(self.register())
        )
        assert committed.errors == []
        sessions = Session.objects.filter(activity=self.course)
        assert sorted(sessions.values_list("date", flat=True)) == self.days
        assert Attendance.objects.filter(session__activity=self.course).count() == 6
        besa = Participation.objects.get(activity=self.course, person__birth_year__isnull=True)
        assert Attendance.objects.get(participation=besa).present
        mira = Participation.objects.get(activity=self.course, person=self.mira)
        assert Attendance.objects.filter(participation=mira, present=True).count() == 2
        batch_undo(actor=self.ana, batch=committed.batch)
        assert not Session.objects.filter(activity=self.course).exists()
        assert not Attendance.objects.exists()
        # The participants enrolled before stay; the newcomer and her registration go.
        assert set(Participation.objects.filter(activity=self.course).values_list("person", flat=True)) == {
            self.drita.pk,
            self.mira.pk,
        }
        assert not Person.objects.filter(pk=besa.person_id).exists()

    def test_marks_recorded_already_are_kept(self) -> None:
        from kujdes.programme.services import attendance_save, session_add

        session = session_add(actor=self.ana, activity=self.course, date=self.days[0])
        drita = Participation.objects.get(activity=self.course, person=self.drita)
        attendance_save(actor=self.ana, session=session, marks={drita.pk: False})
        result = self.check(self.register())
        assert any("1 mark" in warning for warning in result.warnings)
        batch_commit(actor=self.ana, unit=self.diocese_a, activity=self.course, result=result)
        assert Session.objects.filter(activity=self.course, date=self.days[0]).count() == 1
        assert not Attendance.objects.get(session=session, participation=drita).present

    def test_undo_is_refused_after_a_mark_was_changed(self) -> None:
        from kujdes.programme.services import attendance_save

        committed = batch_commit(
            actor=self.ana, unit=self.diocese_a, activity=self.course, result=self.check(self.register())
        )
        session = Session.objects.get(activity=self.course, date=self.days[1])
        drita = Participation.objects.get(activity=self.course, person=self.drita)
        attendance_save(actor=self.ana, session=session, marks={drita.pk: True})
        with pytest.raises(UndoRefused) as refused:
            batch_undo(actor=self.ana, batch=committed.batch)
        assert any("attendance mark was changed" in blocker for blocker in refused.value.blockers)

    def test_a_date_outside_the_activity_blocks(self) -> None:
        self.days[2] = self.course.starts_on - datetime.timedelta(days=40)
        result = self.check(self.register())
        assert any("outside the activity" in message for message in result.blocking)

    def test_unknown_marks_block_until_mapped(self) -> None:
        data = self.grid([1, "Drita Hoxha", "?!", "x", None])
        assert any("“?!” (1)" in message for message in self.check(data).blocking)
        assert self.check(data, values={"mark": {"?!": "absent"}}).blocking == []

    def test_who_cannot_record_attendance_of_the_activity_may_not_import_it(self) -> None:
        with pytest.raises(PermissionDenied):
            self.check(self.register(), actor=self.charlie)
        with pytest.raises(PermissionDenied):
            self.check(self.register(), actor=self.dave)
