"""Every page in a pseudo-language: English left on a page is a string nobody marked for translation.

The test builds, at test time, a catalogue in which every message of the interface (kujdes/locale/en and
the allauth strings of kujdes/locale_vendor/sq) reads "⟦Ŝáví çháñgéš⟧": accented, between brackets, with
its placeholders and HTML kept. It compiles it with msgfmt for Esperanto ("eo", a language Django knows
and translates its own strings into, and that Kujdes does not offer), and asks every page of the route
matrix (kujdes/core/tests/test_route_matrix.py) in it, as the first role the matrix expects to see it.
Whatever visible text (and title, label, placeholder, alt) is left outside the brackets and holds two or
more English words in a row from the catalogue's vocabulary is a finding. Names, codes, numbers and the
test world's own data (the strings stored in its rows) are not flagged.

The pages are shared between this file and test_pseudo_locale_shard1.py, so that a parallel run spreads
them over two workers.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import transaction
from django.test import SimpleTestCase, override_settings
from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.core.tests import test_route_matrix as matrix
from kujdes.core.tests.routes import SIGNED_IN, Route

PSEUDO = "eo"
OPEN, CLOSE = "⟦", "⟧"
MSGFMT = shutil.which("msgfmt")
LOCALE = Path(settings.BASE_DIR) / "kujdes"
SOURCES = (
    LOCALE / "locale" / "en" / "LC_MESSAGES" / "django.po",
    LOCALE / "locale_vendor" / "sq" / "LC_MESSAGES" / "django.po",
)
ARTIFACTS = Path(settings.BASE_DIR) / "var" / "test-artifacts" / "pseudo-locale"
# The pages are checked in this many shards (this file is shard 0).
SHARDS = 2

pytestmark = pytest.mark.skipif(MSGFMT is None, reason="msgfmt (Debian package gettext) is not installed")


# --- The pseudo catalogue ---------------------------------------------------------------------------

_ACCENTED = str.maketrans(
    "aceinosuyzACEINOSUYZ",
    "áçéíñóšúýžÁÇÉÍÑÓŠÚÝŽ",
)
# What a translation must keep as it is: printf and brace placeholders, HTML tags, entities.
_KEEP = re.compile(
    r"%\([^)]+\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]"
    r"|%[-#0+]*\d*(?:\.\d+)?[sdifrxXeEgGc%]"
    r"|\{[^{}]*\}"
    r"|<[^>]*>"
    r"|&#?\w+;"
)


def pseudo(text: str) -> str:
    """`text` accented and bracketed, its placeholders, tags and entities untouched."""
    if not text:
        return text
    parts, last = [], 0
    for match in _KEEP.finditer(text):
        parts.append(text[last : match.start()].translate(_ACCENTED))
        parts.append(match.group(0))
        last = match.end()
    parts.append(text[last:].translate(_ACCENTED))
    return f"{OPEN}{''.join(parts)}{CLOSE}"


@dataclass(frozen=True)
class Message:
    context: str | None
    singular: str
    plural: str | None


_FIELD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+"(.*)"$')


def _unquote(text: str) -> str:
    return re.sub(r'\\(["\\nt])', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), text)


def _quote(text: str) -> str:
    return (
        '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t") + '"'
    )


def catalogue_messages(path: Path) -> list[Message]:
    """The messages of a .po file (obsolete ones left out; the header too)."""
    messages = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        fields: dict[str, str] = {}
        current = None
        for line in block.splitlines():
            if line.startswith("#"):
                continue
            match = _FIELD.match(line)
            if match:
                current = match.group(1)
                fields[current] = _unquote(match.group(2))
            elif line.startswith('"') and current is not None:
                fields[current] += _unquote(line.strip()[1:-1])
        if fields.get("msgid"):
            messages.append(Message(fields.get("msgctxt"), fields["msgid"], fields.get("msgid_plural")))
    return messages


def pseudo_catalogue_write(folder: Path) -> list[Message]:
    """Writes and compiles the pseudo catalogue under folder/eo/LC_MESSAGES; returns its messages."""
    messages = {(m.context, m.singular): m for path in SOURCES for m in catalogue_messages(path)}
    lines = [
        'msgid ""',
        'msgstr ""',
        '"Content-Type: text/plain; charset=UTF-8\\n"',
        f'"Language: {PSEUDO}\\n"',
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
        "",
    ]
    for message in messages.values():
        if message.context is not None:
            lines.append(f"msgctxt {_quote(message.context)}")
        lines.append(f"msgid {_quote(message.singular)}")
        if message.plural is None:
            lines.append(f"msgstr {_quote(pseudo(message.singular))}")
        else:
            lines.append(f"msgid_plural {_quote(message.plural)}")
            lines.append(f"msgstr[0] {_quote(pseudo(message.singular))}")
            lines.append(f"msgstr[1] {_quote(pseudo(message.plural))}")
        lines.append("")
    target = folder / PSEUDO / "LC_MESSAGES"
    target.mkdir(parents=True)
    (target / "django.po").write_text("\n".join(lines), encoding="utf-8")
    subprocess.run(  # noqa: S603 — gettext's msgfmt on the catalogue just written
        [MSGFMT, "--check-format", "-o", str(target / "django.mo"), str(target / "django.po")], check=True
    )
    return list(messages.values())


def vocabulary(messages: list[Message]) -> set[str]:
    """The English words of the interface (lower case), placeholders and tags left out."""
    words: set[str] = set()
    for message in messages:
        for text in (message.singular, message.plural or ""):
            words.update(word.lower() for word in _WORD.findall(_KEEP.sub(" ", text)))
    return words


# --- Reading a page ------------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z]+(?:'[a-z]+)?")
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\S")
# Where a translated string cannot carry on: a bracket left open by a cut string stops here.
_BLOCKS = {
    "p", "li", "td", "th", "div", "h1", "h2", "h3", "h4", "h5", "h6", "title", "option", "label", "button",
    "dt", "dd", "legend", "caption", "summary", "section", "article", "header", "footer", "nav", "main",
    "form", "table", "tr", "ul", "ol", "dl", "br", "fieldset", "figcaption", "select", "textarea",
}  # fmt: skip
_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
_INVISIBLE = {"script", "style", "template", "code", "pre", "textarea"}


class _VisibleText(HTMLParser):
    """The page's text as runs a reader sees, each run a block's text; attributes apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs: list[str] = [""]
        self.attributes: list[str] = []
        self.hidden = 0
        # The tags that opened a hidden stretch (scripts, code, and what is marked translate="no":
        # machine data shown as it is, such as an audit event's details).
        self.closing: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _INVISIBLE or ("translate", "no") in attrs:
            self.hidden += 1
            self.closing.append(tag)
        if tag in _BLOCKS:
            self.runs.append("")
        values = dict(attrs)
        self.attributes += [value for name, value in attrs if name in _ATTRIBUTES and value]
        if tag == "input" and values.get("type") in {"submit", "button"} and values.get("value"):
            self.attributes.append(values["value"] or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if self.closing and self.closing[-1] == tag:
            self.closing.pop()
            self.hidden -= 1
        if tag in _BLOCKS:
            self.runs.append("")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.runs[-1] += data


def outside_brackets(text: str) -> str:
    """The text with every bracketed (translated) part taken out, nested ones included."""
    kept, depth = [], 0
    for char in text:
        if char == OPEN:
            depth += 1
            kept.append(" ")
        elif char == CLOSE and depth:
            depth -= 1
            kept.append(" ")
        elif depth == 0:
            kept.append(char)
    return "".join(kept)


def english_runs(text: str, *, words: set[str]) -> list[list[str]]:
    """Runs of two or more words of the vocabulary in a row, only spaces and commas between them."""
    runs: list[list[str]] = []
    current: list[str] = []
    for token in _TOKEN.findall(text):
        if token.isascii() and token.isalpha() and token.lower() in words:
            current.append(token)
        elif token == ",":
            continue
        else:
            if len(current) >= 2:
                runs.append(current)
            current = []
    if len(current) >= 2:
        runs.append(current)
    return runs


def normalised(text: str) -> str:
    """Lower-case words only, one space apart: how a run is compared with the known data and content."""
    return " ".join(_TOKEN_WORD.findall(text.lower()))


_TOKEN_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?")


def uncovered(run: list[str], *, known: str) -> list[str]:
    """The parts of a run (two words or more) that no stretch of the known text accounts for: a run that
    strings together two data values (two indicator names, "Org AL" beside "Org FR") is not English."""
    covered = [False] * len(run)
    for start in range(len(run)):
        for end in range(len(run), start, -1):
            phrase = " ".join(run[start:end]).lower()
            # A single word counts as data only when it is a whole value (a user name), or the end or
            # the start of one cut by a number ("… held at 12 months" beside "Micro-enterprises …"),
            # not any word.
            single = end - start == 1
            if (
                (not single and f" {phrase} " in known)
                or f"| {phrase} |" in known
                or (single and (f" {phrase} |" in known or f"| {phrase} " in known))
            ):
                covered[start:end] = [True] * (end - start)
                break
    parts, current = [], []
    for word, is_covered in zip(run, covered, strict=True):
        if is_covered:
            if len(current) >= 2:
                parts.append(" ".join(current))
            current = []
        else:
            current.append(word)
    if len(current) >= 2:
        parts.append(" ".join(current))
    return parts


def untranslated_english(html: str, *, words: set[str], known: str) -> list[str]:
    """`known`: the data and content the page may show untranslated, as from `known_text`."""
    parser = _VisibleText()
    parser.feed(html)
    found = []
    for text in [*parser.runs, *parser.attributes]:
        for run in english_runs(outside_brackets(text), words=words):
            found += uncovered(run, known=known)
    return found


def known_text(strings: set[str]) -> str:
    """Strings joined for a word-bounded search: " a b | c d "."""
    return " | ".join(["", *(normalised(string) for string in strings), ""])


# --- The test world's own data --------------------------------------------------------------------

_DATA_FIELDS = ("CharField", "TextField", "SlugField")


def stored_strings() -> set[str]:
    """Every string kept in the test world's rows (lower case): data, not interface, when it shows."""
    from django.apps import apps
    from django.db import router

    strings: set[str] = set()
    with system_scope():
        for model in apps.get_models():
            if router.db_for_read(model) != "default" or not model._meta.managed:
                continue
            names = [f.attname for f in model._meta.concrete_fields if f.get_internal_type() in _DATA_FIELDS]
            if not names:
                continue
            for row in model._base_manager.using("default").values_list(*names):
                strings.update(str(value).lower() for value in row if value and isinstance(value, str))
    return strings


# Content with its own translations (DESIGN.md: translated content, L1's rooms): indicator names and
# definitions, screening instruments, economic sectors, consent texts, the volunteers' curriculum. A
# language without its translation shows the English, by design; they are not interface strings.
CONTENT_SOURCES = (
    "reports/indicators.toml",
    "programme/volunteers/curriculum.toml",
    "programme/employment/data/*.csv",
    "screening/data/*.csv",
    "screening/shipped.py",
    "screening/shipped_translations.py",
    "people/consent_texts.py",
    "core/data/*.csv",
    "network/data/*.csv",
)


def content_strings() -> set[str]:
    """The content files whole, and each quoted value in them on its own (an indicator's name), so that
    a value's first and last words are known as such."""
    texts = {path.read_text(encoding="utf-8") for pattern in CONTENT_SOURCES for path in LOCALE.glob(pattern)}
    return texts | {value for text in texts for value in re.findall(r'"([^"\n]+)"', text)}


# --- The pages -----------------------------------------------------------------------------------------


def pages() -> list[tuple[str, Route, tuple[str | None, ...]]]:
    """Every GET page of the matrix (not the JSON API), with the actors expected to see it."""
    found = []
    for name, route in matrix.ROUTES.items():
        if route.method != "GET" or name.startswith("api:"):
            continue
        actors = tuple(
            actor
            for actor in (*SIGNED_IN, None)
            if 200 in (route.anonymous if actor is None else route.expect.get(actor, route.others))
        )
        if actors:
            found.append((name, route, actors))
    return found


class PseudoLocaleWorld(matrix.RouteWorld):
    """The route matrix's world, with the pseudo catalogue compiled and offered for its tests."""

    @classmethod
    def setUpClass(cls) -> None:
        folder = Path(tempfile.mkdtemp(prefix="kujdes-pseudo-"))
        cls.addClassCleanup(shutil.rmtree, folder, ignore_errors=True)
        cls.messages = pseudo_catalogue_write(folder)
        cls.words = vocabulary(cls.messages)
        cls.enterClassContext(
            override_settings(
                LANGUAGES=[*settings.LANGUAGES, (PSEUDO, "Pseudo")],
                LOCALE_PATHS=[folder, *settings.LOCALE_PATHS],
            )
        )
        # The middleware's set of offered languages is read once, at import.
        cls.enterClassContext(
            mock.patch("kujdes.core.middleware.LANGUAGE_CODES", {code for code, _ in settings.LANGUAGES})
        )
        super().setUpClass()
        cls.known = known_text(stored_strings() | content_strings())

    def _pseudo_response(self, route: Route, name: str, actor: str | None):  # type: ignore[no-untyped-def]
        url = reverse(name, kwargs=route.kwargs(self))
        with transaction.atomic():
            self.client.logout()
            if actor is not None:
                self.login(getattr(self, actor))
            self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = PSEUDO
            response = self.client.get(url, data=route.data or None, HTTP_ACCEPT_LANGUAGE=PSEUDO)
            transaction.set_rollback(True)
        return response

    def pages_check(self, shard: int) -> None:
        """No page of this shard shows English outside the pseudo catalogue's brackets."""
        findings: list[str] = []
        checked = 0
        for index, (name, route, actors) in enumerate(pages()):
            if index % SHARDS != shard:
                continue
            for actor in actors:
                response = self._pseudo_response(route, name, actor)
                if response.status_code != 200 or not response.get("Content-Type", "").startswith(
                    "text/html"
                ):
                    continue  # a redirect for this actor (OK_OR_REDIRECT): the next one may see the page
                checked += 1
                self.assertEqual(response.get("Content-Language"), PSEUDO, name)
                html = response.content.decode()
                for run in untranslated_english(html, words=self.words, known=self.known):
                    findings.append(f"{name} (as {actor or 'anonymous'}): {run!r}")
                break
        self.assertGreater(checked, 20, "too few pages rendered to mean anything")
        report = "\n".join(sorted(set(findings)))
        # The whole list, for whoever fixes it (a long assertion message is cut by some runners).
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / f"findings-shard{shard}.txt").write_text(report + "\n", encoding="utf-8")
        self.assertEqual(findings, [], f"English outside the translation catalogue:\n{report}")


