"""Content in every offered language: the fallback when a text lacks one, the edit fields, and the
organisation administrator's page of which content lacks which language.

Content is what an organisation (or Kujdes itself) writes, as opposed to the interface's catalogues:
activity types, the code of conduct, screening instruments, indicator names, consent texts read to a
person. Each keeps its texts as a map {language code: text}. A reader sees their own language, else the
organisation's default, else English, else the installation's default, else any text there is (a code
at worst: the caller's `fallback`).

Rooms that own content register a `ContentKind` in their AppConfig.ready() (core imports none of them,
DESIGN.md §3); the page `content_languages_view` asks each for the organisation's items and the
languages each item lacks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

if TYPE_CHECKING:
    from kujdes.core.models import Organisation


def offered_languages() -> list[str]:
    """The codes of the interface's languages, in the order the installation offers them."""
    return [code for code, _name in settings.LANGUAGES]


def language_name(code: str) -> str:
    """A language named in itself (العربية, Հայերեն), as the language menu names it."""
    return dict(settings.LANGUAGES).get(code, code)


def language_is_rtl(code: str) -> bool:
    try:
        return bool(get_language_info(code)["bidi"])
    except KeyError:
        return False


def content_text(
    texts: Mapping[str, str] | None,
    language: str | None = None,
    *,
    default_language: str | Callable[[], str | None] | None = None,
    fallback: str = "",
) -> str:
    """The text of `texts` for a reader of `language` (the active language when None).

    Falls back to the organisation's default language (a code, or a callable asked only when the
    reader's language is missing, so that a lookup costs nothing when it is not needed), then English,
    then the installation's default, then any text, then `fallback`."""
    if not texts:
        return fallback
    language = (language or get_language() or settings.LANGUAGE_CODE).split("-")[0]
    if texts.get(language):
        return texts[language]
    default = default_language() if callable(default_language) else default_language
    for code in (default, "en", settings.LANGUAGE_CODE):
        if code and texts.get(code):
            return texts[code]
    return next((text for text in texts.values() if text), fallback)


def content_missing(texts: Mapping[str, str] | None, languages: Iterable[str] | None = None) -> list[str]:
    """The offered languages (or `languages`) in which `texts` has no text, in the offered order."""
    texts = texts or {}
    return [code for code in (languages or offered_languages()) if not (texts.get(code) or "").strip()]


# --- edit forms: one field per offered language ------------------------------------------------------


def language_fields_add(
    form: forms.Form,
    *,
    prefix: str,
    label: Callable[[str], str],
    required_language: str | None,
    initial: Mapping[str, str] | None = None,
    max_length: int = 120,
    textarea_rows: int = 0,
) -> list[str]:
    """Add one field per offered language to `form` (named `<prefix>_<code>`), the organisation's
    default language required and the others optional; every input has dir="auto" so that Arabic
    types right to left beside Albanian. Returns the field names, in order."""
    names = []
    for code in offered_languages():
        attrs = {"dir": "auto", "lang": code}
        widget: forms.Widget = (
            forms.Textarea(attrs={**attrs, "rows": textarea_rows})
            if textarea_rows
            else forms.TextInput(attrs)
        )
        name = f"{prefix}_{code}"
        form.fields[name] = forms.CharField(
            label=label(language_name(code)),
            max_length=max_length,
            required=code == required_language,
            widget=widget,
            initial=(initial or {}).get(code, ""),
        )
        names.append(name)
    return names


def language_fields_values(form: forms.Form, *, prefix: str) -> dict[str, str]:
    """The cleaned texts of `language_fields_add`'s fields: {code: text}, blanks left out."""
    values = {}
    for code in offered_languages():
        text = (form.cleaned_data.get(f"{prefix}_{code}") or "").strip()
        if text:
            values[code] = text
    return values


def organisation_language(organisation: Organisation | None) -> str:
    """The language an organisation's documents and required content are written in by default."""
    codes = offered_languages()
    chosen = getattr(organisation, "default_language", "") or settings.LANGUAGE_CODE
    return chosen if chosen in codes else settings.LANGUAGE_CODE


class DocumentLanguageForm(forms.Form):
    """The language a document (a referral letter, a certificate) is made in, chosen at generation."""

    language = forms.ChoiceField(label=_("Language of the document"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = list(settings.LANGUAGES)


def document_language(requested: str | None, *, default: str) -> str:
    """`requested` when it is an offered language, else `default` (itself checked)."""
    codes = offered_languages()
    if requested in codes:
        return str(requested)
    return default if default in codes else settings.LANGUAGE_CODE


# --- which content lacks which language ---------------------------------------------------------------


@dataclass(frozen=True)
class ContentItem:
    name: str
    missing: list[str]
    edit_url: str = ""


@dataclass(frozen=True)
class ContentKind:
    """A kind of content and how to list an organisation's items of it.

    `items(organisation)` returns the organisation's items (only its own: the page shows nothing of
    another organisation). `shipped` kinds are Kujdes' own texts, corrected in the source, not on a page.
    """

    code: str
    label: Any
    order: int
    items: Callable[[Organisation], list[ContentItem]]
    shipped: bool = False
    note: Any = ""
    # Gives an organisation's copy of shipped content the shipped texts of the languages it lacks,
    # never replacing one it wrote; returns how many items gained a language (`kujdes content
    # translations install`).
    install: Callable[[int], int] | None = None


_KINDS: list[ContentKind] = []


def content_kind_register(kind: ContentKind) -> None:
    if any(k.code == kind.code for k in _KINDS):
        return  # ready() may run twice in tests
    _KINDS.append(kind)


def content_kinds() -> list[ContentKind]:
    return sorted(_KINDS, key=lambda k: k.order)


def content_translations_install(*, organisation_id: int) -> dict[str, int]:
    """Every kind's shipped translations for one organisation: {kind code: items that gained one}."""
    return {kind.code: kind.install(organisation_id) for kind in content_kinds() if kind.install is not None}


@dataclass
class KindStatus:
    kind: ContentKind
    items: list[ContentItem]
    # language code → how many items lack it
    missing_counts: dict[str, int] = field(default_factory=dict)

    @property
    def cells(self) -> list[tuple[str, int]]:
        return list(self.missing_counts.items())

    @property
    def incomplete(self) -> list[ContentItem]:
        return [item for item in self.items if item.missing]


def content_status(*, organisation: Organisation) -> list[KindStatus]:
    """For each registered kind of content, the organisation's items and what each lacks."""
    languages = offered_languages()
    statuses = []
    for kind in content_kinds():
        items = kind.items(organisation)
        counts = {code: sum(1 for item in items if code in item.missing) for code in languages}
        statuses.append(KindStatus(kind=kind, items=items, missing_counts=counts))
    return statuses


@require_GET
def content_languages_view(request: HttpRequest) -> HttpResponse:
    """Which content lacks which language, for the organisation's administrator."""
    # Imported here: models import this module for `content_text`, and the selectors import models.
    from kujdes.core.roles import Perm
    from kujdes.core.selectors import organisations_for_actor

    organisation = (
        organisations_for_actor(actor=request.user, perm=Perm.ORGANISATION_CONFIGURE).order_by("pk").first()
    )
    if organisation is None:
        raise PermissionDenied
    languages = [(code, language_name(code)) for code in offered_languages()]
    return render(
        request,
        "core/content_languages.html",
        {
            "organisation": organisation,
            "languages": languages,
            "statuses": content_status(organisation=organisation),
            "default_language": organisation_language(organisation),
        },
    )
