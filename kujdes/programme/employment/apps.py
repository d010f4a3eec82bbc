from __future__ import annotations

from django.apps import AppConfig


class EmploymentConfig(AppConfig):
    """The employment pathway: a sub-room of the programme (readiness, employers, placements, grants)."""

    name = "kujdes.programme.employment"
    label = "programme_employment"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.core.panels import panel_register
        from kujdes.programme.employment import panels, reminders
        from kujdes.programme.reminders import reminder_source_register

        panel_register(page="person", order=40, render=panels.person_panel)
        reminder_source_register(code="programme.employment", send=reminders.follow_up_reminders_send)
