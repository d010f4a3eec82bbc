"""Anonymous headcounts of one activity: a tally sheet of events (a school session, a campaign day)
brought in through `headcount_record`.

A row is one count: the date, the sex, the age (an age, or a group as written: "15-17", "60+"), the
category (general public by default) and the number; the place and notes are optional. The rows of
one date and place are one headcount, their numbers added up per group (age groups are the
organisation's). A session of the activity on that date is linked.
"""

from __future__ import annotations

import datetime
import re
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kujdes.imports import mapping as m
from kujdes.imports.models import ImportedRecord, Target
from kujdes.imports.targets.base import (
    NEW,
    CheckedRow,
    CheckResult,
    Context,
    ImportTarget,
    RowError,
    Written,
    cells_read,
)

if TYPE_CHECKING:
    from kujdes.accounts.models import User
    from kujdes.core.models import Unit
    from kujdes.imports.models import ImportBatch
    from kujdes.programme.models import Activity

_SEX = next(spec for spec in m.PERSON_FIELDS if spec.name == "sex")
HEADCOUNT_FIELDS: tuple[m.FieldSpec, ...] = (
    m.FieldSpec(
        "date", gettext_lazy("Date"), m.DATE, ("data", "date", "dita", "التاريخ", "tarih", "data dell'evento")
    ),
    _SEX,
    m.FieldSpec(
        "age",
        gettext_lazy("Age or age group"),
        m.TEXT,
        (
            "mosha",
            "grupmosha",
            "grupi i moshes",
            "age",
            "age group",
            "tranche d'age",
            "العمر",
            "الفئة العمرية",
            "eta",
            "fascia d'eta",
        ),
    ),
    m.FieldSpec(
        "category",
        gettext_lazy("Category"),
        m.CODE,
        ("kategoria", "grupi", "category", "group", "categorie", "public", "الفئة", "categoria"),
    ),
    m.FieldSpec(
        "count",
        gettext_lazy("Number of people"),
        m.INTEGER,
        (
            "numri",
            "nr i pjesemarresve",
            "pjesemarres",
            "count",
            "number",
            "participants",
            "nombre",
            "effectif",
            "العدد",
            "numero",
        ),
    ),
    m.FieldSpec(
        "place", gettext_lazy("Place"), m.TEXT, ("vendi", "place", "venue", "lieu", "المكان", "luogo")
    ),
    m.FieldSpec("notes", gettext_lazy("Notes"), m.TEXT, ("shenime", "notes", "remarques", "ملاحظات", "note")),
)


