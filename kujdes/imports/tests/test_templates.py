"""Saved templates and learnt columns from the command line and as functions: `kujdes import TARGET FILE
--template NAME`, `kujdes import templates install|list`, `kujdes import resume`, the JSON object's keys
exactly as the issue gives them, a template applied by header names (split and combined columns
included), the shipped template of the camp register."""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
from django.core.management import call_command

from kujdes.core.scoping import system_scope
from kujdes.imports.models import MappingTemplate
from kujdes.imports.tests.helpers import ImportTestCase
from kujdes.programme.models import Participation

CAMP = Path(__file__).resolve().parents[3] / "docs" / "import-samples" / "camp-register-shkoder.xlsx"
ISSUE_KEYS = {"rows", "valid", "created", "updated", "duplicates", "errors", "batch"}


class TemplateCommandTests(ImportTestCase):
    def run_command(self, *args: str) -> tuple[int, object]:
        output = io.StringIO()
        try:
            call_command("import", *args, "--user", "ana", "--json", stdout=output, stderr=io.StringIO())
            status = 0
        except SystemExit as exit_status:
            status = int(exit_status.code or 0)
        return status, json.loads(output.getvalue())

    def csv(self, text: str) -> str:
        directory = tempfile.mkdtemp()
        self.addCleanup(lambda: __import__("shutil").rmtree(directory, ignore_errors=True))
        path = Path(directory) / "lista.csv"
        path.write_text(text, encoding="utf-8")
        return str(path)

    def test_the_json_object_has_exactly_the_issues_keys(self) -> None:
        path = self.csv("Emri,Gjinia\nAna,F\nEva,qwe\n")
        status, outcome = self.run_command(
            "persons", path, "--unit", str(self.diocese_a.public_id), "--dry-run"
        )
        assert status == 1
        assert isinstance(outcome, dict) and set(outcome) == ISSUE_KEYS
        status, refused = self.run_command(
            "persons", "/no/such/file.csv", "--unit", str(self.diocese_a.public_id)
        )
        assert status == 2
        assert isinstance(refused, dict) and set(refused) == ISSUE_KEYS

    def test_a_template_by_name_maps_the_file_and_a_commit_teaches_its_headers(self) -> None:
        from kujdes.imports.learning import learnt_columns

        with system_scope():
            MappingTemplate.objects.create(
                organisation=self.org,
                name="Lista e fshatit",
                target="persons",
                mapping={
                    "headers": {"Kodi": "given_name", "G": "sex"},
                    "values": {"sex": {"V": "Feminine", "Dj": "Masculine"}},
                },
            )
        path = self.csv("G,Kodi\nV,Ana\nDj,Eri\n")
        status, outcome = self.run_command(
            "persons", path, "--unit", str(self.diocese_a.public_id), "--dry-run"
        )
        assert status == 1  # "Kodi" and "G" mean nothing without the template
        status, outcome = self.run_command(
            "persons", path, "--unit", str(self.diocese_a.public_id), "--template", "Lista e fshatit"
        )
        assert status == 0, outcome
        assert isinstance(outcome, dict) and outcome["created"] == 2 and outcome["batch"]
        with system_scope():
            assert learnt_columns(
                organisation_id=self.org.pk, target="persons", headers=["g", "KODI", "Tjetër"]
            ) == [
                "sex",
                "given_name",
                "",
            ]
        # Learnt: the same headers map without the template now (the values still need it).
        path = self.csv("Kodi,Gjinia\nLea,F\n")
        status, outcome = self.run_command(
            "persons", path, "--unit", str(self.diocese_a.public_id), "--dry-run"
        )
        assert status == 0, outcome

    def test_an_unknown_template_or_both_template_and_map_exit_2(self) -> None:
        path = self.csv("Emri\nAna\n")
        unit = str(self.diocese_a.public_id)
        status, outcome = self.run_command("persons", path, "--unit", unit, "--template", "Nuk ekziston")
        assert status == 2 and "Nuk ekziston" in str(outcome)
        status, _outcome = self.run_command(
            "persons", path, "--unit", unit, "--template", "X", "--map", "Emri=given_name"
        )
        assert status == 2

    def test_the_shipped_template_imports_the_camp_register(self) -> None:
        status, installed = self.run_command("templates", "install", "--organisation", "al")
        assert status == 0 and installed == {"added": {"al": 3}}
        status, again = self.run_command("templates", "install", "--organisation", "al")
        assert again == {"added": {"al": 0}}
        status, listed = self.run_command("templates", "list", "--organisation", "al")
        assert sorted(row["target"] for row in listed) == ["attendance", "cases", "participants"]  # type: ignore[union-attr]
        status, outcome = self.run_command(
            "participants",
            str(CAMP),
            "--unit",
            str(self.diocese_a.public_id),
            "--activity",
            str(self.camp.public_id),
            "--template",
            "Regjistri i kampit veror (Shkodër)",
        )
        assert status == 0, outcome
        assert isinstance(outcome, dict) and (outcome["rows"], outcome["created"]) == (8, 8)
        with system_scope():
            assert Participation.objects.filter(activity=self.camp).count() == 8

    def test_resume_queues_nothing_when_no_commit_was_interrupted(self) -> None:
        status, outcome = self.run_command("resume", "--stale-minutes", "0")
        assert (status, outcome) == (0, {"queued": 0})


