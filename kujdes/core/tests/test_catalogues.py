"""Every language the installation offers has a complete interface catalogue: no message missing, none
fuzzy, and the compiled catalogue is the one of the source (a `.po` edited but not compiled shows
English on the pages)."""

from __future__ import annotations

import gettext
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "kujdes" / "locale"
MSGFMT = shutil.which("msgfmt")

pytestmark = pytest.mark.skipif(MSGFMT is None, reason="msgfmt (Debian package gettext) is not installed")


def _statistics(po: Path) -> str:
    done = subprocess.run(  # noqa: S603 — gettext's msgfmt on our own catalogues
        [MSGFMT, "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_each_offered_language_has_a_complete_catalogue(language: str) -> None:
    po = LOCALE / language.replace("-", "_") / "LC_MESSAGES" / "django.po"
    assert po.is_file(), f"{language} is offered but has no catalogue"
    statistics = _statistics(po)
    assert "untranslated" not in statistics, f"{language}: {statistics.strip()}"
    assert "fuzzy" not in statistics, f"{language}: {statistics.strip()}"


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_each_compiled_catalogue_holds_what_its_source_says(language: str, tmp_path: Path) -> None:
    messages = LOCALE / language.replace("-", "_") / "LC_MESSAGES"
    fresh = tmp_path / "django.mo"
    subprocess.run([MSGFMT, "-o", str(fresh), str(messages / "django.po")], check=True)  # noqa: S603
    with (messages / "django.mo").open("rb") as committed, fresh.open("rb") as compiled:
        shipped, expected = gettext.GNUTranslations(committed), gettext.GNUTranslations(compiled)
    assert shipped._catalog == expected._catalog, f"{language}: the .mo is stale, run make messages"  # type: ignore[attr-defined]
