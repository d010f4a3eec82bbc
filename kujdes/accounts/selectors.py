"""Reads of users and tokens, scoped by the acting user."""

from __future__ import annotations

from allauth.mfa.models import Authenticator
from django.db.models import Prefetch, QuerySet

from kujdes.accounts.models import ApiToken, User
from kujdes.core.models import Membership
from kujdes.core.roles import PERSONAL_DATA_ROLES, Perm, Role
from kujdes.core.selectors import memberships_of, organisations_for_actor


def users_for_actor(*, actor: User) -> QuerySet[User]:
    """Accounts the actor administers: those of organisations where they are an admin."""
    organisation_ids = organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_USERS_MANAGE).values("pk")
    return (
        User.objects.filter(organisation_id__in=organisation_ids)
        .prefetch_related(Prefetch("memberships", queryset=Membership.objects.select_related("unit")))
        .order_by("username")
    )


def user_get_for_admin(*, actor: User, public_id: str) -> User:
    """One administered account; User.DoesNotExist (→ 404) for any other."""
    return users_for_actor(actor=actor).get(public_id=public_id)


def user_requires_mfa(*, user: User) -> bool:
    """A second factor is required for superusers and for every role that sees personal data."""
    if user.is_superuser:
        return True
    return any(Role(m.role) in PERSONAL_DATA_ROLES for m in memberships_of(user=user))


def user_has_second_factor(*, user: User) -> bool:
    cached = getattr(user, "_kujdes_has_second_factor", None)
    if cached is None:
        cached = Authenticator.objects.filter(
            user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
        ).exists()
        user._kujdes_has_second_factor = cached  # type: ignore[attr-defined]
    return cached


def api_tokens_of(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def api_token_get_for_actor(*, actor: User, public_id: str) -> ApiToken:
    """A token the actor may revoke: their own, or one of an account they administer."""
    own = ApiToken.objects.filter(user=actor, public_id=public_id)
    administered = ApiToken.objects.filter(
        user__in=users_for_actor(actor=actor).values("pk"), public_id=public_id
    )
    return (own | administered).get()
