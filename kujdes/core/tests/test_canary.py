"""Canaries: unique strings in every identity field must appear nowhere in plain text.

Identity fields, consent texts, a screening's notes and answers, a trafficking event's place and
description, and a volunteer's phone number.

Not in the database files or a pg_dump, not in the key store, not in the logs,
not in what an unauthorised user or an error page gets back.
"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

import pytest

from kujdes.core.tests.installation import Installation, TemporaryPostgresDatabase
from kujdes.people.linkage.compare import Prepared
from kujdes.people.linkage.keys import record_keys

CANARIES = {
    "given_name": "Canarygiven7Q2",
    "family_name": "Canaryfamily9X4",
    "other_name": "Canaryalias3K8",
    "document": "CANARYDOC55173",
    "phone_digits": "738291",
    "address": "Canaryaddress Street 8Z1",
    "guardian": "Canaryguardian4M6",
    "override": "Canaryoverride2P9",
    "birth_date": "1911-11-11",
    "screening_notes": "Canaryscreeningnote6W3",
    "event_place": "Canaryplace Harbour 5T7",
    "event_description": "Canaryevent1H4",
    "volunteer_phone": "694817263",
}
# The linkage engine's blocking keys of the canary person (kujdes.people.linkage.keys): a phonetic
# skeleton and a sorted name pair are stored only as keyed digests, never as themselves.
_LINKAGE = Prepared(
    "", given_name=CANARIES["given_name"], surname=CANARIES["family_name"], dob=CANARIES["birth_date"]
)
CANARIES["linkage_skeleton"] = _LINKAGE.surname_skel
CANARIES["linkage_name_pair"] = record_keys(_LINKAGE)[1][0]

# Indicator codes answered in the canary screening. They are words of every instrument's definition,
# so they are looked for in the screenings' rows only, where they must never be readable.
SCREENING_ANSWERS = ("domestic_violence", "school_dropout", "absent_parents", "online_job_offer")

CREATE = f"""
import datetime
from kujdes.core.models import Unit
from kujdes.core.scoping import system_scope
from kujdes.people.consent import consent_record, consent_require
from kujdes.people.services import person_create
with system_scope():
    unit = Unit.objects.get(name="Arqidioqeza Shkodër-Pult")
    person = person_create(
        actor=None, unit=unit, given_name="{CANARIES["given_name"]}", family_name="{CANARIES["family_name"]}",
        other_names=["{CANARIES["other_name"]}"], date_of_birth=datetime.date(1911, 11, 11),
        id_documents=[{{"type": "passport", "number": "{CANARIES["document"]}"}}],
        phones=["+355 69 0{CANARIES["phone_digits"]}"], address="{CANARIES["address"]}",
    )
    from kujdes.accounts.models import User
    worker = User.objects.get(username="caseworker-shkoder")
    from django.db import transaction
    with transaction.atomic():
        consent_record(actor=worker, person=person, purpose="photos", given_by="guardian", method="oral",
                       given_on=datetime.date(2026, 1, 5), guardian_name="{CANARIES["guardian"]}")
        reason = "{CANARIES["override"]}"
        consent_require(actor=worker, person=person, purpose="referral", override_reason=reason)
    from kujdes.screening.models import Instrument
    from kujdes.screening.services import instruments_install, screening_record
    instruments_install(organisation=unit.organisation)
    screening_record(
        actor=worker, person=person, answers={list(SCREENING_ANSWERS)!r},
        instrument=Instrument.objects.get(organisation=unit.organisation, code="risk-prevention"),
        notes="{CANARIES["screening_notes"]}",
    )
    from kujdes.cases.services import case_create, trafficking_event_add
    case = case_create(actor=worker, person=person, unit=unit, case_type="victim_assistance",
                       opened_on=datetime.date(2026, 1, 5))
    trafficking_event_add(actor=worker, case=case, event_type="Exploitation", country="IT",
                          place="{CANARIES["event_place"]}", description="{CANARIES["event_description"]}")
    from kujdes.programme.services import volunteer_create
    volunteer_create(actor=User.objects.get(username="manager-shkoder"), unit=unit, given_name="Vullnet",
                     joined_on=datetime.date(2026, 1, 5), phone="+355 {CANARIES["volunteer_phone"]}")
"""

READ_BACK = """
from kujdes.core.scoping import system_scope
from kujdes.people.models import Person
from kujdes.programme.models import Volunteer
with system_scope():
    person = Person.objects.order_by("-id").first()  # the canary person, after the demo's
    print(person.given_name, person.address)
    screening = person.screenings.get()
    event = person.cases.get().events.get()
    print(screening.notes, *screening.answers, event.place, Volunteer.objects.order_by("-id").first().phone)
"""

PROBE_AS_OTHERS = """
from django.test import Client
from kujdes.accounts.models import User
client = Client(raise_request_exception=False)
bodies = []
for username in ("caseworker-tirane", "caseworker-fr", "dpo-al", "volunteer-shkoder"):
    client.force_login(User.objects.get(username=username))
    urls = ("/", "/api/v1/me", "/api/v1/units", "/organisation/audit/", "/no-such-page", "/api/v1/units/x")
    for url in urls:
        bodies.append(client.get(url, HTTP_HOST="127.0.0.1").content.decode(errors="replace"))
