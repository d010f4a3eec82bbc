from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "kujdes.referrals"
    label = "referrals"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.core.panels import panel_register
        from kujdes.referrals.views import case_referrals_panel

        # The case page (cases room) lists the case's referrals; cases does not import referrals.
        panel_register(page="case", order=60, render=case_referrals_panel)
