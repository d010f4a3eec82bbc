"""Synthetic XLSForms and instances for the field-capture tests, and a client that speaks as ODK Collect."""

from __future__ import annotations

import io
import uuid
from typing import Any

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from kujdes.core.scoping import system_scope


def xlsform_bytes(
    *,
    form_id: str = "visit",
    version: str = "1",
    title: str = "Home visit",
    survey: list[list[Any]] | None = None,
    choices: list[list[Any]] | None = None,
    image: bool = False,
) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "survey"
    header = ["type", "name", "label", "media::image"] if image else ["type", "name", "label"]
    sheet.append(header)
    rows = survey or [["text", "village", "Village"], ["integer", "people", "People met"]]
    for row in rows:
        sheet.append(row)
    if image:
        sheet.append(["note", "logo", "Logo", "logo.png"])
    if choices:
        choice_sheet = book.create_sheet("choices")
        for row in choices:
            choice_sheet.append(row)
    settings = book.create_sheet("settings")
    settings.append(["form_id", "version", "form_title"])
    settings.append([form_id, version, title])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def instance_xml(
    *,
    form_id: str = "visit",
    version: str = "1",
    instance_id: str | None = None,
    deprecated_id: str | None = None,
    fields: dict[str, str] | None = None,
) -> bytes:
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    values = "".join(f"<{k}>{v}</{k}>" for k, v in (fields or {"village": "Theth", "people": "12"}).items())
    deprecated = f"<deprecatedID>{deprecated_id}</deprecatedID>" if deprecated_id else ""
    return (
        f'<?xml version="1.0"?><data xmlns:jr="http://openrosa.org/javarosa" '
        f'xmlns:orx="http://openrosa.org/xforms" id="{form_id}" version="{version}">'
        f"{values}<meta><instanceID>{instance_id}</instanceID>{deprecated}</meta></data>"
    ).encode()


def publish(
    *, data: bytes, units: list[Any], filename: str = "form.xlsx", roles: list[str] | None = None
) -> Any:
    from kujdes.fieldsync.services import form_publish

    with system_scope():
        return form_publish(actor=None, data=data, filename=filename, units=units, roles=roles)


class Collect:
    """Requests as ODK Collect makes them, through a device token."""

    def __init__(self, client: Client, token: str) -> None:
        self.client = client
        self.base = f"/openrosa/key/{token}/"

    def get(self, path: str, **extra: Any) -> Any:
        return self.client.get(self.base + path, HTTP_X_OPENROSA_VERSION="1.0", **extra)

    def head_submission(self) -> Any:
        return self.client.head(self.base + "submission", HTTP_X_OPENROSA_VERSION="1.0")

    def submit(
        self, xml: bytes | None, *, files: dict[str, bytes] | None = None, incomplete: bool = False
    ) -> Any:
        data: dict[str, Any] = {}
        if xml is not None:
            data["xml_submission_file"] = SimpleUploadedFile("submission.xml", xml, content_type="text/xml")
        for name, content in (files or {}).items():
            data[name] = SimpleUploadedFile(name, content, content_type="image/jpeg")
        if incomplete:
            data["*isIncomplete*"] = "yes"
        return self.client.post(self.base + "submission", data, HTTP_X_OPENROSA_VERSION="1.0")