client.logout()
bodies.append(client.get("/accounts/login/", HTTP_HOST="127.0.0.1").content.decode())
print("\\n".join(bodies))
"""


# A canary of digits only also turns up by chance inside the database's hex digests (blind indexes,
# audit hashes, form hashes: a six-digit string is in about one of 300,000 of them), where it is not the
# plaintext. Such a match is inside a long run of token characters; a phone number never is.
TOKEN_CHARS = re.compile(r"[A-Za-z0-9+/=_-]")
TOKEN_RUN = 32


def _inside_a_token(text: str, start: int, end: int) -> bool:
    left = start
    while left > 0 and TOKEN_CHARS.match(text[left - 1]):
        left -= 1
    right = end
    while right < len(text) and TOKEN_CHARS.match(text[right]):
        right += 1
    return right - left >= TOKEN_RUN


def canary_found(canary: str, text: str) -> bool:
    lowered, needle = text.lower(), canary.lower()
    if not canary.isdigit():
        return needle in lowered
    return any(not _inside_a_token(text, m.start(), m.end()) for m in re.finditer(re.escape(needle), lowered))


def assert_no_canary(where: str, content: str | bytes) -> None:
    text = content.decode("utf-8", errors="replace") if isinstance(content, bytes) else content
    found = [name for name, canary in CANARIES.items() if canary_found(canary, text)]
    assert found == [], f"plaintext of {found} found in {where}"


def test_a_digit_canary_counts_in_a_phone_number_and_not_inside_a_digest() -> None:
    digits = CANARIES["phone_digits"]
    for plain in (f'"+355 69 0{digits}"', f"+355690{digits},", f"tel:0{digits}"):
        assert canary_found(digits, plain), plain
    digest = "9f2c" + digits + "a1b2c3d4e5f60718293a4b5c6d7e8f90aa11bb22cc33dd44ee55"
    assert not canary_found(digits, f'"{digest}"')


def assert_no_screening_answer(where: str, rows: str) -> None:
    """The screenings' rows (every column: answers, result, plain codes) name no indicator answered."""
    assert "screening" in where and rows.strip(), f"no screening rows read from {where}"
    found = [code for code in SCREENING_ANSWERS if code in rows]
    assert found == [], f"indicator codes {found} readable in {where}"


def pg_dump_table(dump: bytes, table: str) -> str:
    """The data lines of one table in a plain-format pg_dump (its COPY block)."""
    text = dump.decode("utf-8", errors="replace")
    start = text.index(f"COPY public.{table} ")
    return text[start : text.index("\\.\n", start)]


def run_canaries(tmp_path: Path, database_url: str) -> Installation:
    site = Installation(tmp_path, database_url)
    site.env["KUJDES_LOG_LEVEL"] = "DEBUG"
    outputs = [site.run("keys", "init"), site.run("migrate", "--no-input", "-v", "0"), site.run("demo")]
    outputs.append(site.run("shell", "-v", "0", "-c", CREATE))
    # The canaries are really stored, and readable by whoever may read them.
    readable = site.run("shell", "-v", "0", "-c", READ_BACK).stdout
    for name in ("given_name", "address", "screening_notes", "event_place", "volunteer_phone"):
        assert CANARIES[name] in readable, name
    assert all(code in readable for code in SCREENING_ANSWERS)
    probe = site.run("shell", "-v", "0", "-c", PROBE_AS_OTHERS)
    assert "Kujdes" in probe.stdout  # the probe did fetch pages
    assert_no_canary("responses to other users and error pages", probe.stdout)
    for result in [*outputs, probe]:
        assert_no_canary(f"the log of kujdes {result.args[3:5]}", result.stderr)
    for path in (tmp_path / "keys").rglob("*"):
        if path.is_file():
            assert_no_canary(str(path), path.read_bytes())
    return site


def test_no_plaintext_in_sqlite_files_logs_or_responses(tmp_path: Path) -> None:
    """Failed before issue 21's sealing with: plaintext of ['event_place', 'volunteer_phone'] found in
    …/kujdes.sqlite3 (and the screenings' rows then named the indicators answered)."""
    run_canaries(tmp_path, f"sqlite:///{tmp_path / 'var' / 'kujdes.sqlite3'}")
    files = [path for path in (tmp_path / "var").rglob("kujdes.sqlite3*") if path.is_file()]
    assert files
    for path in files:
        assert_no_canary(str(path), path.read_bytes())
    with sqlite3.connect(tmp_path / "var" / "kujdes.sqlite3") as database:
        rows = database.execute("SELECT * FROM screening_screening").fetchall()
    assert_no_screening_answer("the screening_screening table", "\n".join(map(repr, rows)))


@pytest.mark.postgres_only
def test_no_plaintext_in_a_pg_dump_logs_or_responses(tmp_path: Path) -> None:
    with TemporaryPostgresDatabase("kujdes_canary") as database:
        run_canaries(tmp_path, database.url)
        dump = subprocess.run(["pg_dump", database.url], check=True, capture_output=True).stdout  # noqa: S603, S607
        assert b"people_person" in dump
        assert_no_canary("pg_dump", dump)
        assert_no_screening_answer(
            "pg_dump's screening_screening", pg_dump_table(dump, "screening_screening")
        )
