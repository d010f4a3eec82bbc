"""Encrypted backups of the data database and stored files, and their restore.

A backup is a tar (manifest, database snapshot, stored files) encrypted to a
backup public key: X25519 with an ephemeral key, HKDF-SHA256, then AES-256-GCM
over 1 MiB chunks whose associated data marks the last one (a truncated file
is refused). The private key stays off the server; the key store and the
master key are not in the backup, by design: a person erased after the backup
was taken stays erased when it is restored (see docs/data-protection.md).
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from base64 import b64decode, b64encode
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import connections
from django.utils import timezone

MAGIC = b"KUJDES-BACKUP-1\n"
CHUNK = 1024 * 1024
_LAST, _MORE = b"last", b"more"


class BackupError(Exception):
    pass


# --- keys and the encrypted container -------------------------------------------


def backup_keypair_create(*, private_key_file: Path) -> str:
    """Write a new private key file (0600); return the public key to configure on the server."""
    private = X25519PrivateKey.generate()
    raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    descriptor = os.open(private_key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(b64encode(raw).decode() + "\n")
    return _public_text(private.public_key())


def _public_text(public: X25519PublicKey) -> str:
    return b64encode(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()


def _derive(shared: bytes, salt: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    info = b"kujdes backup v1|" + ephemeral + recipient
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(shared)


def encrypt_stream(*, source: IO[bytes], target: IO[bytes], public_key: str) -> None:
    try:
        recipient = X25519PublicKey.from_public_bytes(b64decode(public_key))
    except ValueError:
        raise BackupError("The backup public key is not valid.") from None
    ephemeral = X25519PrivateKey.generate()
    ephemeral_raw = ephemeral.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    recipient_raw = recipient.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    salt = os.urandom(16)
    aead = AESGCM(_derive(ephemeral.exchange(recipient), salt, ephemeral_raw, recipient_raw))
    target.write(MAGIC + ephemeral_raw + salt)
    counter = 0
    chunk = source.read(CHUNK)
    while True:
        following = source.read(CHUNK)
        flag = _MORE if following else _LAST
        sealed = aead.encrypt(counter.to_bytes(12, "big"), chunk, flag)
        target.write(len(sealed).to_bytes(4, "big") + sealed)
        if not following:
            return
        chunk, counter = following, counter + 1


def decrypt_stream(*, source: IO[bytes], target: IO[bytes], private_key: str) -> None:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("This is not a Kujdes backup.")
    private = X25519PrivateKey.from_private_bytes(b64decode(private_key))
    ephemeral_raw, salt = source.read(32), source.read(16)
    recipient_raw = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_raw))
    aead = AESGCM(_derive(shared, salt, ephemeral_raw, recipient_raw))
    counter = 0
    while True:
        header = source.read(4)
        if len(header) < 4:
            raise BackupError("The backup is truncated.")
        sealed = source.read(int.from_bytes(header, "big"))
        for flag in (_LAST, _MORE):
            try:
                plain = aead.decrypt(counter.to_bytes(12, "big"), sealed, flag)
            except Exception:  # noqa: BLE001, S112 - try the other flag, then fail below
                continue
            target.write(plain)
            if flag == _LAST:
                if source.read(1):
                    raise BackupError("The backup has data after its end.")
                return
            break
        else:
            raise BackupError("The backup does not open with this key, or it was altered.")
        counter += 1


# --- what goes in ---------------------------------------------------------------


def _pg_environment(database: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    args = ["--dbname", database["NAME"]]
    if database.get("HOST"):
        args += ["--host", database["HOST"]]
    if database.get("PORT"):
        args += ["--port", str(database["PORT"])]
    if database.get("USER"):
        args += ["--username", database["USER"]]
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return args, env


def _database_snapshot(directory: Path) -> str:
    connection = connections["default"]
    database = connection.settings_dict
    if connection.vendor == "sqlite":
        target = directory / "database.sqlite3"
        connection.ensure_connection()
        with sqlite3.connect(target) as copy:
            connection.connection.backup(copy)  # an online, consistent copy
        return target.name
    if connection.vendor == "postgresql":
        target = directory / "database.pgdump"
        args, env = _pg_environment(database)
        subprocess.run(  # noqa: S603 - fixed program, arguments from settings
            ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *args],
            check=True,
            env=env,
        )
        return target.name
    raise BackupError(f"Backups of {connection.vendor} are not supported.")


def _media_files() -> Iterator[Path]:
    media = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
    if media.exists():
        yield from (path for path in sorted(media.rglob("*")) if path.is_file())


def backup_create(*, output: Path, public_key: str) -> dict[str, Any]:
    """Snapshot the data database and stored files into one encrypted file."""
    from kujdes.core.audit import audit_chain_head
    from kujdes.core.models import Organisation
    from kujdes.core.scoping import system_scope

    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        database_file = _database_snapshot(directory)
        with system_scope():
            heads = {
                org.code: list(audit_chain_head(organisation_id=org.pk)) for org in Organisation.objects.all()
            }
        manifest = {
            "format": 1,
            "created_at": timezone.now().isoformat(),
            "engine": connections["default"].vendor,
            "database": database_file,
            "audit_heads": heads,
        }
        archive = directory / "backup.tar"
        media = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
        with tarfile.open(archive, "w") as tar:
            data = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
            tar.add(directory / database_file, arcname=database_file)
            for path in _media_files():
                tar.add(path, arcname=f"media/{path.relative_to(media)}")
        partial = output.with_name(output.name + ".part")
        with archive.open("rb") as source, partial.open("wb") as target:
            encrypt_stream(source=source, target=target, public_key=public_key)
        partial.replace(output)
    return manifest


def restore_into_empty(*, backup: Path, private_key: str) -> dict[str, Any]:
    """Restore a backup into an installation whose data database is empty."""
    from django.db import connection

    tables = set(connection.introspection.table_names())
    if "core_organisation" in tables:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM core_organisation")
            if cursor.fetchone()[0]:
                raise BackupError("This installation holds data; restore only into an empty one.")
    with tempfile.TemporaryDirectory() as temp:
        directory = Path(temp)
        archive = directory / "backup.tar"
        with backup.open("rb") as source, archive.open("wb") as target:
            decrypt_stream(source=source, target=target, private_key=private_key)
        with tarfile.open(archive) as tar:
            tar.extractall(directory / "content", filter="data")
        content = directory / "content"
        manifest = json.loads((content / "manifest.json").read_text())
        if manifest["engine"] != connection.vendor:
            raise BackupError(f"This backup is of {manifest['engine']}, not {connection.vendor}.")
        if connection.vendor == "sqlite":
            connection.close()
            with (
                sqlite3.connect(content / manifest["database"]) as source_db,
                sqlite3.connect(connection.settings_dict["NAME"]) as target_db,
            ):
                source_db.backup(target_db)
        else:
            if tables:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
                    )
                    if cursor.fetchone()[0]:
                        raise BackupError("Restore PostgreSQL backups into an empty database (no tables).")
            args, env = _pg_environment(connection.settings_dict)
            subprocess.run(  # noqa: S603 - fixed program, arguments from settings
                [
                    "pg_restore",
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    *args,
                    str(content / manifest["database"]),
                ],
                check=True,
                env=env,
            )
            from kujdes.core.rls import rls_policies_apply, runtime_role_grant

            rls_policies_apply(connection)
            if settings.DB_APP_ROLE:
                runtime_role_grant(connection, settings.DB_APP_ROLE)
        media_source = content / "media"
        if media_source.exists():
            media = Path(settings.STORAGES["default"]["OPTIONS"]["location"])
            shutil.copytree(media_source, media, dirs_exist_ok=True)
    return manifest
