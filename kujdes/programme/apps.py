from django.apps import AppConfig


class ProgrammeConfig(AppConfig):
    name = "kujdes.programme"
    label = "programme"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.core.panels import panel_register
        from kujdes.people.services import merge_hook_register
        from kujdes.programme.services import participations_merge
        from kujdes.programme.views import person_programme_panel

        # The person page (people room) lists the person's activities; people does not import programme.
        panel_register(page="person", order=50, render=person_programme_panel)
        merge_hook_register(participations_merge)
