from __future__ import annotations

from django.apps import AppConfig


class ExchangesConfig(AppConfig):
    name = "kujdes.network.exchanges"
    label = "network_exchanges"
    default_auto_field = "django.db.models.BigAutoField"
