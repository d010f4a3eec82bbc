"""Files made from released figures: the side-by-side table (CSV, XLSX), SDS aggregates, the CTDC export.

Each file is made from what was released and nothing else: a withheld cell has no number stored, so
none can be written. Making a file is audited (`network.figures.exported` in the actor's chain, with
the year, the indicators or the release; ids and codes only); reading the releases behind it was
audited as a view in the owners' chains by the selectors.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.exports import FORMULA_STARTS, ExportFile, ExportTable, table_export
from kujdes.core.models import Organisation
from kujdes.network.figures.selectors import SideBySide
from kujdes.network.releases.ctdc import COLUMNS as CTDC_COLUMNS
from kujdes.network.releases.dp import sds_aggregates
from kujdes.network.releases.federation import release_push
from kujdes.network.releases.models import (
    Release,
    ReleaseCell,
    ReleaseStatus,
    ReleaseTable,
    TableKind,
    WithheldReason,
)
from kujdes.network.services import actor_home_organisation_id, network_audit

if TYPE_CHECKING:
    from kujdes.accounts.models import User

CSV_TYPE = "text/csv; charset=utf-8"
TSV_TYPE = "text/tab-separated-values; charset=utf-8"


def side_by_side_table(*, figures: SideBySide) -> ExportTable:
    """The side-by-side figures in long format: one line per indicator, breakdown line and partner."""
    rows: list[list[object]] = []
    network = _("Network")
    for item in figures.indicators:
        for figure in item.figures:
            if figure.no_release:
                rows.append(
                    [
                        item.code,
                        item.name,
                        "",
                        "",
                        figure.partner.code,
                        figure.partner.name,
                        _("no release"),
                        "",
                        "",
                    ]
                )
                continue
            if not figure.in_release:
                rows.append(
                    [
                        item.code,
                        item.name,
                        "",
                        "",
                        figure.partner.code,
                        figure.partner.name,
                        _("not in its release"),
                        "",
                        "",
                    ]
                )
                continue
            shown = figure.shown
            rows.append(
                [
                    item.code,
                    item.name,
                    "",
                    _("Total"),
                    figure.partner.code,
                    figure.partner.name,
                    shown.value if shown.released else shown.text,
                    _("yes") if shown.withheld else "",
                    "",
                ]
            )
        rows.append(
            [
                item.code,
                item.name,
                "",
                _("Total"),
                "",
                network,
                item.total.value,
                "",
                _("yes") if item.total.lower_bound else "",
            ]
        )
        for breakdown in item.breakdowns:
            for line in breakdown.rows:
                for partner, shown in line.cells:
                    rows.append(
                        [
                            item.code,
                            item.name,
                            breakdown.label,
                            line.label,
                            partner.code,
                            partner.name,
                            shown.value if shown.released else shown.text,
                            _("yes") if shown.withheld else "",
                            "",
                        ]
                    )
                rows.append(
                    [
                        item.code,
                        item.name,
                        breakdown.label,
                        line.label,
                        "",
                        network,
                        line.total.value,
                        "",
                        _("yes") if line.total.lower_bound else "",
                    ]
                )
    return ExportTable(
        title=_("Released figures side by side, %(year)s") % {"year": figures.year},
        subtitle=_(
            "Withheld figures are shown as <11 (fewer than the release's k) or “withheld”, never as a "
            "number. A network total marked as a lower bound adds released figures only: the true "
            "total is at least this."
        ),
        columns=[
            _("Indicator code"),
            _("Indicator"),
            _("Disaggregation"),
            _("Value"),
            _("Partner code"),
            _("Partner"),
            _("Figure"),
            _("Withheld"),
            _("Lower bound"),
        ],
        rows=rows,
    )


def side_by_side_export(*, actor: User, figures: SideBySide, export_format: str) -> ExportFile:
    """The side-by-side table as a watermarked CSV or XLSX file (audited by the core export)."""
    organisation = Organisation.objects.get(pk=actor_home_organisation_id(actor=actor))
    return table_export(
        actor=actor,
        organisation=organisation,
        action="network.figures.exported",
        table=side_by_side_table(figures=figures),
        export_format=export_format,
        filename_stem=f"network-figures-{figures.year}",
        filters={"year": figures.year, "indicators": [item.code for item in figures.indicators]},
    )


def _stamp() -> str:
    return f"{timezone.localtime():%Y%m%d-%H%M}"


@transaction.atomic
def release_sds_export(*, actor: User, release: Release, position: int) -> ExportFile:
    """One differentially private table of a release in Microsoft's Synthetic Data Showcase format.

    Http404 when the release has no noisy table at that position (a table under small-cell
    suppression is not a DP release and does not go out in this format).
    """
    table = next((t for t in release.tables.all() if t.position == position and t.noisy), None)
    if table is None:
        raise Http404
    rows = []
    total = None
    for cell in table.cells.all():
        if cell.withheld or cell.value is None:
            continue
        if cell.is_total or not cell.key:
            total = int(cell.value)
            continue
        rows.append(({str(k): str(v) for k, v in cell.key.items()}, int(cell.value)))
    records = total if total is not None else (None if table.additive else sum(c for _s, c in rows))
    text = sds_aggregates(rows, records=records)
    network_audit(
        actor=actor,
        action="network.figures.exported",
        obj=release,
        details={"format": "sds", "release": str(release.public_id), "table": position},
    )
    return ExportFile(
        content=text.encode("utf-8"),
        content_type=TSV_TYPE,
        filename=f"{release.partner.code}-{release.period_start:%Y%m%d}-{table.indicator_code}-sds-{_stamp()}.tsv",
        rows=len(rows),
    )


def _csv_text(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@transaction.atomic
def release_ctdc_export(*, actor: User, release: Release) -> ExportFile:
    """The release's CTDC table as CTDC publishes its dataset: CTDC's columns, one row per record.

    Each released combination (≥ k records) is repeated by its count; withheld combinations have
    no row. Http404 when the release has no CTDC table.
    """
    table = next((t for t in release.tables.all() if t.kind == TableKind.CTDC), None)
    if table is None:
        raise Http404
    output = io.StringIO()
    writer = csv.writer(output, lineterminator="\n")
    writer.writerow(CTDC_COLUMNS)
    records = 0
    for cell in table.cells.all():
        if cell.withheld or cell.is_total or cell.value is None or not cell.key:
            continue
        line = [_csv_text(cell.key.get(column, "")) for column in CTDC_COLUMNS]
        for _index in range(int(cell.value)):
            writer.writerow(line)
        records += int(cell.value)
    network_audit(
        actor=actor,
        action="network.figures.exported",
        obj=release,
        details={"format": "ctdc", "release": str(release.public_id), "rows": records},
    )
    return ExportFile(
        content=output.getvalue().encode("utf-8"),
        content_type=CSV_TYPE,
        filename=f"{release.partner.code}-{release.period_start:%Y%m%d}-ctdc-{_stamp()}.csv",
        rows=records,
    )


# --- the CTDC table of a release -------------------------------------------------------------------------


class CtdcError(Exception):
    """The CTDC table cannot be made as asked; the message is for the user, translated."""


@transaction.atomic
def ctdc_table_release(*, actor: User, release: Release, recently_authenticated: bool) -> ReleaseTable:
    """Add the CTDC-coded table to a current release of the actor's own organisation (once).

    The records are the organisation's victim-assistance cases of the release's period, read
    through the reports room's release path (the actor's whole-organisation reporting scope),
    generalised until every combination has at least the release's k records; the others are
    withheld and counted (the table's total is the number of records, itself withheld when it is
    below k). Written once, like every released table; the release's content hash, computed when it
    was released, does not cover this table.
    """
    from kujdes.network.releases.ctdc import ctdc_generalise
    from kujdes.network.releases.selectors import release_can_prepare
    from kujdes.reports.release_counts import ReleaseScopeError, release_scope
    from kujdes.reports.releases import ctdc_records
    from kujdes.reports.selectors import period_custom

    if not release_can_prepare(actor=actor, release=release):
        raise PermissionDenied
    if not recently_authenticated:
        raise CtdcError(_("Sign in again to add figures to a release."))
    if release.status != ReleaseStatus.RELEASED:
        raise CtdcError(_("Only a current release can get a CTDC table."))
    if release.tables.filter(kind=TableKind.CTDC).exists():
        raise CtdcError(_("This release already has its CTDC table."))
    try:
        scope = release_scope(actor=actor, organisation_id=release.organisation_id)
    except ReleaseScopeError as error:
        raise CtdcError(
            _("A CTDC table covers the whole organisation: your reporting scope does not.")
        ) from error
    records = ctdc_records(scope=scope, period=period_custom(release.period_start, release.period_end))
    generalised = ctdc_generalise(records, k=release.k)
    position = (release.tables.aggregate(last=Max("position"))["last"] or 0) + 1
    table = ReleaseTable.objects.create(
        release=release,
        position=position,
        indicator_code="ctdc",
        indicator_name="CTDC",
        dims=list(generalised.columns),
        kind=TableKind.CTDC,
        additive=True,
    )
    small = generalised.records < release.k
    ReleaseCell.objects.create(
        table=table,
        position=0,
        key={},
        value=None if small else generalised.records,
        withheld=small,
        reason=WithheldReason.PRIMARY if small else WithheldReason.NONE,
        is_total=True,
    )
    for index, (row, count) in enumerate(generalised.rows, start=1):
        ReleaseCell.objects.create(table=table, position=index, key=row, value=count)
    network_audit(
        actor=actor,
        action="network.figures.ctdc_released",
        obj=release,
        details={
            "release": str(release.public_id),
            "k": release.k,
            "rows": len(generalised.rows),
            "levels": generalised.levels,
        },
    )
    # The coordinator's installation gets the release again, with its new table.
    release_push(release=release, actor=actor)
    return table
