"""`kujdes import TARGET FILE [...]` and `kujdes import undo BATCH`: the spreadsheet import for
operators and scripts, with the checks of the web pages.

Exit status: 0 when the file is valid (dry run) or was committed, 1 when rows have errors (or
something blocks the import: a value nobody mapped), 2 when the file cannot be read (or the command
is wrong). With --json one JSON object is printed:
{"rows", "valid", "created", "updated", "duplicates", "errors": [{"row", "column", "message"}],
"batch"}, exactly the issue's keys (warnings, such as an ambiguous date order, go to stderr); row
numbers are the spreadsheet's (1-based, header included).

The command acts as a named user (--user, or KUJDES_IMPORT_USER): their rights decide, their view
of the registry finds duplicates, and the audit names them, as on the web.

`--template NAME` maps the file with one of the organisation's saved templates (by name); without it
(and for columns --map does not name) the columns are suggested from what the organisation mapped
before, then from the synonyms. A committed import teaches the organisation its headers.

`kujdes import resume [--stale-minutes N]` (from a timer) queues again the background commits whose
worker died; `kujdes import templates list|install [--organisation CODE]` lists the templates or
installs the ones shipped with Kujdes.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kujdes.core.scoping import system_scope

# What the issue names; the registry (kujdes.imports.targets) says which exist.
NAMED_TARGETS = ("persons", "cases", "participants", "attendance", "volunteers")
ACTIONS = ("undo", "resume", "templates")


def _targets() -> list[str]:
    from kujdes.imports.targets import targets_all

    return [target.name for target in targets_all()]


def _pairs(text: str) -> list[tuple[str, str]]:
    """ "A=b,C=d" → [(A, b), (C, d)]; a comma inside a name is written "\\,"."""
    pairs = []
    for part in text.replace("\\,", "\x00").split(","):
        part = part.replace("\x00", ",").strip()
        if not part:
            continue
        if "=" not in part:
            raise CommandError(f"“{part}” is not NAME=VALUE.")
        name, value = part.rsplit("=", 1)
        pairs.append((name.strip(), value.strip()))
    return pairs


class Command(BaseCommand):
    help = (
        "Import a spreadsheet (XLSX, ODS or CSV): kujdes import TARGET FILE [--sheet NAME] "
        '[--template NAME | --map "Header=field,..."] [--values "field:Value=code,..."] [--unit CODE] '
        "[--activity ID] [--dayfirst|--monthfirst] [--dry-run] [--json] --user USERNAME "
        "(TARGET: persons, cases, participants, attendance, volunteers...). "
        "kujdes import undo BATCH --user USERNAME. kujdes import resume. "
        "kujdes import templates list|install [--organisation CODE]."
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "target", help="persons, cases, participants, attendance, volunteers...; undo, resume, templates"
        )
        parser.add_argument(
            "file",
            nargs="?",
            default="",
            help="the spreadsheet; the batch id for undo; list or install for templates",
        )
        parser.add_argument("--template", help="map with this saved template of the organisation (its name)")
        parser.add_argument("--organisation", help="templates: the organisation's code (default: every one)")
        parser.add_argument(
            "--stale-minutes", type=int, default=10, help="resume: a commit silent this long has stopped"
        )
        parser.add_argument("--sheet", help="the sheet of a workbook (default: the first)")
        parser.add_argument("--header-row", type=int, help="the header's row number (default: detected)")
        parser.add_argument("--encoding", help="CSV: the text encoding (default: detected)")
        parser.add_argument("--delimiter", help="CSV: the delimiter (default: detected)")
        parser.add_argument(
            "--map", default="", help='columns: "Header=field,Header=field" (field "" ignores)'
        )
        parser.add_argument("--values", default="", help='coded values: "field:Value=code,..."')
        parser.add_argument("--unit", help="the unit: its public id or code, or an organisation's code")
        parser.add_argument("--activity", help="participants: the activity's public id")
        parser.add_argument("--user", help="the user the import acts as (default: $KUJDES_IMPORT_USER)")
        order = parser.add_mutually_exclusive_group()
        order.add_argument("--dayfirst", action="store_true", default=None, help="dates are day/month/year")
        order.add_argument("--monthfirst", action="store_true", help="dates are month/day/year")
        parser.add_argument(
            "--family-first", action="store_true", help="full names are written family name first"
        )
        parser.add_argument(
            "--duplicates",
            choices=["skip", "new", "existing"],
            default="skip",
            help="rows like a registered person or an earlier row: skip (default), import as new, or "
            "(participants) enrol the one person found",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only; nothing is written")
        parser.add_argument("--json", action="store_true", help="print one JSON object")

    def _fail(self, options: dict[str, Any], message: str, status: int) -> NoReturn:
        if options["json"]:
            self.stdout.write(
                json.dumps(
                    {
                        "rows": 0,
                        "valid": 0,
                        "created": 0,
                        "updated": 0,
                        "duplicates": 0,
                        "errors": [{"row": None, "column": None, "message": message}],
                        "batch": None,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            self.stderr.write(message)
        sys.exit(status)

    def handle(self, *args: Any, **options: Any) -> None:
        from django.utils import translation

        translation.activate(os.environ.get("KUJDES_LANGUAGE", "en"))
        with system_scope():
            self._handle(options)

    def _user(self, options: dict[str, Any]) -> Any:
        from kujdes.accounts.models import User

        username = options["user"] or os.environ.get("KUJDES_IMPORT_USER", "")
        if not username:
            self._fail(options, "Give --user USERNAME: the import acts as a user of the unit.", 2)
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            self._fail(options, f"No active user {username!r}.", 2)
        return user

    def _handle(self, options: dict[str, Any]) -> None:
        from kujdes.imports.models import ImportBatch
        from kujdes.imports.services import UndoRefused, batch_undo

        target = options["target"]
        if target == "undo":
            user = self._user(options)
            batch = ImportBatch.objects.filter(public_id=_uuid(options["file"])).first()
            if batch is None:
                self._fail(options, f"No import batch {options['file']!r}.", 2)
            try:
                batch_undo(actor=user, batch=batch)
            except UndoRefused as refused:
                self._fail(options, "The batch cannot be undone: " + " ".join(refused.blockers), 1)
            except PermissionDenied:
                self._fail(options, f"No import batch {options['file']!r}.", 2)
            if options["json"]:
                self.stdout.write(json.dumps({"batch": str(batch.public_id), "state": "undone"}))
            else:
                self.stdout.write(f"Batch {batch.public_id} undone.")
            return
        if target == "resume":
            self._resume(options)
            return
        if target == "templates":
            self._templates(options)
            return
        targets = _targets()
        if target in NAMED_TARGETS and target not in targets:
            self._fail(options, f"Importing {target} is not built yet; targets: {', '.join(targets)}.", 2)
        if target not in targets:
            self._fail(options, f"Unknown target {target!r}; targets: {', '.join(targets)}, undo.", 2)
        if not options["file"]:
            self._fail(options, "Give the FILE to import.", 2)
        if options["template"] and options["map"]:
            self._fail(options, "Give either --template or --map, not both.", 2)
        self._import(options)

    def _resume(self, options: dict[str, Any]) -> None:
        import datetime

        from kujdes.imports.tasks import batches_resume

        queued = batches_resume(stale_after=datetime.timedelta(minutes=max(0, options["stale_minutes"])))
        if options["json"]:
            self.stdout.write(json.dumps({"queued": queued}))
        else:
            self.stdout.write(f"{queued} interrupted import(s) queued again.")

    def _templates(self, options: dict[str, Any]) -> None:
        from kujdes.core.models import Organisation
        from kujdes.imports.mapping_templates import templates_install
        from kujdes.imports.models import MappingTemplate

        action = options["file"] or "list"
        organisations = Organisation.objects.all().order_by("pk")
        if options["organisation"]:
            organisations = organisations.filter(code=options["organisation"])
            if not organisations.exists():
                self._fail(options, f"No organisation {options['organisation']!r}.", 2)
        if action == "install":
            added = {org.code: templates_install(organisation_id=org.pk) for org in organisations}
            if options["json"]:
                self.stdout.write(json.dumps({"added": added}))
            else:
                for code, count in added.items():
                    self.stdout.write(f"{code}: {count} template(s) added.")
            return
        if action != "list":
            self._fail(options, "kujdes import templates list|install.", 2)
        rows = [
            {"organisation": t.organisation.code, "name": t.name, "target": t.target, "id": str(t.public_id)}
            for t in MappingTemplate.objects.filter(organisation__in=organisations).select_related(
                "organisation"
            )
        ]
        if options["json"]:
            self.stdout.write(json.dumps(rows, ensure_ascii=False))
        else:
            for row in rows:
                self.stdout.write(f"{row['organisation']}\t{row['target']}\t{row['name']}")

    def _import(self, options: dict[str, Any]) -> None:
        from kujdes.fieldsync.management.commands._units import unit_from_code
        from kujdes.imports import mapping
        from kujdes.imports.reading import FileRefused, stream_read, table_read
        from kujdes.imports.services import (
            ImportRefused,
            Options,
            batch_commit,
            import_check,
            import_check_record,
        )

        user = self._user(options)
        if not options["unit"]:
            self._fail(options, "Give --unit CODE: the unit the persons are registered in.", 2)
        try:
            unit = unit_from_code(options["unit"])
        except CommandError as error:
            self._fail(options, str(error), 2)
        from kujdes.imports.targets import target_get

        activity = None
        if target_get(options["target"]).needs_activity or options["activity"]:
            from kujdes.programme.models import Activity

            activity = (
                Activity.objects.filter(public_id=_uuid(options["activity"] or ""))
                .select_related("activity_type")
                .first()
            )
            if activity is None:
                self._fail(
                    options, "Give --activity ID: the public id of the activity the rows belong to.", 2
                )
        path = Path(options["file"])
        if not path.is_file():
            self._fail(options, f"No file {path}.", 2)
        try:
            with path.open("rb") as source:
                data = stream_read(source)
            table = table_read(
                data=data,
                filename=path.name,
                sheet=options["sheet"],
                header_row=options["header_row"],
                encoding=options["encoding"],
                delimiter=options["delimiter"],
            )
        except FileRefused as refused:
            self._fail(options, str(refused), 2)
        from kujdes.imports.learning import columns_learn, columns_suggest_learnt

        columns = columns_suggest_learnt(
            organisation_id=unit.organisation_id, target=options["target"], headers=table.headers
        )
        template_extras: dict[str, Any] = {}
        if options["template"]:
            from kujdes.imports.mapping_templates import template_options, templates_for_actor

            template = (
                templates_for_actor(actor=user, target=options["target"])
                .filter(organisation_id=unit.organisation_id, name=options["template"])
                .first()
            )
            if template is None:
                self._fail(
                    options,
                    f"No template {options['template']!r} for {options['target']} in this organisation.",
                    2,
                )
            chosen_by_template = template_options(template=template, headers=table.headers, suggested=columns)
            columns = list(chosen_by_template.columns or columns)
            template_extras = chosen_by_template.as_dict()
        by_header = {mapping.fold(header): index for index, header in enumerate(table.headers)}
        for header, name in _pairs(options["map"]):
            index = by_header.get(mapping.fold(header))
            if index is None:
                self._fail(
                    options, f"No column “{header}” in the sheet; its columns: {', '.join(table.headers)}.", 2
                )
            columns[index] = name
        values: dict[str, dict[str, str]] = {
            name: dict(codes) for name, codes in (template_extras.get("values") or {}).items()
        }
        for key, code in _pairs(options["values"]):
            if ":" not in key:
                self._fail(options, f"“{key}={code}”: write field:Value=code.", 2)
            name, value = key.split(":", 1)
            values.setdefault(name.strip(), {})[value.strip()] = code
        dayfirst = True if options["dayfirst"] else (False if options["monthfirst"] else None)
        chosen = Options.from_dict(
            {
                **template_extras,
                "target": options["target"],
                "columns": columns,
                "values": values,
                "duplicates": options["duplicates"],
            }
        )
        if dayfirst is not None:
            chosen.dayfirst, chosen.date_orders = dayfirst, {}
        if options["family_first"]:
            chosen.family_first = True
        try:
            result = import_check(actor=user, unit=unit, table=table, options=chosen, activity=activity)
        except PermissionDenied:
            self._fail(options, "This user may not import into this unit (or activity).", 2)
        if options["dry_run"]:
            import_check_record(actor=user, unit=unit, result=result)
        counts = result.counts()
        errors = [error.as_dict() for error in result.errors]
        blocking = [{"row": None, "column": None, "message": message} for message in result.blocking]
        outcome: dict[str, Any] = {
            "rows": counts["rows"],
            "valid": counts["valid"],
            "created": 0,
            "updated": 0,
            "duplicates": counts["duplicates"],
            "errors": blocking + errors,
            "batch": None,
        }
        status = 1 if (errors or blocking) else 0
        if not options["dry_run"] and not blocking:
            try:
                committed = batch_commit(
                    actor=user, unit=unit, result=result, activity=activity, filename=path.name
                )
            except ImportRefused as refused:
                outcome["errors"] += [{"row": None, "column": None, "message": m} for m in refused.messages]
                status = 1
            else:
                outcome["created"] = committed.created
                outcome["updated"] = getattr(committed, "updated", 0)
                outcome["batch"] = str(committed.batch.public_id)
                columns_learn(
                    organisation_id=unit.organisation_id,
                    target=options["target"],
                    headers=table.headers,
                    columns=result.columns,
                )
                outcome["errors"] += [error.as_dict() for error in committed.errors]
                if committed.errors:
                    status = 1
        self._print(options, outcome, result)
        sys.exit(status)

    def _print(self, options: dict[str, Any], outcome: dict[str, Any], result: Any) -> None:
        if options["json"]:
            self.stdout.write(json.dumps(outcome, ensure_ascii=False, default=str))
            for warning in result.warnings:
                self.stderr.write(f"warning: {warning}")
            return
        self.stdout.write(
            f"Sheet {result.table.sheet or '(csv)'}, header in row {result.table.header_row}: "
            f"{outcome['rows']} rows, {outcome['valid']} valid, {outcome['duplicates']} possible duplicates."
        )
        for index, (header, name) in enumerate(zip(result.table.headers, result.columns, strict=True)):
            self.stdout.write(f"  {header} → {name or '(ignored)'}")
            del index
        for warning in result.warnings:
            self.stdout.write(f"warning: {warning}")
        for error in outcome["errors"]:
            where = f"row {error['row']}, {error['column']}: " if error["row"] else ""
            self.stdout.write(f"error: {where}{error['message']}")
        if outcome["batch"]:
            self.stdout.write(f"Created {outcome['created']} records in batch {outcome['batch']}.")
        elif options["dry_run"]:
            self.stdout.write("Dry run: nothing was written.")


def _uuid(text: str) -> Any:
    import uuid

    try:
        return uuid.UUID(text)
    except ValueError:
        return uuid.UUID(int=0)
