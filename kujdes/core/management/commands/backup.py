from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from kujdes.core.backup import BackupError, backup_create, backup_keypair_create


class Command(BaseCommand):
    help = "Write an encrypted backup of the data and stored files, or create a backup key pair."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", type=Path, help="the backup file to write")
        parser.add_argument("--public-key", help="backup public key (default: KUJDES_BACKUP_PUBLIC_KEY)")
        parser.add_argument(
            "--new-key",
            type=Path,
            metavar="PRIVATE_KEY_FILE",
            help="create a key pair: write the private key here, print the public key",
        )

    def handle(
        self, *args: Any, output: Path | None, public_key: str | None, new_key: Path | None, **options: Any
    ) -> None:
        if new_key is not None:
            if new_key.exists():
                raise CommandError(f"{new_key} exists already; it was left untouched.")
            public = backup_keypair_create(private_key_file=new_key)
            self.stderr.write(f"Private key written to {new_key}: keep it off this server, offline.")
            self.stdout.write(public)
            return
        if output is None:
            raise CommandError("Give --output FILE (or --new-key to create a key pair).")
        public_key = public_key or os.environ.get("KUJDES_BACKUP_PUBLIC_KEY", "")
        if not public_key:
            raise CommandError("No backup public key: set KUJDES_BACKUP_PUBLIC_KEY or pass --public-key.")
        try:
            manifest = backup_create(output=output, public_key=public_key)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Backup written to {output} ({output.stat().st_size} bytes, {manifest['engine']})."
        )
