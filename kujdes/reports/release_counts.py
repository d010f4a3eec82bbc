"""The reports room's release path (counts): exact counts of a whole organisation, for a statistics release.

The network room (kujdes.network.releases) is the only caller (kujdes.reports.releases holds the
CTDC records of the same path). It may not import people/ or cases/, so it asks here. What it gets
are exact, unsuppressed counts: the network applies its own rule
(k ≥ 11, complementary suppression, or differential privacy) before anything leaves, and stores
nothing but what it releases. Only an actor whose reporting scope is the whole organisation (an
organisation administrator; a programme manager at the root unit) gets them.

Counts only: medians and ratios are not released (a consumer computes a ratio from released
counts), nor sums of non-count values (volunteer hours).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kujdes.reports.catalogue import Indicator, catalogue
from kujdes.reports.engine import NOT_RECORDED, Engine, _persons, dims_allowed
from kujdes.reports.selectors import Period, Scope, ScopeError, report_context, report_scope
from kujdes.reports.sources import DISAGGREGATIONS

if TYPE_CHECKING:
    from kujdes.accounts.models import User

# The breakdowns that may leave an organisation: the finest ones (unit, municipality) stay inside, and
# so does the receiving provider (a named organisation) of referrals.
RELEASE_DIMS_EXCLUDED = ("unit", "municipality", "receiver", "provider_type")
RELEASE_FORMULAS = ("distinct", "events", "relatives", "total", "sum")
# Sums that are not counts of people or events.
RELEASE_VALUES_EXCLUDED = ("hours",)
# The code of a breakdown's "not recorded or not applicable" row in a release.
RELEASE_NOT_RECORDED = "not_recorded"


class ReleaseScopeError(ScopeError):
    """The actor's reporting scope is not the whole organisation."""


@dataclass(frozen=True)
class ExactCell:
    code: str  # the disaggregation's value code; RELEASE_NOT_RECORDED for "not recorded"
    label: str
    value: int
    persons: int | None  # the distinct persons the count rests on (personal indicators), else None


@dataclass(frozen=True)
class ExactTable:
    indicator: Indicator
    dim: str  # "" for the total alone
    additive: bool  # the cells add up to the total
    total: int
    total_persons: int | None
    cells: tuple[ExactCell, ...]

    @property
    def dim_label(self) -> str:
        return str(DISAGGREGATIONS[self.dim]) if self.dim else ""


def release_indicators() -> dict[str, Indicator]:
    """The catalogue's indicators a release may carry (counts), in the catalogue's order."""
    return {
        code: indicator
        for code, indicator in catalogue().items()
        if indicator.formula in RELEASE_FORMULAS
        and not (indicator.formula == "sum" and indicator.value in RELEASE_VALUES_EXCLUDED)
    }


def release_dims(indicator: Indicator) -> tuple[str, ...]:
    """The disaggregations of an indicator a release may carry."""
    return tuple(d for d in dims_allowed(indicator) if d not in RELEASE_DIMS_EXCLUDED)


def release_dim_additive(indicator: Indicator, dim: str) -> bool:
    """Whether an indicator's breakdown by `dim` adds up to its total (each row under one value only)."""
    return Engine(None)._additive(indicator, dim)  # type: ignore[arg-type]  # needs no context


def release_scope(*, actor: User, organisation_id: int) -> Scope:
    """The actor's reporting scope if it is the whole organisation, else ReleaseScopeError."""
    try:
        scope = report_scope(actor=actor)
    except ScopeError as error:
        raise ReleaseScopeError(str(error)) from error
    if scope.organisation.pk != organisation_id or scope.unit.parent_id is not None:
        raise ReleaseScopeError("the reporting scope is not the whole organisation")
    return scope


def release_figures(
    *, actor: User, organisation_id: int, period: Period, tables: Sequence[tuple[str, str]]
) -> list[ExactTable]:
    """Exact counts of the whole organisation for each (indicator code, dim or "") asked for."""
    scope = release_scope(actor=actor, organisation_id=organisation_id)
    engine = Engine(report_context(scope=scope, period=period))
    allowed = release_indicators()
    out = []
    for code, dim in tables:
        indicator = allowed.get(code)
        if indicator is None:
            raise ValueError(f"indicator {code} cannot be released")
        if dim and dim not in release_dims(indicator):
            raise ValueError(f"indicator {code} cannot be broken down by {dim} in a release")
        figure = engine.figure(indicator, dims=[dim] if dim else [])
        persons = _persons(indicator) if indicator.personal and indicator.formula != "total" else None
        total_persons = None
        if persons is not None:
            total_persons = int(engine.raw(persons, "").get(None) or 0)
        cells: list[ExactCell] = []
        additive = True
        if dim:
            breakdown = figure.breakdowns[0]
            additive = breakdown.additive
            by_persons: dict[Any, Any] = engine.raw(persons, dim) if persons is not None else {}
            for row in breakdown.rows:
                code_ = RELEASE_NOT_RECORDED if row.code in (None, NOT_RECORDED) else str(row.code)
                cells.append(
                    ExactCell(
                        code=code_,
                        label=str(row.label),
                        value=int(row.cell.value or 0),
                        persons=None if persons is None else int(by_persons.get(row.code) or 0),
                    )
                )
        out.append(
            ExactTable(
                indicator=indicator,
                dim=dim,
                additive=additive,
                total=int(figure.total.value or 0),
                total_persons=total_persons,
                cells=tuple(cells),
            )
        )
    return out
