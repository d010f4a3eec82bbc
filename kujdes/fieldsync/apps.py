from django.apps import AppConfig


class FieldsyncConfig(AppConfig):
    name = "kujdes.fieldsync"
    label = "fieldsync"
    default_auto_field = "django.db.models.BigAutoField"
