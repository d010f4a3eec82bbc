"""The restore drill and crypto-shredding across backups, run as an operator would."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from kujdes.core.backup import BackupError, decrypt_stream, encrypt_stream
from kujdes.core.tests.installation import Installation, TemporaryPostgresDatabase

CREATE_PERSONS = """
from kujdes.core.models import Unit
from kujdes.core.scoping import system_scope
from kujdes.people.services import person_create
with system_scope():
    unit = Unit.objects.get(name="Arqidioqeza Shkodër-Pult")
    for name in ("Kept-7c1e", "Erased-93ab"):
        person_create(actor=None, unit=unit, given_name=name, family_name="Gjergji", phones=["0691112233"])
"""
ERASE_ONE = """
from kujdes.core.scoping import system_scope
from kujdes.people.models import Person
from kujdes.people.services import person_erase
with system_scope():
    person = next(p for p in Person.objects.all() if p.given_name == "Erased-93ab")
    person_erase(actor=None, person=person, reason_code="subject_request")
"""
READ_ALL = """
from kujdes.core.scoping import system_scope
from kujdes.people.models import Person
from kujdes.people.selectors import persons_with_keys
with system_scope():
    # The two persons of CREATE_PERSONS: the newest (the demo has persons of its own).
    people = persons_with_keys(list(Person.objects.order_by("-id")[:2]))
    print(sorted(str(p.given_name) for p in people))
"""


def drill(tmp_path: Path, database_url: str, wipe) -> None:  # type: ignore[no-untyped-def]
    site = Installation(tmp_path, database_url)
    site.run("keys", "init")
    site.run("migrate", "--no-input", "-v", "0")
    site.run("demo")
    site.shell(CREATE_PERSONS)
    public_key = site.run("backup", "--new-key", str(tmp_path / "backup.key")).stdout.strip()
    site.run("backup", "--output", str(tmp_path / "before.kjb"), "--public-key", public_key)
    assert b"Kept-7c1e" not in (tmp_path / "before.kjb").read_bytes()

    site.shell(ERASE_ONE)
    wipe()
    site.run("migrate", "--database", "keys", "-v", "0")  # the key store is kept, not restored
    site.run("restore", str(tmp_path / "before.kjb"), "--private-key", str(tmp_path / "backup.key"))

    # Every record is back, except what was erased after the backup: its key is gone.
    assert site.shell(READ_ALL).strip() == "['Kept-7c1e', 'None']"
    assert "chain intact" in site.run("audit", "verify").stdout


def test_the_restore_drill_on_sqlite(tmp_path: Path) -> None:
    database = tmp_path / "var" / "kujdes.sqlite3"
    drill(tmp_path, f"sqlite:///{database}", wipe=lambda: database.unlink())


@pytest.mark.postgres_only
def test_the_restore_drill_on_postgresql(tmp_path: Path) -> None:
    with TemporaryPostgresDatabase("kujdes_drill") as database:

        def wipe() -> None:
            database.drop()
            database.create()

        drill(tmp_path, database.url, wipe)


def test_a_backup_opens_only_with_its_private_key_and_whole(tmp_path: Path) -> None:
    from kujdes.core.backup import backup_keypair_create

    public = backup_keypair_create(private_key_file=tmp_path / "one.key")
    backup_keypair_create(private_key_file=tmp_path / "two.key")
    payload = os.urandom(3 * 1024 * 1024 + 17)
    sealed = io.BytesIO()
    encrypt_stream(source=io.BytesIO(payload), target=sealed, public_key=public)
    opened = io.BytesIO()
    decrypt_stream(
        source=io.BytesIO(sealed.getvalue()), target=opened, private_key=(tmp_path / "one.key").read_text()
    )
    assert opened.getvalue() == payload
    with pytest.raises(BackupError):
        decrypt_stream(
            source=io.BytesIO(sealed.getvalue()),
            target=io.BytesIO(),
            private_key=(tmp_path / "two.key").read_text(),
        )
    truncated = sealed.getvalue()[: len(sealed.getvalue()) - 1024 * 1024]
    with pytest.raises(BackupError):
        decrypt_stream(
            source=io.BytesIO(truncated), target=io.BytesIO(), private_key=(tmp_path / "one.key").read_text()
        )
