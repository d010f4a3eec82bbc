"""Password rules per NIST SP 800-63B: length, a blocklist, no composition rules."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

from django.contrib.auth.password_validation import CommonPasswordValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

_LOCAL_LIST = Path(__file__).resolve().parent / "data" / "local-common-passwords.txt"


class MaximumLengthValidator:
    def __init__(self, max_length: int = 128) -> None:
        self.max_length = max_length

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) > self.max_length:
            raise ValidationError(
                ngettext(
                    "This password is too long. It may have at most %(max_length)d character.",
                    "This password is too long. It may have at most %(max_length)d characters.",
                    self.max_length,
                ),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self) -> str:
        return _("Your password may have up to %(max_length)d characters.") % {"max_length": self.max_length}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip()


class BreachedPasswordValidator(CommonPasswordValidator):
    """Django's offline list of 20,000 passwords seen in breaches, plus local ones.

    The local list adds Albanian and French favourites and the names of this
    programme (kujdes, caritas...), compared without case or diacritics.
    """

    def __init__(self) -> None:
        super().__init__()
        local = _LOCAL_LIST.read_text(encoding="utf-8").splitlines()
        self.local_passwords = {_fold(line) for line in local if line.strip() and not line.startswith("#")}

    def validate(self, password: str, user: Any = None) -> None:
        folded = _fold(password)
        stripped = folded.rstrip("0123456789!.?@#*_- ")
        if folded in self.passwords or folded in self.local_passwords or stripped in self.local_passwords:
            raise ValidationError(
                _("This password is on a list of passwords known to attackers. Choose another one."),
                code="password_too_common",
            )

    def get_help_text(self) -> str:
        return _("Your password cannot be one that is commonly used or known from data breaches.")
