"""Deployment checks added to `kujdes check --deploy`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def database_role_check(app_configs: Any, **kwargs: Any) -> list[Warning]:
    database = settings.DATABASES["default"]
    is_postgresql = database["ENGINE"] == "django.db.backends.postgresql"
    assumes_role = bool(database.get("OPTIONS", {}).get("assume_role"))
    if not is_postgresql or assumes_role or database.get("USER") not in (None, "", "postgres"):
        return []
    return [
        Warning(
            "The application connects to PostgreSQL as a superuser; row-level security does not bind it.",
            hint="Connect as the runtime role (KUJDES_DB_ROLE, or a DATABASE_URL user that owns nothing).",
            id="kujdes.W001",
        )
    ]


@register(Tags.security, deploy=True)
def debug_email_check(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.EMAIL_BACKEND.endswith("console.EmailBackend"):
        return [
            Warning(
                "E-mails (invitations, password resets) are printed to the console, not sent.",
                hint="Set KUJDES_EMAIL_BACKEND=smtp and the KUJDES_EMAIL_* variables.",
                id="kujdes.W002",
            )
        ]
    return []
