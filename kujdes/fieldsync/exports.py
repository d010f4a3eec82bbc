"""A form's submissions as CSV or XLSX, laid out as ODK Central lays them out, streamed.

The layout follows central-backend's lib/data/briefcase.js: one table for the form and one per
repeat group; columns named by the field's path inside its table with `-` between groups; the root
table starts with `SubmissionDate` and ends with the metadata (`KEY` = instance id, submitter,
device, version, state, attachments); a repeat table ends with `PARENT_KEY` and `KEY`
(`uuid:…/group/repeat[2]`, the same key Central writes). select_multiple answers stay
space-separated, as Central writes them by default; a geopoint becomes four columns.

CSV: one file when the form has no repeat group, else a ZIP with `<form_id>.csv` and
`<form_id>-<repeat>.csv`. XLSX: one sheet per table. Both are written while they are sent: the
submissions are read in batches (each inside the organisation's scope, since a streamed body is
read after the request's scope has closed) and each table is one pass over them, so memory stays
bounded whatever the number of submissions. As every Kujdes export, the file says who exported it
(the watermark: the CSV's first line, the XLSX's printed header and document properties), text
that a spreadsheet would run as a formula is defused, and the export is audited before the first
byte leaves.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any, cast
from xml.sax.saxutils import escape

from defusedxml import ElementTree as SafeElementTree
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import StreamingHttpResponse
from django.utils import timezone

from kujdes.accounts.models import User
from kujdes.core.audit import audit_record
from kujdes.core.exports import CSV, FORMULA_STARTS, export_watermark
from kujdes.core.files import XLSX
from kujdes.core.scoping import tenant_scope
from kujdes.fieldsync.models import Form, FormVersion, Submission

JR = "{http://openrosa.org/javarosa}"
BATCH = 200
ROOT_META = [
    "KEY",
    "SubmitterName",
    "DeviceID",
    "FormVersion",
    "Status",
    "Unit",
    "AttachmentsPresent",
]
# A plain decimal number; "0691234567" (a phone number) is not one: it stays text, zeros kept.
_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?$")
_XML_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


# -- the form's tables -----------------------------------------------------------------------------


@dataclass
class Table:
    """The root of the form or one repeat group: its columns and the repeats inside it."""

    name: str
    # Path of the repeat element from the instance root ("" parts: the root table).
    path: tuple[str, ...]
    # Leaf fields by their path relative to this table, in form order; geopoints take 4 columns.
    fields: list[tuple[str, ...]] = field(default_factory=list)
    geopoints: set[tuple[str, ...]] = field(default_factory=set)
    # Repeat tables directly inside this one, by their path relative to this table.
    repeats: dict[tuple[str, ...], Table] = field(default_factory=dict)

    def columns(self) -> list[str]:
        out: list[str] = []
        for path in self.fields:
            base = "-".join(path)
            if path in self.geopoints:
                out += [f"{base}-Latitude", f"{base}-Longitude", f"{base}-Altitude", f"{base}-Accuracy"]
            else:
                out.append(base)
        return out

    def all_tables(self) -> list[Table]:
        tables = [self]
        for repeat in self.repeats.values():
            tables += repeat.all_tables()
        return tables


def _xform_parts(xform: str) -> tuple[Any, set[str], set[str]]:
    """(primary instance root, repeat nodesets, geopoint nodesets) of an XForm."""
    root = SafeElementTree.fromstring(xform.encode())
    instance_root = None
    repeats: set[str] = set()
    geopoints: set[str] = set()
    for element in root.iter():
        name = _local(element.tag)
        if name == "instance" and instance_root is None and len(element):
            instance_root = element[0]
        elif name == "repeat" and element.get("nodeset"):
            repeats.add(element.get("nodeset", ""))
        elif name == "bind" and element.get("type", "").endswith("geopoint"):
            geopoints.add(element.get("nodeset", ""))
    if instance_root is None:
        raise ValueError("the XForm has no instance")
    return instance_root, repeats, geopoints


def form_tables(*, form: Form) -> Table:
    """The tables of every version of the form, merged (newest version's order first, then what
    older versions had and the newer ones dropped), so that every submission finds its columns."""
    root = Table(name=form.xml_form_id, path=())
    versions = FormVersion.objects.filter(form=form).order_by("-created_at").only("xform")
    for version in versions:
        instance_root, repeats, geopoints = _xform_parts(version.xform)
        top = "/" + _local(instance_root.tag)
        _merge(root, instance_root, top, (), repeats, geopoints)
    return root


def _merge(
    table: Table,
    element: Any,
    nodeset: str,
    relative: tuple[str, ...],
    repeats: set[str],
    geopoints: set[str],
) -> None:
    seen: set[str] = set()
    for child in element:
        name = _local(child.tag)
        if name in seen:  # a repeat's template and its first copy: one column set
            continue
        seen.add(name)
        child_nodeset = f"{nodeset}/{name}"
        child_relative = (*relative, name)
        if child_nodeset in repeats or child.get(f"{JR}template") is not None:
            sub = table.repeats.get(child_relative)
            if sub is None:
                sub = Table(name=name, path=(*table.path, *child_relative))
                table.repeats[child_relative] = sub
            _merge(sub, child, child_nodeset, (), repeats, geopoints)
        elif len(child):
            _merge(table, child, child_nodeset, child_relative, repeats, geopoints)
        elif child_relative not in table.fields:
            table.fields.append(child_relative)
            if child_nodeset in geopoints:
                table.geopoints.add(child_relative)


# -- rows of one submission ------------------------------------------------------------------------


def instance_rows(*, root: Table, xml: str, key: str) -> dict[tuple[str, ...], list[list[str]]]:
    """Every table's rows for one instance (its root row has the fields only, no metadata)."""
    element = SafeElementTree.fromstring(xml.encode())
    out: dict[tuple[str, ...], list[list[str]]] = {t.path: [] for t in root.all_tables()}
    _table_rows(root, element, key, "", out)
    return out


