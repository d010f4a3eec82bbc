"""`kujdes translations`: each offered language's catalogue, how much of it is translated and reviewed."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from kujdes.core.languages import catalogue_state


class Command(BaseCommand):
    help = (
        "Each offered language: messages, translated, marked reviewed, and whether the language is reviewed."
    )
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{'language':<14}{'messages':>9}{'translated':>11}{'reviewed':>9}  state")
        for code, name in settings.LANGUAGES:
            state = catalogue_state(code)
            label = "reviewed" if state.reviewed else "not yet reviewed"
            counts = f"{state.messages:>9}{state.translated:>11}{state.strings_reviewed:>9}"
            self.stdout.write(f"{code + ' ' + name:<14}{counts}  {label}")
