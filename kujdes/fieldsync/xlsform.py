"""XLSForm → XForm with pyxform, the reference converter, and what Kujdes needs to know of the result.

pyxform's messages are English; the common ones are given in the user's language here, with the
sheet and row they name ("[row : 3] On the 'survey' sheet, …"), and any other message is shown as
pyxform wrote it after a translated "Sheet …, row …:" prefix.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import ElementTree
from django.utils.translation import gettext as _
from pyxform import xls2xform
from pyxform.errors import PyXFormError

XFORMS_NS = "http://www.w3.org/2002/xforms"
XHTML_NS = "http://www.w3.org/1999/xhtml"
_ROW = re.compile(r"^\s*\[row\s*:\s*(\d+)\]\s*")
_SHEET = re.compile(r"[Oo]n the '(\w+)' sheet|in the '(\w+)' sheet|(\w+) sheet")
_MEDIA = re.compile(r"jr://(?:images|audio|video|file|file-csv)/([^\"'<>\s]+)")


class XLSFormError(Exception):
    """The spreadsheet is not a form pyxform can convert; `messages` say where and why."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


@dataclass
class ConvertedForm:
    xml_form_id: str
    version: str
    title: str
    xform: str
    warnings: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)

    @property
    def xform_hash(self) -> str:
        return xform_hash(self.xform)


def xform_hash(xform: str) -> str:
    """What formList announces and ODK Collect compares: md5 of the served bytes."""
    return "md5:" + hashlib.md5(xform.encode(), usedforsecurity=False).hexdigest()


# The messages users meet most, in their language. Keys are pyxform's text with its variable parts
# as named groups; anything else is shown as pyxform wrote it.
def _known_messages() -> list[tuple[re.Pattern[str], str]]:
    return [
        (re.compile(r"^Unknown question type '(?P<type>[^']*)'\.?$"), _("Unknown question type “%(type)s”.")),
        (
            re.compile(r"^There should be a choices sheet in this xlsform.*", re.S),
            _("A question chooses from a list, but the workbook has no “choices” sheet."),
        ),
        (re.compile(r"^Missing calculation\.?$"), _("A “calculate” row needs a calculation.")),
        (
            re.compile(
                r".*the 'name' value '(?P<name>[^']*)' is invalid\. "
                r"Questions, groups, and repeats must be unique.*"
            ),
            _("The name “%(name)s” is used twice; each question needs its own name."),
        ),
        (
            re.compile(r"^Argument 'definition' was not recognized as a supported type.*"),
            _("This file is not an XLSForm spreadsheet (.xlsx)."),
        ),
    ]


def _message_translate(raw: str) -> str:
    text = raw.strip()
    row_match = _ROW.match(text)
    row = row_match.group(1) if row_match else None
    body = text[row_match.end() :] if row_match else text
    sheet_match = _SHEET.search(body)
    sheet = next((g for g in sheet_match.groups() if g), None) if sheet_match else None
    for pattern, message in _known_messages():
        found = pattern.match(body)
        if found:
            body = message % found.groupdict() if found.groupdict() else message
            break
    if row is not None:
        return _("Sheet “%(sheet)s”, row %(row)s: %(message)s") % {
            "sheet": sheet or "survey",
            "row": row,
            "message": body,
        }
    return body


def _xform_read(xform: str) -> tuple[str, str, str]:
    root = ElementTree.fromstring(xform.encode())
    title = root.findtext(f"{{{XHTML_NS}}}head/{{{XHTML_NS}}}title") or ""
    model = root.find(f"{{{XHTML_NS}}}head/{{{XFORMS_NS}}}model")
    instance = model.find(f"{{{XFORMS_NS}}}instance") if model is not None else None
    data = instance[0] if instance is not None and len(instance) else None
    if data is None:
        raise XLSFormError([_("The converted form has no main instance.")])
    return data.get("id", ""), data.get("version", ""), title


def _form_name(filename: str) -> str:
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    cleaned = re.sub(r"[^A-Za-z0-9_.-]", "_", stem).lstrip("0123456789.-")
    return cleaned[:100] or "data"


def xlsform_convert(*, data: bytes, filename: str) -> ConvertedForm:
    """Convert an uploaded XLSForm; raises XLSFormError with translated, located messages."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ".xlsx"
    if suffix not in (".xlsx", ".xls", ".xlsm"):
        raise XLSFormError([_("This file is not an XLSForm spreadsheet (.xlsx).")])
    warnings: list[str] = []
    try:
        # Converted by path, as pyxform's own command does: a settings sheet without form_id then gives
        # the file's name as the form id (IOM's HTCDS XLSForm has none). A form definition is not
        # personal data, so a temporary file is harmless.
        with tempfile.TemporaryDirectory(prefix="kujdes-xlsform-") as folder:
            path = Path(folder) / (_form_name(filename) + suffix)
            path.write_bytes(data)
            result = xls2xform.convert(xlsform=str(path), warnings=warnings)
    except PyXFormError as exc:
        raise XLSFormError(
            [_message_translate(line) for line in str(exc).splitlines() if line.strip()]
        ) from None
    except Exception:
        # openpyxl and xlrd raise their own errors for damaged files; none of them is the user's fault in a
        # way they could act on except by saving the file again.
        raise XLSFormError(
            [_("This file could not be read as a spreadsheet. Save it again as .xlsx.")]
        ) from None
    xml_form_id, version, title = _xform_read(result.xform)
    if not xml_form_id:
        raise XLSFormError([_("The form has no id: set form_id on the settings sheet.")])
    media = sorted(set(_MEDIA.findall(result.xform)))
    return ConvertedForm(
        xml_form_id=xml_form_id,
        version=version,
        title=title or xml_form_id,
        xform=result.xform,
        warnings=[_message_translate(w) for w in [*warnings, *(result.warnings or [])]],
        media=media,
    )