def _table_rows(
    table: Table, element: Any, key: str, parent_key: str, out: dict[tuple[str, ...], list[list[str]]]
) -> None:
    values: dict[tuple[str, ...], str] = {}
    counts: dict[tuple[str, ...], int] = {}

    def walk(node: Any, relative: tuple[str, ...]) -> None:
        for child in node:
            path = (*relative, _local(child.tag))
            repeat = table.repeats.get(path)
            if repeat is not None:
                counts[path] = counts.get(path, 0) + 1
                child_key = "/".join([key, *path[:-1], f"{path[-1]}[{counts[path]}]"])
                _table_rows(repeat, child, child_key, key, out)
            elif len(child):
                walk(child, path)
            else:
                values.setdefault(path, (child.text or "").strip())

    walk(element, ())
    row: list[str] = []
    for path in table.fields:
        value = values.get(path, "")
        if path in table.geopoints:
            parts = (value.split() + ["", "", "", ""])[:4]
            row += parts
        else:
            row.append(value)
    if table.path:
        row += [parent_key, key]
    out[table.path].append(row)


# -- the submissions -------------------------------------------------------------------------------


def submissions_filtered(
    *,
    submissions: QuerySet[Submission],
    state: str = "",
    version: str = "",
    unit: str = "",
    device: str = "",
    submitted_from: datetime.date | None = None,
    submitted_to: datetime.date | None = None,
) -> QuerySet[Submission]:
    """The table's and the exports' filters (ids are public ids; dates are local, both ends kept)."""
    if state:
        submissions = submissions.filter(state=state)
    if version:
        submissions = submissions.filter(form_version__public_id=version)
    if unit:
        submissions = submissions.filter(unit__public_id=unit)
    if device:
        submissions = submissions.filter(device__public_id=device)
    tz = timezone.get_current_timezone()
    if submitted_from:
        start = datetime.datetime.combine(submitted_from, datetime.time(), tzinfo=tz)
        submissions = submissions.filter(submitted_at__gte=start)
    if submitted_to:
        end = datetime.datetime.combine(submitted_to + datetime.timedelta(days=1), datetime.time(), tzinfo=tz)
        submissions = submissions.filter(submitted_at__lt=end)
    return submissions


def _batches(
    *, organisation_id: int, actor_id: int, submissions: QuerySet[Submission]
) -> Iterator[list[Any]]:
    """The submissions in batches of BATCH (keyset on the primary key), each read and decrypted
    inside the organisation's scope: a streamed body is read after the request's scope closed."""
    last = 0
    while True:
        with tenant_scope(organisation_ids=[organisation_id], user_id=actor_id):
            batch = list(
                submissions.filter(pk__gt=last)
                .order_by("pk")
                .select_related("form_version", "submitted_by", "device", "unit")
                .prefetch_related("attachments")[:BATCH]
            )
            rows = [(s, s.xml) for s in batch]
        if not rows:
            return
        yield rows
        last = batch[-1].pk


