"""Mapping, checking, committing and undoing an import; the command line."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from hypothesis import given, settings
from hypothesis import strategies as st

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.imports import mapping as m
from kujdes.imports.models import BatchState, ImportBatch, ImportedRecord
from kujdes.imports.reading import table_read
from kujdes.imports.services import (
    ImportRefused,
    Options,
    UndoRefused,
    batch_commit,
    batch_undo,
    import_check,
)
from kujdes.imports.tests.helpers import ImportTestCase, xlsx
from kujdes.people.models import Person, Sex
from kujdes.programme.models import Participation

SAMPLES = Path(__file__).resolve().parents[3] / "docs" / "import-samples"
CAMP = SAMPLES / "camp-register-shkoder.xlsx"


def test_headers_in_several_languages_suggest_their_fields() -> None:
    headers = ["Nr.", "Prénom", "Nom", "Sexe", "Date de naissance", "Commune", "Téléphone"]
    assert m.columns_suggest(target="persons", headers=headers) == [
        "",
        "given_name",
        "family_name",
        "sex",
        "date_of_birth",
        "municipality",
        "phones",
    ]
    assert m.columns_suggest(target="persons", headers=["الاسم الكامل", "الجنس", "تاريخ الميلاد"]) == [
        "full_name",
        "sex",
        "date_of_birth",
    ]
    assert m.columns_suggest(target="persons", headers=["Emri", "Mbiemri", "Gjinia", "Mosha"]) == [
        "given_name",
        "family_name",
        "sex",
        "age",
    ]
    # Fuzzy: a typo still finds its field.
    assert m.columns_suggest(target="persons", headers=["Datelindje", "Gjinja"]) == ["date_of_birth", "sex"]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("F", Sex.FEMALE),
        ("Femër", Sex.FEMALE),
        ("female", Sex.FEMALE),
        ("femme", Sex.FEMALE),
        ("أنثى", Sex.FEMALE),
        ("ذكر", Sex.MALE),
        ("Mashkull", Sex.MALE),
        ("homme", Sex.MALE),
        ("xyz", ""),
    ],
)
def test_sex_values_are_proposed_in_every_language(value: str, code: str) -> None:
    assert m.value_propose(kind=m.CODE, field="sex", value=value, municipalities=None, places={}) == code


@pytest.mark.parametrize("value", ["Po", "yes", "oui", "نعم", "Evet", "так", "x"])
def test_yes_in_every_language(value: str) -> None:
    assert (
        m.value_propose(kind=m.YESNO, field="parental_consent", value=value, municipalities=None, places={})
        == m.YES
    )


def test_municipalities_are_found_in_their_spellings() -> None:
    from kujdes.people.selectors import albanian_municipalities

    names = albanian_municipalities()
    table = m.municipality_table(names)
    for spelling, name in [
        ("Shkodra", "Shkodër"),
        ("shkoder", "Shkodër"),
        ("Bashkia Shkodër", "Shkodër"),
        ("Tirana", "Tiranë"),
        ("Durrësi", "Durrës"),
        ("Korca", "Korçë"),
        ("Vau i Dejes", "Vau i Dejës"),
    ]:
        assert m.municipality_propose(spelling, municipalities=names, table=table) == name, spelling
    assert m.municipality_propose("Parisi", municipalities=names, table=table) == ""


@pytest.mark.parametrize(
    ("value", "order", "expected"),
    [
        ("12.03.2019", m.DMY, datetime.date(2019, 3, 12)),
        ("3/12/19", m.MDY, datetime.date(2019, 3, 12)),
        ("3/12/19", m.DMY, datetime.date(2019, 12, 3)),
        ("2019-03-12", m.MDY, datetime.date(2019, 3, 12)),
        (43536, m.DMY, datetime.date(2019, 3, 12)),
        ("43536", m.DMY, datetime.date(2019, 3, 12)),
        (datetime.datetime(2019, 3, 12, 0, 0), m.DMY, datetime.date(2019, 3, 12)),
        ("12-03-87", m.DMY, datetime.date(1987, 3, 12)),
    ],
)
def test_dates_in_every_format(value: object, order: str, expected: datetime.date) -> None:
    assert m.date_read(value, order=order, epoch=datetime.datetime(1899, 12, 30)) == expected


def test_date_order_is_detected_or_called_ambiguous() -> None:
    assert m.date_order_detect(["12.03.2019", "25.03.2019"]).order == m.DMY
    assert m.date_order_detect(["3/12/19", "3/25/19"]).order == m.MDY
    assert m.date_order_detect(["03.04.2019"]).ambiguous
    assert m.date_order_detect(["13/02/2019", "02/13/2019"]).conflicting


@given(st.dates(min_value=datetime.date(1930, 1, 1), max_value=datetime.date(2029, 12, 31)))
def test_a_written_date_reads_back_in_its_order(day: datetime.date) -> None:
    epoch = datetime.datetime(1899, 12, 30)
    assert m.date_read(f"{day:%d.%m.%Y}", order=m.DMY, epoch=epoch) == day
    assert m.date_read(f"{day:%m/%d/%Y}", order=m.MDY, epoch=epoch) == day
    assert m.date_read(day.isoformat(), order=m.MDY, epoch=epoch) == day
    serial = (datetime.datetime.combine(day, datetime.time()) - epoch).days
    assert m.date_read(serial, order=m.DMY, epoch=epoch) == day


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.none(), st.text(st.characters(exclude_categories=("Cc", "Cs")), max_size=12), st.integers()
            ),
            max_size=6,
        ),
        max_size=12,
    )
)
def test_any_grid_is_read_or_refused_never_crashes(rows: list[list[object]]) -> None:
    from kujdes.imports.reading import FileRefused

    try:
        table = table_read(data=xlsx([[v for v in row] for row in rows]))
    except FileRefused:
        return
    assert len(table.headers) == len(table.column_numbers)
    assert all(len(values) == len(table.headers) for _number, values in table.rows)
    m.columns_suggest(target="participants", headers=table.headers)


def test_a_full_name_is_split() -> None:
    assert m.full_name_split("Elira Gjoka") == ("Elira", "Gjoka")
    assert m.full_name_split("Gjoka Elira Maria", family_first=True) == ("Elira Maria", "Gjoka")


class CheckTests(ImportTestCase):
    def check(self, rows: list[list[object]], *, actor=None, **options: object):  # type: ignore[no-untyped-def]
        table = table_read(data=xlsx(rows))
        with system_scope():
            return import_check(
                actor=actor or self.ana, unit=self.diocese_a, table=table, options=Options(**options)
            )

    def test_the_camp_register_checks_cleanly_for_participants(self) -> None:
        table = table_read(data=CAMP.read_bytes())
        with system_scope():
            result = import_check(
                actor=self.ana,
                unit=self.diocese_a,
                table=table,
                options=Options(target="participants"),
                activity=self.camp,
            )
        assert result.blocking == []
        assert result.errors == []
        assert result.counts()["valid"] == 8
        first = result.rows[0]
        assert first.person["given_name"] == "Elira" and first.person["family_name"] == "Gjoka"
        assert first.person["municipality"] == "Shkodër"
        assert first.person["date_of_birth"] == datetime.date(2009, 3, 12)
        assert first.participation["parental_consent"] is True

    def test_errors_name_the_spreadsheet_row_and_column(self) -> None:
        result = self.check(
            [
                ["Lista 2019"],
                [],
                ["Emri", "Mbiemri", "Datëlindja", "Mosha"],
                ["Ana", "Kola", "31.02.2009", None],
                ["", "Hoxha", None, None],
                ["Eva", "Lami", None, "200"],
            ]
        )
        errors = [(e.row, e.column, e.message) for e in result.errors]
        assert (4, "Datëlindja (C)", "“31.02.2009” is not a date (such as 12.03.2019, 2019-03-12).") in errors
        assert any(
            row == 5 and column == "Emri (A)" and "required" in message for row, column, message in errors
        )
        assert any(row == 6 and column == "Mosha (D)" for row, column, _message in errors)
        assert result.counts()["valid"] == 0

    def test_unmapped_values_block_until_mapped(self) -> None:
        rows = [["Emri", "Gjinia"], ["Ana", "F"], ["Eva", "qwe"], ["Lea", "qwe"]]
        result = self.check(rows)
        assert any("“qwe” (2)" in message for message in result.blocking)
        assert [e.row for e in result.errors] == [3, 4]
        result = self.check(rows, values={"sex": {"qwe": Sex.FEMALE}})
        assert result.blocking == [] and result.errors == []
        assert {v.value: v.count for v in result.values["sex"]} == {"qwe": 2, "F": 1}

    def test_an_ambiguous_date_column_is_warned_about(self) -> None:
        result = self.check([["Emri", "Datëlindja"], ["Ana", "03.04.2009"]])
        assert any("day first" in warning for warning in result.warnings)
        assert result.errors == []
        assert result.rows[0].person["date_of_birth"] == datetime.date(2009, 4, 3)
        result = self.check([["Emri", "Datëlindja"], ["Ana", "03.04.2009"]], dayfirst=False)
        assert result.warnings == []
        assert result.rows[0].person["date_of_birth"] == datetime.date(2009, 3, 4)

    def test_duplicates_inside_the_file_and_against_the_registry(self) -> None:
        from kujdes.people.services import person_create

        with system_scope():
            person_create(
                actor=self.ana, unit=self.diocese_a, given_name="Mira", family_name="Deda", birth_year=2001
            )
        result = self.check(
            [
                ["Emri", "Mbiemri", "Viti i lindjes"],
                ["Ana", "Kola", 2000],
                ["ana", "Kolá", 2000],
                ["Mira", "Deda", 2001],
                ["Besa", "Lika", 1999],
            ]
        )
        rows = {row.number: row for row in result.rows}
        assert rows[3].duplicate_of_row == 2
        assert rows[4].candidates and rows[4].decision == "skip"
        assert not rows[5].duplicate and rows[5].decision == "new"
        assert result.counts()["duplicates"] == 2
        before = AuditEvent.objects.filter(action="person.duplicate_check").count() if False else None
        del before

    def test_a_dry_run_writes_no_person_and_no_duplicate_check_event(self) -> None:
        with system_scope():
            events = AuditEvent.objects.count()
            persons = Person.objects.count()
        self.check([["Emri"], ["Ana"], ["Eva"]])
        with system_scope():
            assert Person.objects.count() == persons
            assert AuditEvent.objects.count() == events

    def test_a_french_register_in_windows_1252_with_free_municipalities(self) -> None:
        text = (
            "Registre 2016;;;;\nNom;Prénom;Sexe;Né(e) le;Commune\nDurand;Élodie;femme;03/25/2001;Marseille\n"
        )
        table = table_read(data=text.encode("cp1252"))
        with system_scope():
            result = import_check(actor=self.dave, unit=self.other_unit, table=table, options=Options())
        assert result.columns == ["family_name", "given_name", "sex", "date_of_birth", "municipality"]
        assert result.blocking == [] and result.errors == []
        person = result.rows[0].person
        assert (person["given_name"], person["family_name"], person["sex"]) == (
            "Élodie",
            "Durand",
            Sex.FEMALE,
        )
        assert person["date_of_birth"] == datetime.date(2001, 3, 25)  # month first, detected
        assert person["municipality"] == "Marseille"
        assert result.rows[0].number == 3

    def test_a_field_educator_imports_the_essential_fields_only(self) -> None:
        educator_unit_rows = [["Emri", "Telefoni"], ["Ana", "0691112233"]]
        table = table_read(data=xlsx(educator_unit_rows))
        with system_scope():
            result = import_check(actor=self.educator, unit=self.centre_a, table=table, options=Options())
        assert any("essential fields" in message for message in result.blocking)

    def test_another_organisations_user_cannot_import_here(self) -> None:
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            self.check([["Emri"], ["Ana"]], actor=self.dave)


class CommitTests(ImportTestCase):
    def commit_camp(self) -> ImportBatch:
        table = table_read(data=CAMP.read_bytes())
        with system_scope():
            result = import_check(
                actor=self.ana,
                unit=self.diocese_a,
                table=table,
                options=Options(target="participants"),
                activity=self.camp,
            )
            committed = batch_commit(actor=self.ana, unit=self.diocese_a, result=result, activity=self.camp)
        assert committed.errors == []
        assert committed.created == 8
        return committed.batch

    def test_commit_writes_persons_and_participations_noted_with_the_batch(self) -> None:
        batch = self.commit_camp()
        with system_scope():
            assert Participation.objects.filter(activity=self.camp).count() == 8
            assert ImportedRecord.objects.filter(batch=batch, model="people.person").count() == 8
            assert ImportedRecord.objects.filter(batch=batch, model="programme.participation").count() == 8
            assert batch.state == BatchState.COMMITTED
            assert AuditEvent.objects.filter(
                action="import.batch.committed", object_id=str(batch.public_id)
            ).exists()

    def test_undo_removes_the_batch_and_shreds_the_keys(self) -> None:
        from kujdes.core.keystore import SubjectKey

        batch = self.commit_camp()
        with system_scope():
            keys = list(
                Person.objects.filter(
                    pk__in=ImportedRecord.objects.filter(batch=batch, model="people.person").values(
                        "object_pk"
                    )
                ).values_list("key_id", flat=True)
            )
            with self.captureOnCommitCallbacks(execute=True):
                batch_undo(actor=self.ana, batch=batch)
            assert Participation.objects.filter(activity=self.camp).count() == 0
            assert not Person.objects.filter(key_id__in=keys).exists()
            batch.refresh_from_db()
            assert batch.state == BatchState.UNDONE
            assert AuditEvent.objects.filter(action="import.batch.undone").exists()
        assert SubjectKey.objects.filter(public_id__in=keys, wrapped_key__isnull=False).count() == 0

    def test_undo_is_refused_after_a_later_edit_with_the_reason(self) -> None:
        from kujdes.people.services import person_update

        batch = self.commit_camp()
        with system_scope():
            record = ImportedRecord.objects.filter(batch=batch, model="people.person").order_by("row").first()
            person = Person.objects.get(pk=record.object_pk)
            person_update(
                actor=self.ana, person=person, expected_version=person.version, changes={"sex": Sex.UNKNOWN}
            )
            with pytest.raises(UndoRefused) as refused:
                batch_undo(actor=self.ana, batch=batch)
            assert any(
                f"Row {record.row}" in blocker and "edited" in blocker for blocker in refused.value.blockers
            )
            assert Participation.objects.filter(activity=self.camp).count() == 8

    def test_an_interrupted_commit_leaves_whole_rows_and_resumes(self) -> None:
        from unittest import mock

        from kujdes.imports import services

        table = table_read(data=CAMP.read_bytes())
        with system_scope():
            batch = services.batch_upload(
                actor=self.ana,
                unit=self.diocese_a,
                target="participants",
                data=CAMP.read_bytes(),
                filename="kampi.xlsx",
                activity=self.camp,
            )
            result = import_check(
                actor=self.ana,
                unit=self.diocese_a,
                table=table,
                options=Options(target="participants"),
                activity=self.camp,
            )
            real = services._commit_row
            calls = {"n": 0}

            def dying(**kwargs: object) -> int:
                calls["n"] += 1
                if calls["n"] == 5:
                    real(**kwargs)  # the fifth row is half written when the worker dies
                    raise KeyboardInterrupt
                return real(**kwargs)

            with (
                mock.patch.object(services, "CHUNK", 3),
                mock.patch.object(services, "_commit_row", dying),
                pytest.raises(KeyboardInterrupt),
            ):
                batch_commit(
                    actor=self.ana, unit=self.diocese_a, result=result, batch=batch, activity=self.camp
                )
            # The first chunk (3 rows) stands, whole; nothing of the chunk that died.
            assert Participation.objects.filter(activity=self.camp).count() == 3
            assert ImportedRecord.objects.filter(batch=batch).count() == 6
            batch.refresh_from_db()
            assert batch.state == BatchState.OPEN
            with mock.patch.object(services, "CHUNK", 3):
                resumed = batch_commit(
                    actor=self.ana, unit=self.diocese_a, result=result, batch=batch, activity=self.camp
                )
            assert resumed.created == 5
            assert Participation.objects.filter(activity=self.camp).count() == 8
            assert (
                Person.objects.filter(
                    pk__in=ImportedRecord.objects.filter(batch=batch, model="people.person").values(
                        "object_pk"
                    )
                ).count()
                == 8
            )

    def test_undo_is_refused_when_records_were_added_to_an_imported_person(self) -> None:
        from django.utils import timezone

        from kujdes.people.consent import consent_record
        from kujdes.people.models import ConsentGivenBy, ConsentMethod, ConsentPurpose

        batch = self.commit_camp()
        with system_scope():
            record = ImportedRecord.objects.filter(batch=batch, model="people.person").order_by("row").last()
            person = Person.objects.get(pk=record.object_pk)
            consent_record(
                actor=self.ana,
                person=person,
                purpose=ConsentPurpose.CASE_MANAGEMENT,
                given_by=ConsentGivenBy.GUARDIAN,
                method=ConsentMethod.WRITTEN,
                given_on=timezone.localdate(),
                guardian_name="Nik Pjetri",
            )
            with pytest.raises(UndoRefused) as refused:
                batch_undo(actor=self.ana, batch=batch)
            assert any(f"Row {record.row}" in b and "added since" in b for b in refused.value.blockers)

    def test_nothing_valid_is_refused(self) -> None:
        table = table_read(data=xlsx([["Emri", "Datëlindja"], ["Ana", "never"]]))
        with system_scope():
            result = import_check(actor=self.ana, unit=self.diocese_a, table=table, options=Options())
            with pytest.raises(ImportRefused):
                batch_commit(actor=self.ana, unit=self.diocese_a, result=result)


class CommandTests(ImportTestCase):
    def run_command(self, *args: str) -> tuple[int, dict]:
        output = io.StringIO()
        try:
            call_command("import", *args, "--user", "ana", "--json", stdout=output)
            status = 0
        except SystemExit as exit_status:
            status = int(exit_status.code or 0)
        return status, json.loads(output.getvalue())

    def test_a_dry_run_of_the_camp_register_is_valid_and_writes_nothing(self) -> None:
        status, outcome = self.run_command(
            "participants",
            str(CAMP),
            "--unit",
            str(self.diocese_a.public_id),
            "--activity",
            str(self.camp.public_id),
            "--dry-run",
        )
        assert status == 0, outcome
        assert outcome["rows"] == 8 and outcome["valid"] == 8 and outcome["batch"] is None
        assert outcome["errors"] == [] and outcome["created"] == 0
        with system_scope():
            assert Participation.objects.filter(activity=self.camp).count() == 0

    def test_commit_and_undo_from_the_command_line(self) -> None:
        status, outcome = self.run_command(
            "participants",
            str(CAMP),
            "--unit",
            str(self.diocese_a.public_id),
            "--activity",
            str(self.camp.public_id),
        )
        assert status == 0, outcome
        assert outcome["created"] == 8 and outcome["batch"]
        status, undone = self.run_command("undo", outcome["batch"])
        assert status == 0 and undone["state"] == "undone"

    def test_row_errors_exit_1_with_spreadsheet_rows(self) -> None:
        path = Path(self.tmp()) / "lista.csv"
        path.write_text(
            "Titulli i listës\n\nEmri;Mbiemri;Gjinia\nAna;Kola;F\nEva;Lami;qwe\n", encoding="utf-8"
        )
        status, outcome = self.run_command(
            "persons", str(path), "--unit", str(self.diocese_a.public_id), "--dry-run"
        )
        assert status == 1
        assert {"row": 5, "column": "Gjinia", "message": "“qwe” is not mapped."} in outcome["errors"]
        status, outcome = self.run_command(
            "persons",
            str(path),
            "--unit",
            str(self.diocese_a.public_id),
            "--dry-run",
            "--values",
            "sex:qwe=NonSpecifiedUnknown",
            "--map",
            "Emri=given_name",
        )
        assert status == 0, outcome

    def test_an_unreadable_file_exits_2(self) -> None:
        path = Path(self.tmp()) / "x.xlsx"
        path.write_bytes(b"PK\x03\x04nonsense")
        status, outcome = self.run_command("persons", str(path), "--unit", str(self.diocese_a.public_id))
        assert status == 2 and outcome["batch"] is None

    def tmp(self) -> str:
        import tempfile

        directory = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(directory, ignore_errors=True))
        return directory


override_settings  # noqa: B018 - kept for tests that change limits
