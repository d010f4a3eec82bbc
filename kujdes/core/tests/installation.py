"""A Kujdes installation in a temporary folder, driven through the `kujdes` command like an operator."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


class Installation:
    """One Kujdes installation in a temporary folder, driven through the `kujdes` command."""

    def __init__(self, root: Path, database_url: str) -> None:
        self.root = root
        self.env = {
            "PATH": os.environ["PATH"],
            "HOME": str(root),
            "LANG": "C.UTF-8",
            "KUJDES_SECRET_KEY": secrets.token_urlsafe(64),
            "KUJDES_VAR_DIR": str(root / "var"),
            "KUJDES_KEY_DIR": str(root / "keys"),
            "KUJDES_HTTPS": "false",
            "KUJDES_EMAIL_BACKEND": "memory",
            "DATABASE_URL": database_url,
        }

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(  # noqa: S603 - our interpreter, our module
            [sys.executable, "-m", "kujdes", *args],
            cwd=REPO,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"kujdes {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def shell(self, code: str) -> str:
        return self.run("shell", "-v", "0", "-c", code).stdout


class TemporaryPostgresDatabase:
    """A fresh PostgreSQL database on `server` (default: beside DATABASE_URL's), dropped afterwards."""

    def __init__(self, prefix: str, *, server: str | None = None) -> None:
        self.name = f"{prefix}_{secrets.token_hex(4)}"
        self.base = server or os.environ["DATABASE_URL"].rsplit("/", 1)[0]
        self.url = f"{self.base}/{self.name}"

    def _psql(self, sql: str, *, check: bool = True) -> None:
        command = ["psql", "-X", "-q", f"{self.base}/postgres", "-c", sql]
        subprocess.run(command, check=check, capture_output=True)  # noqa: S603, S607

    def create(self) -> None:
        self._psql(f"CREATE DATABASE {self.name}")

    def drop(self) -> None:
        self._psql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)", check=False)

    def __enter__(self) -> TemporaryPostgresDatabase:
        self.create()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.drop()