def _root_meta(submission: Submission) -> list[str]:
    user = submission.submitted_by
    return [
        submission.instance_id,
        user.get_full_name() or user.username,
        submission.device.name if submission.device else "",
        submission.form_version.version,
        submission.state,
        str(submission.unit),
        str(len(submission.attachments.all())),
    ]


def _table_stream(
    *, root: Table, table: Table, organisation_id: int, actor_id: int, submissions: QuerySet[Submission]
) -> Iterator[list[list[str]]]:
    """The rows of one table, a batch of submissions at a time, header first."""
    header = table.columns()
    if table.path:
        yield [header + ["PARENT_KEY", "KEY"]]
    else:
        yield [["SubmissionDate", *header, *ROOT_META]]
    for batch in _batches(organisation_id=organisation_id, actor_id=actor_id, submissions=submissions):
        rows: list[list[str]] = []
        for submission, xml in batch:
            try:
                tables = instance_rows(root=root, xml=xml, key=submission.instance_id)
            except Exception:  # an instance that is not XML any more: its metadata still lists it
                tables = {t.path: [] for t in root.all_tables()}
                tables[()] = [[""] * len(root.columns())]
            if table.path:
                rows += tables[table.path]
            else:
                submitted = (
                    submission.submitted_at.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
                )
                rows += [[submitted, *row, *_root_meta(submission)] for row in tables[()]]
        yield rows


# -- writers ---------------------------------------------------------------------------------------


def csv_cell(value: str) -> str:
    """Text a spreadsheet would run as a formula gets an apostrophe (plain numbers stay numbers)."""
    if value.startswith(FORMULA_STARTS) and not _NUMBER.match(value):
        return "'" + value
    return value


