from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from kujdes.core.scoping import system_scope
from kujdes.people.retention import retention_due_list


class Command(BaseCommand):
    help = "The daily retention task: list records past their retention period for the protection officers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("action", choices=["due"])

    def handle(self, *args: Any, **options: Any) -> None:
        with system_scope():
            created = retention_due_list()
        self.stdout.write(f"{created} newly due for a decision.")