class PseudoCatalogueTests(SimpleTestCase):
    def test_a_message_is_bracketed_and_accented_with_its_placeholders_kept(self) -> None:
        self.assertEqual(
            pseudo('Signed in as %(name)s, <a href="/x">see</a> {count}'),
            '⟦Šígñéd íñ áš %(name)s, <a href="/x">šéé</a> {count}⟧',
        )

    def test_translated_text_is_not_english_but_a_missing_translation_is(self) -> None:
        words = {"save", "changes", "your", "roles", "signed", "in", "as"}
        html = (
            "<main><h1>⟦Ýóúr róléš⟧</h1><p>⟦Šíññéd íñ áš ⟦Árta⟧⟧</p>"
            '<button title="Save changes">⟦Šáve⟧</button><p>Your roles</p></main>'
        )
        self.assertEqual(
            untranslated_english(html, words=words, known=known_text(set())), ["Your roles", "Save changes"]
        )

    def test_data_and_single_words_are_not_flagged(self) -> None:
        words = {"national", "office", "save", "case"}
        html = "<p>National office</p><td>Save</td><p>Case 2026-001</p>"
        self.assertEqual(untranslated_english(html, words=words, known=known_text({"National office"})), [])

    def test_a_bracket_cut_short_does_not_hide_the_next_block(self) -> None:
        words = {"your", "roles", "save", "changes"}
        html = "<p>⟦Ýóúr róléš…</p><p>Save changes</p>"
        self.assertEqual(untranslated_english(html, words=words, known=known_text(set())), ["Save changes"])

    def test_data_values_side_by_side_are_not_english_but_words_between_them_are(self) -> None:
        words = {"org", "al", "fr", "cases", "opened", "closed", "shared", "with"}
        known = known_text({"Org AL", "Org FR", "Cases opened", "Cases closed"})
        self.assertEqual(untranslated_english("<p>Org AL Org FR</p>", words=words, known=known), [])
        self.assertEqual(
            untranslated_english("<p>Cases opened Cases closed</p>", words=words, known=known), []
        )
        self.assertEqual(
            untranslated_english("<p>Org AL shared with Org FR</p>", words=words, known=known),
            ["shared with"],
        )

    def test_what_is_marked_translate_no_is_data(self) -> None:
        words = {"status", "reason", "save", "changes"}
        html = '<td><span translate="no">status: closed, reason: moved</span> Save changes</td>'
        self.assertEqual(untranslated_english(html, words=words, known=known_text(set())), ["Save changes"])


class PseudoLocalePagesTests(PseudoLocaleWorld):
    def test_the_pseudo_catalogue_reaches_the_pages(self) -> None:
        self.login(self.alice)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = PSEUDO
        response = self.client.get(reverse("home"))
        self.assertContains(response, f'<html lang="{PSEUDO}"')
        self.assertContains(response, pseudo("Sign out"))

    def test_no_page_shows_untranslated_english(self) -> None:
        self.pages_check(0)

    def test_every_shard_has_its_test_file(self) -> None:
        import importlib

        for shard in range(1, SHARDS):
            module = importlib.import_module(f"kujdes.core.tests.test_pseudo_locale_shard{shard}")
            self.assertTrue(hasattr(module, f"PseudoLocaleShard{shard}Tests"))