class _Sink:
    """A write-only file for zipfile: what was written since the last `drain()`."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def _csv_lines(rows: Iterable[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue().encode("utf-8")


def _csv_file(chunks: Iterator[list[list[str]]], watermark: str) -> Iterator[bytes]:
    # The byte order mark makes Excel read UTF-8; the watermark line says who exported the file.
    yield "\ufeff".encode() + _csv_lines([[watermark]])
    for rows in chunks:
        yield _csv_lines(rows)


def _safe(text: str) -> str:
    return "".join(ch for ch in text if ch.isalnum() or ch in "._-")[:80] or "form"


def _sheet_name(name: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "_", name)[:31] or "sheet"
    candidate, n = base, 1
    while candidate.lower() in used:
        n += 1
        candidate = f"{base[: 31 - len(str(n)) - 1]}~{n}"
    used.add(candidate.lower())
    return candidate


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _xlsx_row(number: int, row: list[str]) -> str:
    cells = []
    for column, value in enumerate(row):
        if value == "":
            continue
        ref = f"{_column_letter(column)}{number}"
        if _NUMBER.match(value) and len(value) < 16:
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            # An inline string is text: a spreadsheet never runs it as a formula.
            text = escape(_XML_UNSAFE.sub("", value))
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>')
    return f'<row r="{number}">{"".join(cells)}</row>'


MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _xlsx_file(
    sheets: list[tuple[str, Iterator[list[list[str]]]]], *, title: str, watermark: str, author: str
) -> Iterator[bytes]:
    """A minimal SpreadsheetML package (inline strings, no shared-string table), written sheet by
    sheet into a ZIP that is sent as it grows."""
    sink = _Sink()
    names: set[str] = set()
    sheet_names = [_sheet_name(name, names) for name, _rows in sheets]
    now = timezone.now().astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(cast(IO[bytes], sink), mode="w", compression=zipfile.ZIP_DEFLATED) as package:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        package.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            f"{overrides}</Types>",
        )
        package.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL_NS}">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="xl/workbook.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/'
            'metadata/core-properties" Target="docProps/core.xml"/></Relationships>',
        )
        package.writestr(
            "docProps/core.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/'
            'dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:title>{escape(title)}</dc:title><dc:subject>{escape(watermark)}</dc:subject>"
            f"<dc:creator>{escape(author)}</dc:creator><dc:description>{escape(watermark)}</dc:description>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{now}</dcterms:created></cp:coreProperties>',
        )
        sheet_list = "".join(
            f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, name in enumerate(sheet_names, start=1)
        )
        package.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN_NS}" '
            f'xmlns:r="{REL_NS}"><sheets>{sheet_list}</sheets></workbook>',
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        package.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            f'<Relationships xmlns="{PKG_REL_NS}">{rels}</Relationships>',
        )
        yield sink.drain()
        # "&" starts a control code in printed headers; 255 characters is the limit.
        printed = escape(watermark.replace("&", "&&")[:240])
        for i, (_name, chunks) in enumerate(sheets, start=1):
            with package.open(f"xl/worksheets/sheet{i}.xml", mode="w", force_zip64=True) as part:
                part.write(
                    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN_NS}">'
                    '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                    'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews><sheetData>'.encode()
                )
                number = 0
                for rows in chunks:
                    part.write(
                        "".join(_xlsx_row(number + n, row) for n, row in enumerate(rows, start=1)).encode()
                    )
                    number += len(rows)
                    yield sink.drain()
                part.write(
                    f"</sheetData><headerFooter><oddHeader>&amp;C{printed}</oddHeader>"
                    f"<oddFooter>&amp;L{printed}&amp;R&amp;P / &amp;N</oddFooter></headerFooter>"
                    "</worksheet>".encode()
                )
            yield sink.drain()
    yield sink.drain()


def _csv_zip(files: list[tuple[str, Iterator[list[list[str]]]]], watermark: str) -> Iterator[bytes]:
    sink = _Sink()
    with zipfile.ZipFile(cast(IO[bytes], sink), mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.comment = watermark.encode("utf-8")[:65000]
        for filename, chunks in files:
            with archive.open(filename, mode="w", force_zip64=True) as entry:
                for data in _csv_file(chunks, watermark):
                    entry.write(data)
                    yield sink.drain()
            yield sink.drain()
    yield sink.drain()


# -- the export ------------------------------------------------------------------------------------


def submissions_export(
    *,
    actor: User,
    form: Form,
    submissions: QuerySet[Submission],
    export_format: str,
    filters: dict[str, Any],
) -> StreamingHttpResponse:
    """The form's (filtered) submissions as a streamed CSV, ZIP of CSVs or XLSX; audited now, with
    the format, the number of submissions and the filters (never a value of a submission)."""
    if export_format not in ("csv", "xlsx"):
        raise ValueError(export_format)
    root = form_tables(form=form)
    tables = root.all_tables()
    now = timezone.now()
    watermark = export_watermark(actor=actor, organisation=form.organisation, at=now)
    with transaction.atomic():
        count = submissions.count()
        audit_record(
            actor=actor,
            organisation=form.organisation_id,
            action="fieldsync.submissions.exported",
            obj=form,
            details={"format": export_format, "rows": count, "tables": len(tables), "filters": filters},
        )
    ids = Q(pk__in=submissions.values("pk"))
    base = Submission.objects.filter(ids, form=form)

    def stream(table: Table) -> Iterator[list[list[str]]]:
        return _table_stream(
            root=root, table=table, organisation_id=form.organisation_id, actor_id=actor.pk, submissions=base
        )

    stem = f"{_safe(form.xml_form_id)}-{timezone.localtime(now):%Y%m%d-%H%M}"
    if export_format == "xlsx":
        body: Iterator[bytes] = _xlsx_file(
            [(t.name, stream(t)) for t in tables],
            title=form.title,
            watermark=watermark,
            author=actor.username,
        )
        content_type, filename = XLSX, f"{stem}.xlsx"
    elif len(tables) == 1:
        body, content_type, filename = _csv_file(stream(root), watermark), CSV, f"{stem}.csv"
    else:
        files, used = [], set()
        for t in tables:
            name = _safe(form.xml_form_id) + (f"-{_safe(t.name)}" if t.path else "")
            # Two repeats of the same name (in different groups): `name~2`, as Central names them.
            n, unique = 1, name
            while unique in used:
                n += 1
                unique = f"{name}~{n}"
            used.add(unique)
            files.append((f"{unique}.csv", stream(t)))
        body, content_type, filename = _csv_zip(files, watermark), "application/zip", f"{stem}.zip"
    response = StreamingHttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
