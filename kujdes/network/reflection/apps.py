from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReflectionConfig(AppConfig):
    """Common reflection on methods: working groups, meetings, decisions, actions, the methods register."""

    name = "kujdes.network.reflection"
    label = "network_reflection"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.core.panels import panel_register
        from kujdes.network.measures import measure_register
        from kujdes.network.reflection import panels, selectors, services
        from kujdes.programme.reminders import reminder_source_register

        reminder_source_register(code="network.reflection", send=services.action_reminders_send)
        panel_register(page="network_dashboard", order=50, render=panels.dashboard_panel)
        panel_register(page="partner", order=50, render=panels.partner_panel)
        measure_register(
            code="methods_applied",
            name=_("Common methods applied"),
            unit=_("methods"),
            compute=selectors.measure_methods_applied,
        )
        measure_register(
            code="network_meetings_attended",
            name=_("Network meetings attended"),
            unit=_("meetings"),
            compute=selectors.measure_meetings_attended,
        )
