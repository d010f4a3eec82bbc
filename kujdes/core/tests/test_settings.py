"""Settings come from the environment, strictly; production defaults are the safe ones."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kujdes.env import env_bool, env_int, env_str

REPO = Path(__file__).resolve().parents[3]


def run_kujdes(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """The `kujdes` command in a clean process with only these variables."""
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), "LANG": "C.UTF-8"}
    return subprocess.run(  # noqa: S603 - our own interpreter and module, fixed arguments
        [sys.executable, "-m", "kujdes", *args],
        cwd=REPO,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def production_env(var_dir: str) -> dict[str, str]:
    return {
        "KUJDES_SECRET_KEY": secrets.token_urlsafe(64),
        "KUJDES_ALLOWED_HOSTS": "kujdes.example.org",
        "KUJDES_VAR_DIR": var_dir,
        "DATABASE_URL": f"sqlite:///{var_dir}/db.sqlite3",
    }


def test_a_bad_boolean_stops_start_up_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUJDES_SOMETHING", "maybe")
    with pytest.raises(ImproperlyConfigured, match="KUJDES_SOMETHING"):
        env_bool("KUJDES_SOMETHING", False)


def test_a_bad_number_stops_start_up_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUJDES_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="KUJDES_NUMBER"):
        env_int("KUJDES_NUMBER", 1)
    monkeypatch.setenv("KUJDES_NUMBER", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("KUJDES_NUMBER", 5, minimum=1)


def test_a_secret_can_come_from_a_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret_file = tmp_path / "password"
    secret_file.write_text("s3cret value\n")
    monkeypatch.setenv("KUJDES_EMAIL_PASSWORD_FILE", str(secret_file))
    assert env_str("KUJDES_EMAIL_PASSWORD") == "s3cret value"
    monkeypatch.setenv("KUJDES_EMAIL_PASSWORD", "other")
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_str("KUJDES_EMAIL_PASSWORD")


def test_the_server_refuses_to_start_with_a_bad_value() -> None:
    with tempfile.TemporaryDirectory() as var_dir:
        result = run_kujdes("check", **production_env(var_dir), KUJDES_DEBUG="perhaps")
    assert result.returncode != 0
    assert "KUJDES_DEBUG" in result.stderr


def test_check_deploy_passes_with_production_settings() -> None:
    with tempfile.TemporaryDirectory() as var_dir:
        result = run_kujdes("check", "--deploy", "--fail-level", "WARNING", **production_env(var_dir))
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_defaults_are_safe() -> None:
    with tempfile.TemporaryDirectory() as var_dir:
        script = (
            "from django.conf import settings as s;"
            "print(s.DEBUG, s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE,"
            " s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0, s.SECURE_SSL_REDIRECT, s.ADMIN_ENABLED)"
        )
        result = run_kujdes("shell", "-v", "0", "-c", script, **production_env(var_dir))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "False",
        "__Host-kujdes_session",
        "__Host-kujdes_csrf",
        "True",
        "True",
        "True",
        "True",
        "False",
    ]
