from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ExchangesConfig(AppConfig):
    """Exchanges and study visits between partners: participants, outcomes, follow-up actions, documents."""

    name = "kujdes.network.exchanges"
    label = "network_exchanges"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.core.panels import panel_register
        from kujdes.network.exchanges import panels, selectors, services
        from kujdes.network.measures import measure_register
        from kujdes.programme.reminders import reminder_source_register

        panel_register(page="network_dashboard", order=40, render=panels.dashboard_panel)
        panel_register(page="partner", order=40, render=panels.partner_panel)
        measure_register(
            code="exchanges_hosted",
            name=_("Exchanges hosted"),
            unit=_("exchanges"),
            compute=selectors.exchanges_hosted_count,
        )
        measure_register(
            code="exchange_participations",
            name=_("Staff participations in exchanges"),
            unit=_("participations"),
            compute=selectors.exchange_participations_count,
        )
        reminder_source_register(code="network.exchanges", send=services.follow_up_reminders_send)
