"""Writes to accounts: invitations, deactivation, sessions and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from allauth.usersessions.models import UserSession
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kujdes.accounts.models import ApiToken, User
from kujdes.accounts.selectors import users_for_actor
from kujdes.core.audit import audit_record
from kujdes.core.models import Unit
from kujdes.core.services import membership_assign

TOKEN_PREFIX = "kjd_"


def invitation_url(*, user: User) -> str:
    """A one-time link to choose a password (allauth's reset-from-key view)."""
    key = default_token_generator.make_token(user)
    path = reverse("account_reset_password_from_key", kwargs={"uidb36": user_pk_to_url_str(user), "key": key})
    return f"{settings.SITE_URL}{path}"


@transaction.atomic
def user_invite(
    *,
    actor: User,
    unit: Unit,
    role: str,
    username: str,
    email: str,
    first_name: str,
    last_name: str,
    language: str,
) -> User:
    """Create an account in the unit's organisation with a first role, and e-mail a set-password link."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    if email and User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("An account with this e-mail address exists already.")})
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        language=language,
        organisation=unit.organisation,
    )
    user.set_unusable_password()
    user.save()
    audit_record(actor=actor, organisation=unit.organisation_id, action="user.invited", obj=user, unit=unit)
    membership_assign(actor=actor, user=user, unit=unit, role=role)
    link = invitation_url(user=user)
    context = {"user": user, "link": link, "organisation": unit.organisation, "inviter": actor}
    with translation.override(language or unit.organisation.default_language):
        subject = _("Your Kujdes account")
        body = render_to_string("accounts/email/invitation.txt", context)
    transaction.on_commit(lambda: send_mail(subject, body, None, [email]) if email else None)
    return user


def user_sessions_end(*, user: User) -> int:
    """End every server-side session of the user; returns how many there were."""
    sessions = list(UserSession.objects.filter(user=user))
    for session in sessions:
        session.end()
    return len(sessions)


@transaction.atomic
def user_deactivate(*, actor: User, user: User) -> User:
    """Block an account: no login, every session ended, every API token revoked."""
    if not users_for_actor(actor=actor).filter(pk=user.pk).exists():
        raise PermissionDenied
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    now = timezone.now()
    user.is_active = False
    user.deactivated_at = now
    user.save(update_fields=["is_active", "deactivated_at"])
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=now, revoked_by=actor
    )
    audit_record(
        actor=actor,
        organisation=user.organisation_id,
        action="user.deactivated",
        obj=user,
        details={"tokens_revoked": revoked},
    )
    transaction.on_commit(lambda: user_sessions_end(user=user))
    return user


@transaction.atomic
def user_reactivate(*, actor: User, user: User) -> User:
    if not users_for_actor(actor=actor).filter(pk=user.pk).exists():
        raise PermissionDenied
    user.is_active = True
    user.deactivated_at = None
    user.save(update_fields=["is_active", "deactivated_at"])
    audit_record(actor=actor, organisation=user.organisation_id, action="user.reactivated", obj=user)
    return user


@transaction.atomic
def user_language_set(*, user: User, language: str) -> None:
    """The user's own choice of interface language."""
    if language not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError(_("Unknown language."))
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    if user.organisation_id is not None:
        audit_record(
            actor=user,
            organisation=user.organisation_id,
            action="user.language.changed",
            obj=user,
            details={"language": language},
        )


def api_token_digest(token: str) -> str:
    # Tokens are 256-bit random strings, so a plain SHA-256 is enough to store them.
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_days: int | None) -> tuple[ApiToken, str]:
    """A new token for `user`; the plaintext is returned once and never stored."""
    if not user.is_active:
        raise ValidationError(_("This account is deactivated."))
    if expires_days is not None and expires_days < 1:
        raise ValidationError(_("A token must be valid for at least one day."))
    plaintext = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=plaintext[: len(TOKEN_PREFIX) + 4],
        digest=api_token_digest(plaintext),
        expires_at=None if expires_days is None else timezone.now() + timedelta(days=expires_days),
    )
    if user.organisation_id is not None:
        audit_record(
            actor=user,
            organisation=user.organisation_id,
            action="api_token.created",
            obj=token,
            details={"expires_days": expires_days},
        )
    return token, plaintext


def api_token_authenticate(*, plaintext: str) -> ApiToken | None:
    """The usable token with this plaintext, or None. Marks it used (at most once a minute)."""
    token = (
        ApiToken.objects.select_related("user", "user__organisation")
        .filter(digest=api_token_digest(plaintext))
        .first()
    )
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        if token.user.organisation_id is not None:
            audit_record(
                actor=actor, organisation=token.user.organisation_id, action="api_token.revoked", obj=token
            )
    return token
