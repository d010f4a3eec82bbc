"""The forms Kujdes ships and the media files it generates for them.

A shipped form is an XLSForm built in code from the organisation's own configuration (its screening
instruments, its activity types): `shipped_form(xml_form_id)` registers a builder
`fn(organisation) -> bytes` (the .xlsx). A generated media file (a CSV for `select_one_from_file`)
is made for the unit a phone works at, when the phone asks for the manifest:
`generated_media(filename)` registers `fn(unit, user) -> bytes`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

FormBuilder = Callable[[Any], bytes]
MediaBuilder = Callable[[Any, Any], bytes]

SHIPPED_FORMS: dict[str, FormBuilder] = {}
GENERATED_MEDIA: dict[str, MediaBuilder] = {}


def shipped_form(xml_form_id: str) -> Callable[[FormBuilder], FormBuilder]:
    def register(fn: FormBuilder) -> FormBuilder:
        SHIPPED_FORMS[xml_form_id] = fn
        return fn

    return register


def generated_media(filename: str) -> Callable[[MediaBuilder], MediaBuilder]:
    def register(fn: MediaBuilder) -> MediaBuilder:
        GENERATED_MEDIA[filename] = fn
        return fn

    return register
