from __future__ import annotations

from django.apps import AppConfig


class MilestonesConfig(AppConfig):
    name = "kujdes.network.milestones"
    label = "network_milestones"
    default_auto_field = "django.db.models.BigAutoField"
