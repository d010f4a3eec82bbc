"""Users and their API tokens."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(DjangoUserManager["User"]):
    # Historical models in migrations lack the organisation field at first.
    use_in_migrations = False

    def get_queryset(self) -> models.QuerySet[User]:
        # The organisation decides the default language on every request.
        return super().get_queryset().select_related("organisation")


class User(AbstractUser):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The organisation that administers this account (None: installation staff).
    organisation = models.ForeignKey(
        "core.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # The installation's network administrators (DESIGN.md §2) grant network-wide roles; an
    # organisation's admins cannot. Set with `kujdes network admin USERNAME`, never from a form.
    is_network_admin = models.BooleanField(_("network administrator"), default=False)

    objects = UserManager()

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class ApiToken(models.Model):
    """A bearer token for a machine client. Only a SHA-256 digest is stored.

    The token acts as its user, with the same memberships and scope.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    # The first characters, shown so that a person can tell tokens apart.
    prefix = models.CharField(max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
