from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "kujdes.cases"
    label = "cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.cases import panels_work, views
        from kujdes.cases.services import case_merge_hook
        from kujdes.core.panels import panel_register
        from kujdes.people.services import merge_hook_register

        panels_work.register()
        panel_register(page="person", order=30, render=views.person_cases_panel)
        merge_hook_register(case_merge_hook)