class HeadcountsTarget(ImportTarget):
    name = Target.HEADCOUNTS
    label = gettext_lazy("Anonymous headcounts")
    fields = HEADCOUNT_FIELDS
    needs_activity = True

    def columns_suggest(self, *, headers: list[str]) -> list[str]:
        columns = super().columns_suggest(headers=headers)
        if "count" not in columns:
            # "Numri" elsewhere numbers the rows; on a tally sheet it is the count.
            for index, header in enumerate(headers):
                if not columns[index] and m.fold(header) in ("numri", "numero", "nombre", "number", "nr"):
                    columns[index] = "count"
                    break
        return columns

    def permission_check(self, *, actor: User, unit: Unit, activity: Activity | None) -> None:
        from kujdes.programme.selectors import activity_can_record

        if activity is None or activity.organisation_id != unit.organisation_id:
            raise PermissionDenied
        if not activity_can_record(actor=actor, activity=activity):
            raise PermissionDenied

    def columns_check(self, result: CheckResult, *, context: Context) -> None:
        super().columns_check(result, context=context)
        names = {name for name in result.columns if name} | set(result.options.constants)
        for required in ("date", "count"):
            if required not in names:
                spec = self.field_spec(required)
                result.blocking.append(
                    _("Map a column to “%(field)s”.") % {"field": spec.label if spec else required}
                )

    def context_prepare(self, context: Context, *, result: CheckResult) -> None:
        from kujdes.programme.selectors import age_groups_for

        context.cache["bounds"] = age_groups_for(organisation_id=context.unit.organisation_id)

    def row_check(
        self,
        result: CheckResult,
        *,
        number: int,
        values: list[Any],
        codes: dict[str, dict[str, str]],
        context: Context,
    ) -> CheckedRow:
        from kujdes.programme.models import HeadcountSex

        row = CheckedRow(number=number)
        cells = cells_read(result, row, values=values, codes=codes, target=self)
        found, labels = cells.values, cells.labels
        activity = context.activity
        assert activity is not None
        day = found.get("date")
        if day is None:
            row.errors.append(RowError(number, labels.get("date", ""), _("This field is required.")))
        elif not activity.starts_on <= day <= activity.ends_on:
            row.errors.append(
                RowError(
                    number,
                    labels.get("date", ""),
                    _("The date must fall between the activity's start and end dates."),
                )
            )
        elif day > timezone.localdate():
            row.errors.append(
                RowError(number, labels.get("date", ""), _("People cannot be counted before the day."))
            )
        sex = found.get("sex", HeadcountSex.UNKNOWN)
        if sex not in HeadcountSex.values:
            row.errors.append(
                RowError(number, labels.get("sex", ""), _("Count women, men or not specified."))
            )
        bounds: tuple[int, ...] = context.cache["bounds"]
        age_text = str(found.get("age", "")).strip()
        lower = bounds[0]
        if age_text:
            digits = re.search(r"\d+", age_text)
            if digits is None or int(digits.group()) > 120:
                row.errors.append(
                    RowError(number, labels.get("age", ""), _("Give an age or an age group such as 15-17."))
                )
            else:
                lower = max(bound for bound in bounds if bound <= int(digits.group()))
        count_text = str(found.get("count", "")).strip()
        if not count_text.isdigit() or int(count_text) == 0 or int(count_text) > 20_000:
            row.errors.append(
                RowError(number, labels.get("count", ""), _("Give a number of people from 1 to 20,000."))
            )
            count = 0
        else:
            count = int(count_text)
        row.values = {
            "date": day,
            "place": str(found.get("place", ""))[:200],
            "notes": str(found.get("notes", ""))[:500],
            "cells": [(sex, lower, found.get("category") or "general", count)],
        }
        return row

    def rows_finish(self, result: CheckResult, *, context: Context, registry: bool) -> None:
        """Rows of one date and place are one headcount (written with the first of them)."""
        first: dict[tuple[datetime.date, str], CheckedRow] = {}
        for row in result.rows:
            if not row.valid:
                continue
            row.decision = NEW
            key = (row.values["date"], m.fold(row.values["place"]))
            owner = first.get(key)
            if owner is None:
                first[key] = row
                continue
            owner.values["cells"] += row.values["cells"]
            owner.grouped.append(row.number)
            row.merged_into = owner.number

    def commit_row(self, *, batch: ImportBatch, row: CheckedRow, context: Context) -> list[Written]:
        from kujdes.programme.models import Session, SessionStatus
        from kujdes.programme.services import headcount_record

        activity = context.activity
        assert activity is not None
        cells: dict[tuple[str, int, str], int] = {}
        for sex, lower, category, count in row.values["cells"]:
            cells[(sex, lower, category)] = cells.get((sex, lower, category), 0) + count
        session = (
            Session.objects.filter(activity=activity, date=row.values["date"])
            .exclude(status=SessionStatus.CANCELLED)
            .first()
        )
        headcount = headcount_record(
            actor=context.actor,
            activity=activity,
            date=row.values["date"],
            cells=cells,
            place=row.values["place"],
            notes=row.values["notes"],
            session=session,
        )
        return [Written("programme.headcount", headcount.pk, version=headcount.version)]

    def undo_blockers(self, *, batch: ImportBatch, records: list[ImportedRecord]) -> list[str]:
        from kujdes.programme.models import Headcount

        created = {r.object_pk: r for r in records if r.model == "programme.headcount"}
        return [
            _("Row %(row)s: the headcount was corrected since the import.")
            % {"row": created[headcount.pk].row}
            for headcount in Headcount.objects.filter(pk__in=list(created))
            if headcount.version != created[headcount.pk].version
        ]

    def undo(self, *, actor: User, batch: ImportBatch, records: list[ImportedRecord]) -> dict[str, int]:
        from kujdes.programme.models import Headcount

        pks = [r.object_pk for r in records if r.model == "programme.headcount"]
        Headcount.objects.filter(pk__in=pks).delete()
        return {"headcounts": len(pks)}
