from __future__ import annotations

from django.apps import AppConfig


class CrossBorderConfig(AppConfig):
    name = "kujdes.network.crossborder"
    label = "network_crossborder"
    default_auto_field = "django.db.models.BigAutoField"
    verbose_name = "Cross-border referrals"

    def ready(self) -> None:
        # Earlier rooms call later ones only through these registries (DESIGN.md §3 layers).
        from kujdes.cases.choices import ApprovalKind
        from kujdes.cases.services import approval_hook_register
        from kujdes.core.panels import panel_register
        from kujdes.network.crossborder import federation  # noqa: F401 — the package handlers
        from kujdes.network.crossborder.services import approval_decided, consent_withdrawn
        from kujdes.network.crossborder.views import case_panel, person_panel
        from kujdes.people.consent import withdrawal_hook_register

        panel_register(page="case", order=65, render=case_panel)
        panel_register(page="person", order=5, render=person_panel)
        approval_hook_register(kind=ApprovalKind.REFERRAL_ABROAD, hook=approval_decided)
        withdrawal_hook_register(consent_withdrawn)
