"""Cases: a case register brought in, a case per person, through `case_create` and the services given
through `service_delivery_record`.

A row is a person (matched or registered as the persons target does) and their case: opened on, the
referral mechanism stage, the case type, the types of exploitation (several in a cell), a summary.
Services come in either of the two ways registers keep them:

- **a column per service** ("Strehim", "Hébergement", "Santé"...; a field `service_<type>` each): a
  date in the cell is when it was given, a yes mark ("x", "po", "oui") means given when the case was
  opened, a blank or a no means not given;
- **a row per service** (the columns "service" and "service date"): the rows of the same person (same
  name words and birth date or year) with the same opening date (or none) are one case, written with
  the first of them.

The rows of one person with another opening date are another case of the same person.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.imports import mapping as m
from kujdes.imports.models import ImportedRecord, Target
from kujdes.imports.targets.base import (
    EXISTING,
    NEW,
    Cells,
    CheckedRow,
    CheckResult,
    Context,
    RowError,
    Written,
)
from kujdes.imports.targets.persons import (
    PersonsTarget,
    decisions_apply,
    duplicates_find,
    keys_shred_on_commit,
    person_commit,
    persons_blockers,
    persons_remove,
)
from kujdes.imports.targets.vocabularies import SERVICE_WORDS

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.core.models import Unit
    from kujdes.imports.models import ImportBatch
    from kujdes.programme.models import Activity


def _service_fields() -> tuple[m.FieldSpec, ...]:
    from kujdes.cases.choices import SupportType

    return tuple(
        m.FieldSpec(
            f"service_{code}",
            format_lazy("{}: {}", gettext_lazy("Service given (a date, or yes)"), label),
            m.DATE_OR_YES,
            SERVICE_WORDS.get(code, ()),
        )
        for code, label in SupportType.choices
    )


CASE_FIELDS: tuple[m.FieldSpec, ...] = (
    m.FieldSpec(
        "opened_on",
        gettext_lazy("Case opened on"),
        m.DATE,
        (
            "data e hapjes",
            "hapur me",
            "data e hapjes se rastit",
            "data e rastit",
            "data e pranimit",
            "date opened",
            "opened on",
            "opening date",
            "date of referral",
            "date d'ouverture",
            "ouvert le",
            "date d'accueil",
            "date de prise en charge",
            "تاريخ فتح الملف",
            "تاريخ الإحالة",
            "data di apertura",
        ),
    ),
    m.FieldSpec(
        "case_type",
        gettext_lazy("Case type"),
        m.CODE,
        ("lloji i rastit", "tipi i rastit", "case type", "type de cas", "type de dossier", "نوع الحالة"),
    ),
    m.FieldSpec(
        "nrm_stage",
        gettext_lazy("Referral mechanism stage"),
        m.CODE,
        (
            "statusi",
            "faza",
            "statusi i viktimes",
            "mekanizmi kombetar i referimit",
            "nrm",
            "nrm stage",
            "victim status",
            "status",
            "statut",
            "statut de victime",
            "statut de la victime",
            "وضع الضحية",
        ),
    ),
    m.FieldSpec(
        "exploitation_types",
        gettext_lazy("Types of exploitation"),
        m.CODES,
        (
            "lloji i shfrytezimit",
            "shfrytezimi",
            "forma e shfrytezimit",
            "type of exploitation",
            "exploitation",
            "exploitation type",
            "type d'exploitation",
            "forme d'exploitation",
            "نوع الاستغلال",
            "tipo di sfruttamento",
        ),
    ),
    m.FieldSpec(
        "summary",
        gettext_lazy("Summary"),
        m.TEXT,
        ("permbledhje", "pershkrim", "summary", "description", "resume", "observations", "ملخص", "sintesi"),
    ),
    m.FieldSpec(
        "service_type",
        gettext_lazy("Service (a row per service)"),
        m.CODE,
        ("sherbimi", "lloji i sherbimit", "service", "type de service", "service type", "الخدمة", "servizio"),
    ),
    m.FieldSpec(
        "service_date",
        gettext_lazy("Service date (a row per service)"),
        m.DATE,
        (
            "data e sherbimit",
            "date du service",
            "date de la prestation",
            "service date",
            "delivered on",
            "تاريخ الخدمة",
            "data del servizio",
        ),
    ),
)
OPENED_ON_MISSING = gettext_lazy("A case needs the date it was opened.")
CASE_VALUE_FIELDS = ("opened_on", "case_type", "nrm_stage", "exploitation_types", "summary")


def case_rows_group(result: CheckResult) -> None:
    """Rows of the same person: with the same opening date (or none), their services join the first
    row's case; with another date, they are another case of the first row's person."""
    by_number = {row.number: row for row in result.rows}
    # (first row of the person, opening date) → the row that writes that case.
    cases: dict[tuple[int, Any], CheckedRow] = {}
    for row in result.rows:
        if not row.valid:
            continue
        first = row.duplicate_of_row
        if first is None:
            if row.values.get("opened_on") is None:
                column = row.values.get("labels", {}).get("opened_on", "")
                row.errors.append(RowError(row.number, column, str(OPENED_ON_MISSING)))
                continue
            cases[(row.number, row.values.get("opened_on"))] = row
            continue
        opened = row.values.get("opened_on")
        owner = cases.get((first, opened)) or (cases.get((first, None)) if opened is None else None)
        if owner is None and opened is None:
            owner = next((case for (number, _o), case in cases.items() if number == first), None)
        row.duplicate_of_row = None
        row.candidates = []
        if owner is not None:
            owner.values["services"] = owner.values.get("services", []) + row.values.get("services", [])
            for code in row.values.get("exploitation_types", []):
                if code not in owner.values.setdefault("exploitation_types", []):
                    owner.values["exploitation_types"].append(code)
            owner.grouped.append(row.number)
            row.merged_into = owner.number
        else:
            # Another case of the person of row `first`: written after it, for that row's person.
            row.values["person_of_row"] = first
            row.candidates = list(by_number[first].candidates)
            cases[(first, opened)] = row


class CasesTarget(PersonsTarget):
    name = Target.CASES
    label = gettext_lazy("Cases (with services)")
    fields = m.PERSON_FIELDS + CASE_FIELDS

    def __init__(self) -> None:
        # The service columns know the organisation's service types only once the apps are loaded.
        self.fields = m.PERSON_FIELDS + CASE_FIELDS + _service_fields()  # type: ignore[misc]

    def permission_check(self, *, actor: User, unit: Unit, activity: Activity | None) -> None:
        super().permission_check(actor=actor, unit=unit, activity=activity)
        if not units_for_actor(actor=actor, perm=Perm.CASE_MANAGE).filter(pk=unit.pk).exists():
            raise PermissionDenied

    def columns_check(self, result: CheckResult, *, context: Context) -> None:
        super().columns_check(result, context=context)
        names = {name for name in result.columns if name} | set(result.options.constants)
        names |= {combine["field"] for combine in result.options.combines if combine.get("field")}
        names |= {name for split in result.options.splits for name in split.get("into", []) if name}
        if "opened_on" not in names:
            result.blocking.append(_("Map a column to the date the case was opened: a case needs it."))
        if ("service_type" in names) != ("service_date" in names):
            result.blocking.append(_("A row per service needs both columns: the service and its date."))

    def row_extra_check(self, row: CheckedRow, cells: Cells, *, context: Context) -> None:
        values = cells.values
        labels = cells.labels
        today = timezone.localdate()
        opened_on = values.get("opened_on")
        if opened_on is None and "service_type" not in values:
            row.errors.append(RowError(row.number, labels.get("opened_on", ""), str(OPENED_ON_MISSING)))
            return
        if opened_on is not None and opened_on > today:
            row.errors.append(
                RowError(row.number, labels.get("opened_on", ""), _("The date is in the future."))
            )
        case: dict[str, Any] = {name: values[name] for name in CASE_VALUE_FIELDS if name in values}
        case.setdefault("nrm_stage", "at_risk")
        case.setdefault(
            "case_type",
            "victim_assistance"
            if case.get("exploitation_types") or case["nrm_stage"] != "at_risk"
            else "prevention",
        )
        services: list[tuple[str, datetime.date]] = []
        for name, given in values.items():
            if not name.startswith("service_") or name in ("service_type", "service_date"):
                continue
            if given is True and opened_on is not None:
                services.append((name.removeprefix("service_"), opened_on))
            elif isinstance(given, datetime.date):
                services.append((name.removeprefix("service_"), given))
        if "service_type" in values:
            when = values.get("service_date")
            if when is None:
                row.errors.append(
                    RowError(row.number, labels.get("service_date", ""), _("Give the date of the service."))
                )
            else:
                services.append((values["service_type"], when))
        for code, when in services:
            if when > today:
                row.errors.append(
                    RowError(
                        row.number,
                        labels.get(f"service_{code}", labels.get("service_date", "")),
                        _("The date is in the future."),
                    )
                )
        case["services"] = services
        row.values = case
        if opened_on is None:
            # A further service of a person whose case is on an earlier row (see case_rows_group).
            row.values.pop("opened_on", None)
            row.values["labels"] = {"opened_on": labels.get("opened_on", "")}

    def rows_finish(self, result: CheckResult, *, context: Context, registry: bool) -> None:
        duplicates_find(result, actor=context.actor, unit=context.unit, registry=registry)
        case_rows_group(result)
        decisions_apply(result, register_only=False)

    def commit_row(self, *, batch: ImportBatch, row: CheckedRow, context: Context) -> list[Written]:
        from kujdes.cases.services import case_create
        from kujdes.cases.work import service_delivery_record
        from kujdes.people.models import Person

        persons: dict[int, int] = context.cache.setdefault("person_of_row", {})
        written: list[Written] = []
        first = row.values.get("person_of_row")
        if first is not None and row.decision == NEW:
            person_pk = persons.get(first) or (
                ImportedRecord.objects.filter(batch=batch, row=first, model="people.person")
                .values_list("object_pk", flat=True)
                .first()
            )
            if person_pk is None:
                # The person's first row was not written (refused): neither is this case.
                raise PermissionDenied
            person = Person.objects.get(pk=person_pk)
        else:
            person, written = person_commit(actor=context.actor, unit=context.unit, row=row)
        persons[row.number] = person.pk
        values = row.values
        case = case_create(
            actor=context.actor,
            person=person,
            unit=context.unit,
            case_type=values["case_type"],
            opened_on=values["opened_on"],
            nrm_stage=values["nrm_stage"],
            summary=values.get("summary", ""),
            exploitation_types=list(values.get("exploitation_types", [])),
        )
        written.append(Written("cases.case", case.pk, version=case.version))
        for code, when in values.get("services", []):
            service = service_delivery_record(
                actor=context.actor, case=case, service_type=code, delivered_on=when
            )
            written.append(Written("cases.servicedelivery", service.pk))
        return written

    def undo_blockers(self, *, batch: ImportBatch, records: list[ImportedRecord]) -> list[str]:
        from kujdes.cases.models import Case

        blockers: list[str] = []
        own_services = {r.object_pk for r in records if r.model == "cases.servicedelivery"}
        cases = {r.object_pk: r for r in records if r.model == "cases.case"}
        for case in Case.objects.filter(pk__in=list(cases)):
            record = cases[case.pk]
            if case.version != record.version:
                blockers.append(
                    _("Row %(row)s: the case %(code)s was edited since the import.")
                    % {"row": record.row, "code": case.code}
                )
            for relation in Case._meta.related_objects:
                related = relation.related_model
                if not hasattr(related, "_base_manager") or relation.many_to_many:
                    continue
                queryset = related._base_manager.filter(**{relation.field.name: case})
                if related._meta.label_lower == "cases.servicedelivery":
                    queryset = queryset.exclude(pk__in=own_services)
                if queryset.exists():
                    blockers.append(
                        _("Row %(row)s: the case %(code)s has records added since (%(what)s).")
                        % {"row": record.row, "code": case.code, "what": related._meta.verbose_name_plural}
                    )
        return blockers + persons_blockers(records, own={"cases.case": set(cases)})

    def undo(self, *, actor: User, batch: ImportBatch, records: list[ImportedRecord]) -> dict[str, int]:
        from kujdes.cases.models import Case, ServiceDelivery

        service_ids = [r.object_pk for r in records if r.model == "cases.servicedelivery"]
        case_ids = [r.object_pk for r in records if r.model == "cases.case"]
        ServiceDelivery.objects.filter(pk__in=service_ids).delete()
        Case.objects.filter(pk__in=case_ids).delete()
        removed, keys = persons_remove(records)
        keys_shred_on_commit(keys)
        return {"persons": removed, "cases": len(case_ids), "services": len(service_ids)}


__all__ = ["CASE_FIELDS", "EXISTING", "CasesTarget"]
