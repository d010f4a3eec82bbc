import importlib
import pkgutil

from django.apps import AppConfig


class FieldsyncConfig(AppConfig):
    name = "kujdes.fieldsync"
    label = "fieldsync"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Every module of kujdes.fieldsync.mapping registers its mappers (mapper_register) on import.
        from kujdes.fieldsync import mapping

        for module in pkgutil.iter_modules(mapping.__path__):
            importlib.import_module(f"{mapping.__name__}.{module.name}")
