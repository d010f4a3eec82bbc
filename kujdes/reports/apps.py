from __future__ import annotations

from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "kujdes.reports"
    label = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.reports.content import reports_content_register

        reports_content_register()  # on the page of which content lacks which language
