from __future__ import annotations

from django.apps import AppConfig


class StakeholdersConfig(AppConfig):
    name = "kujdes.network.stakeholders"
    label = "network_stakeholders"
    default_auto_field = "django.db.models.BigAutoField"
