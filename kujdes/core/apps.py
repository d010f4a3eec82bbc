from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "kujdes.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from kujdes.core import checks, rls  # noqa: F401 - registers the deploy checks
        from kujdes.core.validators import validators_register

        # Plausible dates and no control characters in any text, on every field of the kind.
        validators_register()

        # After every migrate: the cache table, grants for the runtime role and a
        # row-level security policy on every tenant table (PostgreSQL).
        post_migrate.connect(rls.database_after_migrate, sender=self)
