from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    name = "kujdes.screening"
    label = "screening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.core.panels import panel_register
        from kujdes.screening.content import screening_content_register
        from kujdes.screening.views import person_screenings_panel

        panel_register(page="person", order=20, render=person_screenings_panel)
        screening_content_register()  # on the page of which content lacks which language