@pytest.mark.parametrize(
    ("headers", "expected_columns", "expected_split", "expected_combine"),
    [
        # The same file: indexes as saved.
        (["Emri", "Vendi dhe data", "Dita", "Muaji", "Viti"], ["given_name", "", "", "", ""], 1, [2, 3, 4]),
        # Columns moved and one added: found by their headers.
        (
            ["Viti", "Shënime", "Muaji", "Dita", "Vendi dhe data", "EMRI"],
            ["", "", "", "", "", "given_name"],
            4,
            [3, 2, 0],
        ),
    ],
)
def test_a_template_finds_its_columns_by_header_name(
    headers: list[str], expected_columns: list[str], expected_split: int, expected_combine: list[int]
) -> None:
    from kujdes.imports.mapping_templates import template_mapping, template_options
    from kujdes.imports.services import Options

    saved = Options(
        target="persons",
        columns=["given_name", "", "", "", ""],
        splits=[{"column": 1, "into": ["municipality", "date_of_birth"], "how": "place_date"}],
        combines=[{"field": "date_of_birth", "columns": [2, 3, 4], "how": "date"}],
        decisions={"7": "new"},
    )
    mapping = template_mapping(headers=["Emri", "Vendi dhe data", "Dita", "Muaji", "Viti"], options=saved)
    assert "decisions" not in mapping  # row decisions belong to one file
    template = MappingTemplate(name="t", target="persons", mapping=mapping)
    options = template_options(template=template, headers=headers, suggested=[""] * len(headers))
    assert options.columns == expected_columns
    assert options.splits == [
        {"into": ["municipality", "date_of_birth"], "how": "place_date", "column": expected_split}
    ]
    assert options.combines == [{"field": "date_of_birth", "how": "date", "columns": expected_combine}]


class ShippedTemplatesFitTheSamplesTests(ImportTestCase):
    """The French case register and the attendance grid dry-run cleanly with their shipped templates,
    from the command line."""

    def run_command(self, *args: str) -> tuple[int, dict]:
        output = io.StringIO()
        try:
            call_command("import", *args, "--user", "ana", "--json", stdout=output, stderr=io.StringIO())
            status = 0
        except SystemExit as exit_status:
            status = int(exit_status.code or 0)
        return status, json.loads(output.getvalue())

    def test_the_french_case_register_and_the_attendance_grid(self) -> None:
        import datetime

        from kujdes.imports.mapping_templates import templates_install
        from kujdes.programme import services as programme
        from kujdes.programme.models import ActivityType

        samples = CAMP.parent
        with system_scope():
            templates_install(organisation_id=self.org.pk)
            course = programme.activity_create(
                actor=self.ana,
                unit=self.diocese_a,
                activity_type=ActivityType.objects.get(organisation=self.org, code="vocational-course"),
                title="Kursi i rrobaqepësisë, Lezhë 2019",
                starts_on=datetime.date(2019, 10, 1),
                ends_on=datetime.date(2019, 12, 20),
            )
        unit = str(self.diocese_a.public_id)
        status, outcome = self.run_command(
            "cases",
            str(samples / "case-register-fr.xlsx"),
            "--unit",
            unit,
            "--template",
            "Registre des dossiers (services en colonnes)",
            "--dry-run",
        )
        assert status == 0, outcome
        assert (outcome["rows"], outcome["valid"], outcome["errors"]) == (6, 6, [])
        status, outcome = self.run_command(
            "attendance",
            str(samples / "attendance-grid.xlsx"),
            "--unit",
            unit,
            "--activity",
            str(course.public_id),
            "--template",
            "Regjistri i pjesëmarrjes (data në kolona)",
            "--dry-run",
        )
        assert status == 0, outcome
        assert (outcome["rows"], outcome["valid"], outcome["errors"]) == (6, 6, [])
