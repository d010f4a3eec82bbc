"""The `kujdes` command: Django's management commands with Kujdes' settings."""

from __future__ import annotations

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kujdes.settings")
    if len(sys.argv) > 1 and sys.argv[1] == "migrate":
        # Migrations run as the database owner, never as the runtime role.
        os.environ["KUJDES_MIGRATING"] = "1"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
