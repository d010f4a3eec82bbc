from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "kujdes.cases"
    label = "cases"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from kujdes.cases import panels_work

        panels_work.register()
