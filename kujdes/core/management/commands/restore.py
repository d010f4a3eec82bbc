from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kujdes.core.backup import BackupError, restore_into_empty


class Command(BaseCommand):
    help = "Restore an encrypted backup into an empty installation."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("backup", type=Path)
        parser.add_argument("--private-key", type=Path, required=True, help="the backup private key file")

    def handle(self, *args: Any, backup: Path, private_key: Path, **options: Any) -> None:
        try:
            manifest = restore_into_empty(
                backup=backup, private_key=private_key.read_text(encoding="ascii").strip()
            )
        except (BackupError, OSError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Restored the backup of {manifest['created_at']}. Now run: kujdes audit verify")
