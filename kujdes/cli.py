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
    if (
        len(sys.argv) > 1
        and sys.argv[1] == "migrate"
        and not any(a.startswith("--database") for a in sys.argv)
    ):
        # The key store is a database of its own: migrate it too.
        execute_from_command_line([*sys.argv, "--database", "keys"])


if __name__ == "__main__":
    main()
