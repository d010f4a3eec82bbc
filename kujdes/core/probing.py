"""Probing made visible: denied lookups, failed sign-ins, lockouts, failed second factors and 429s.

Each becomes an audit event of the organisation whose object or account was aimed at, and a denied lookup
of another organisation's object also one of the prober's own organisation:

- `security.lookup.denied`: a 403 or 404 answered to a signed-in user for an id (in the URL's path or
  query) that exists in another organisation, or in a unit of the user's organisation beyond their
  memberships' reach. `ProbingMiddleware` sees every response, so no selector needs to say so; which
  object an id names is found by one query over every model with a public id and an organisation.
- `security.sign_in.failed`, `security.sign_in.locked` (a sign-in refused after too many failures),
  `security.mfa.failed`: of the account's organisation, for accounts that exist (an unknown name belongs
  to no organisation).
- `security.throttled`: a 429 (sign-in limits, the read budget), of the user's organisation.

The prober must not learn whether an id exists: the response is left byte for byte as it was, and the
work — finding the object, writing the events, alerting — runs after the response has been sent (a
response "closer", which the WSGI server calls once the body is out), so that it does not show in the
response time either.

A source (a user; for sign-ins, the account aimed at) with `settings.PROBE_ALERT_THRESHOLD` such events
in an organisation within `settings.PROBE_ALERT_MINUTES` raises `security.probing.alert` there and an
e-mail to its data protection officers, once per window.
"""

from __future__ import annotations

import datetime
import functools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import models, transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from kujdes.core.audit import audit_record
from kujdes.core.crypto import blind_index
from kujdes.core.middleware import request_id_bound
from kujdes.core.models import AuditEvent, Organisation, Unit
from kujdes.core.scoping import system_scope, tenant_scope

if TYPE_CHECKING:
    from kujdes.accounts.models import User

logger = logging.getLogger(__name__)

LOOKUP_DENIED = "security.lookup.denied"
SIGN_IN_FAILED = "security.sign_in.failed"
SIGN_IN_LOCKED = "security.sign_in.locked"
MFA_FAILED = "security.mfa.failed"
THROTTLED = "security.throttled"
PROBING_ALERT = "security.probing.alert"
PROBE_ACTIONS = (LOOKUP_DENIED, SIGN_IN_FAILED, SIGN_IN_LOCKED, MFA_FAILED, THROTTLED)


def probes_counted(action: str, count: int) -> str:
    """ "80 denied lookups": how the officer's summary counts each kind."""
    if action == LOOKUP_DENIED:
        text = ngettext("%(n)s denied lookup", "%(n)s denied lookups", count)
    elif action == SIGN_IN_FAILED:
        text = ngettext("%(n)s failed sign-in", "%(n)s failed sign-ins", count)
    elif action == SIGN_IN_LOCKED:
        text = ngettext(
            "%(n)s sign-in refused after too many failures",
            "%(n)s sign-ins refused after too many failures",
            count,
        )
    elif action == MFA_FAILED:
        text = ngettext("%(n)s wrong second-factor code", "%(n)s wrong second-factor codes", count)
    else:
        text = ngettext("%(n)s throttled request", "%(n)s throttled requests", count)
    return text % {"n": count}


# At most this many ids of one request are looked up (a URL holds one or two).
IDS_LOOKED_UP = 5

Note = Callable[[], None]


# --- the middleware ------------------------------------------------------------------------------------


class ProbingMiddleware:
    """Notes what a response reveals about probing, and records it after the response has been sent."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        notes: list[Note] = []
        request._kujdes_probes = notes  # type: ignore[attr-defined]
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        status = response.status_code
        if status in (403, 404) and user is not None and signed_in:
            ids = _ids_in(request)
            if ids:
                notes.append(
                    functools.partial(
                        lookup_denied_record,
                        actor_id=user.pk,
                        ids=ids,
                        status=status,
                        page=_page_name(request),
                    )
                )
        elif status == 429:
            notes.append(_throttled_note(request, user if signed_in else None))
        if notes:
            request_id = getattr(request, "request_id", "-")
            # Django runs a response's closers when the server closes it, after the body was sent.
            closers = response._resource_closers  # type: ignore[attr-defined]
            closers.append(functools.partial(_notes_run, notes, request_id))
        return response


def _notes_run(notes: list[Note], request_id: str) -> None:
    with request_id_bound(request_id):
        for note in notes:
            try:
                note()
            except Exception:  # the response is gone: a failure here must only be logged
                logger.exception("Recording a probe failed.")


def _note(request: HttpRequest | None, note: Note) -> None:
    """Run `note` after the response if a request is being answered, else now."""
    pending = getattr(request, "_kujdes_probes", None) if request is not None else None
    if pending is None:
        _notes_run([note], getattr(request, "request_id", "-"))
    else:
        pending.append(note)


def _page_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return match.view_name if match is not None and match.view_name else ""


def _ids_in(request: HttpRequest) -> list[uuid.UUID]:
    """The UUIDs in the resolved URL's arguments and the query string (what a prober can aim with)."""
    match = getattr(request, "resolver_match", None)
    values: list[Any] = list(match.kwargs.values()) if match is not None else []
    if request.method == "GET":
        values += [value for _key, value in request.GET.items()]
    found: list[uuid.UUID] = []
    for value in values:
        if isinstance(value, uuid.UUID):
            parsed = value
        else:
            try:
                parsed = uuid.UUID(str(value))
            except ValueError:
                continue
        if parsed not in found:
            found.append(parsed)
    return found[:IDS_LOOKED_UP]


def _address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR", "") or "-"


def _address_key(*, organisation_id: int, address: str) -> str:
    # A keyed hash: the officer can tell one address from another, the log holds no address.
    return blind_index(organisation_id=organisation_id, kind="audit.address", normalised=address)[:12]


# --- denied lookups ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Found:
    model: type[models.Model]
    pk: int
    public_id: uuid.UUID
    organisation_id: int | None
    unit_id: int | None


# How an object without a unit of its own reaches one, through the parent every URL names it under.
_UNIT_THROUGH = ("case", "person", "activity", "session__activity", "participation__activity", "volunteer")


@functools.cache
def _lookup_models() -> list[tuple[type[models.Model], str | None]]:
    """Every model with a public id and an organisation, and the path to its unit (if it has one)."""
    found = []
    for model in apps.get_models():
        names = {f.name for f in model._meta.concrete_fields}
        if "public_id" not in names or "organisation" not in names:
            continue
        if model is Unit:
            unit_path: str | None = "pk"
        elif "unit" in names:
            unit_path = "unit_id"
        else:
            unit_path = next((f"{p}__unit_id" for p in _UNIT_THROUGH if p.split("__")[0] in names), None)
        found.append((model, unit_path))
    return found


def objects_with_public_ids(ids: list[uuid.UUID]) -> list[_Found]:
    """Whatever rows of any organisation bear these public ids: one query (a UNION over the models).

    Runs in the system scope: finding out that an id exists elsewhere is the point. Only the row's
    organisation and unit are read.
    """
    with system_scope():
        parts = []
        for model, unit_path in _lookup_models():
            unit = (
                models.F(unit_path)
                if unit_path
                else models.Value(None, output_field=models.BigIntegerField())
            )
            parts.append(
                model._default_manager.filter(public_id__in=ids)
                .order_by()
                .annotate(
                    k_label=models.Value(model._meta.label_lower, output_field=models.CharField()),
                    k_pk=models.F("pk"),
                    k_public_id=models.F("public_id"),
                    k_organisation=models.F("organisation_id"),
                    k_unit=unit,
                )
                .values_list("k_label", "k_pk", "k_public_id", "k_organisation", "k_unit")
            )
        rows = list(parts[0].union(*parts[1:], all=True))
    return [
        _Found(
            model=apps.get_model(label),
            pk=pk,
            public_id=public_id if isinstance(public_id, uuid.UUID) else uuid.UUID(str(public_id)),
            organisation_id=organisation_id,
            unit_id=unit_id,
        )
        for label, pk, public_id, organisation_id, unit_id in rows
    ]


def lookup_denied_record(*, actor_id: int, ids: list[uuid.UUID], status: int, page: str) -> None:
    """Record the 403/404 answered to `actor_id` for ids of objects beyond their reach (see the module)."""
    from kujdes.accounts.models import User
    from kujdes.core.selectors import membership_organisation_ids, units_for_actor

    found = objects_with_public_ids(ids)
    if not found:
        return  # ids that exist nowhere: nothing was withheld
    actor = User.objects.get(pk=actor_id)
    with system_scope():
        actor_organisations = set(membership_organisation_ids(user=actor))
        reach = set(units_for_actor(actor=actor, perm=None).values_list("pk", flat=True))
    home = actor.organisation_id or min(actor_organisations, default=None)
    source = f"u{actor.pk}"
    for target in found:
        if target.organisation_id is None:
            continue
        if target.organisation_id not in actor_organisations:
            beyond = "organisation"
        elif target.unit_id is not None and target.unit_id not in reach:
            beyond = "unit"
        else:
            continue  # the user reaches it: a refusal of their role, not a lookup beyond their reach
        obj = target.model(pk=target.pk, public_id=target.public_id)
        touched = {target.organisation_id} | ({home} if home is not None else set())
        with tenant_scope(organisation_ids=sorted(touched)), transaction.atomic():
            details = {"status": status, "beyond": beyond, "page": page, "source": source}
            audit_record(
                actor=actor,
                organisation=target.organisation_id,
                action=LOOKUP_DENIED,
                obj=obj,
                details=details,
            )
            if home is not None and home != target.organisation_id:
                code = (
                    Organisation.objects.filter(pk=target.organisation_id)
                    .values_list("code", flat=True)
                    .first()
                )
                audit_record(
                    actor=actor,
                    organisation=home,
                    action=LOOKUP_DENIED,
                    details={
                        "status": status,
                        "beyond": beyond,
                        "page": page,
                        "source": source,
                        "target_organisation": code or "",
                        "object_type": target.model._meta.label_lower,
                    },
                )
            for organisation in touched:
                probing_threshold_check(organisation_id=organisation, source=source)


# --- sign-ins, second factors, 429s --------------------------------------------------------------------


def _account(username: str) -> User | None:
    from kujdes.accounts.models import User

    if not username:
        return None
    return User.objects.filter(username__iexact=username.strip()).first()


def _account_probe(
    *,
    action: str,
    username: str = "",
    user_id: int | None = None,
    address: str,
    extra: dict[str, Any] | None = None,
) -> None:
    from kujdes.accounts.models import User

    account = User.objects.filter(pk=user_id).first() if user_id is not None else _account(username)
    if account is None or account.organisation_id is None:
        return  # no such account: nothing of any organisation was aimed at
    organisation = account.organisation_id
    source = f"sign-in:{account.pk}"
    with tenant_scope(organisation_ids=[organisation]), transaction.atomic():
        details = {"source": source, "address": _address_key(organisation_id=organisation, address=address)}
        details.update(extra or {})
        audit_record(actor=None, organisation=organisation, action=action, obj=account, details=details)
        probing_threshold_check(organisation_id=organisation, source=source)


def sign_in_failed(*, request: HttpRequest | None, username: str) -> None:
    """A wrong password for `username` (recorded only if such an account exists, after the response)."""
    address = _address(request) if request is not None else "-"
    _note(
        request, functools.partial(_account_probe, action=SIGN_IN_FAILED, username=username, address=address)
    )


def sign_in_locked(
    *, request: HttpRequest | None, username: str = "", user_id: int | None = None, factor: str = "password"
) -> None:
    """A sign-in refused because of too many failures (by account or address)."""
    address = _address(request) if request is not None else "-"
    _note(
        request,
        functools.partial(
            _account_probe,
            action=SIGN_IN_LOCKED,
            username=username,
            user_id=user_id,
            address=address,
            extra={"factor": factor},
        ),
    )


@receiver(user_login_failed, dispatch_uid="kujdes_probing_sign_in_failed")
def _on_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    sign_in_failed(
        request=request, username=str(credentials.get("username") or credentials.get("login") or "")
    )


def _on_mfa_failed(sender: Any, request: HttpRequest | None = None, user: Any = None, **kwargs: Any) -> None:
    if user is None or request is None:
        return
    address = _address(request)
    extra = {"reauthentication": bool(kwargs.get("reauthentication"))}
    _note(
        request,
        functools.partial(_account_probe, action=MFA_FAILED, user_id=user.pk, address=address, extra=extra),
    )
    from allauth.core import ratelimit

    # allauth counts wrong codes under this key (allauth.mfa.base.internal.flows.check_rate_limit): when
    # the next code would be refused, the account's second factor is locked now.
    if not ratelimit.consume(request, action="login_failed", key=f"mfa-auth-user-{user.pk}", dry_run=True):
        sign_in_locked(request=request, user_id=user.pk, factor="mfa")


def signals_connect() -> None:
    from allauth.mfa.signals import authentication_failed

    authentication_failed.connect(_on_mfa_failed, dispatch_uid="kujdes_probing_mfa_failed")


signals_connect()


def _throttled_note(request: HttpRequest, user: Any) -> Note:
    page = _page_name(request)
    if user is not None:
        return functools.partial(_throttled_record, user_id=user.pk, page=page)
    # An anonymous 429 is of an organisation only when it names an account (the sign-in form).
    username = request.POST.get("login", "") if request.method == "POST" else ""
    return functools.partial(
        _account_probe, action=THROTTLED, username=username, address=_address(request), extra={"page": page}
    )


def _throttled_record(*, user_id: int, page: str) -> None:
    from kujdes.accounts.models import User
    from kujdes.core.selectors import membership_organisation_ids

    user = User.objects.get(pk=user_id)
    with system_scope():
        organisations = membership_organisation_ids(user=user)
    organisation = user.organisation_id or min(organisations, default=None)
    if organisation is None:
        return
    source = f"u{user.pk}"
    with tenant_scope(organisation_ids=[organisation]), transaction.atomic():
        audit_record(
            actor=user, organisation=organisation, action=THROTTLED, details={"page": page, "source": source}
        )
        probing_threshold_check(organisation_id=organisation, source=source)


# --- the threshold -------------------------------------------------------------------------------------


def probing_threshold_check(*, organisation_id: int, source: str) -> bool:
    """Alert the organisation's officers when `source` reached the threshold in the window (once per window).

    Runs inside the transaction (and the tenant scope) that recorded the source's latest probe.
    """
    from kujdes.core.alerts import officers_alert

    minutes = settings.PROBE_ALERT_MINUTES
    since = timezone.now() - datetime.timedelta(minutes=minutes)
    events = AuditEvent.objects.filter(
        organisation_id=organisation_id, occurred_at__gte=since, details__source=source
    )
    count = events.filter(action__in=list(PROBE_ACTIONS)).count()
    if count < settings.PROBE_ALERT_THRESHOLD or events.filter(action=PROBING_ALERT).exists():
        return False
    who = _source_label(source)
    audit_record(
        actor=None,
        organisation=organisation_id,
        action=PROBING_ALERT,
        details={"source": source, "count": count, "minutes": minutes},
    )
    officers_alert(
        organisation_id=organisation_id,
        subject=lambda: _("Probing: %(who)s") % {"who": who},
        body=lambda: (
            _(
                "%(who)s: %(count)s denied lookups, failed sign-ins or throttled requests in the last "
                "%(minutes)s minutes. Kujdes answered as if the objects did not exist; see who was aimed at "
                "in the audit room."
            )
            % {"who": who, "count": count, "minutes": minutes}
        ),
        page="audit_probing",
    )
    return True


def _source_label(source: str) -> str:
    """A source as the officer reads it: the user, or the account aimed at by sign-ins."""
    from kujdes.accounts.models import User

    signing_in = source.startswith("sign-in:")
    number = source.removeprefix("sign-in:") if signing_in else source.removeprefix("u")
    user = User.objects.filter(pk=int(number)).first() if number.isdigit() else None
    name = user.username if user is not None else "?"
    return _("Sign-ins as %(user)s") % {"user": name} if signing_in else name


# --- the officer's summary -----------------------------------------------------------------------------


@dataclass
class ProbeLine:
    """ "caseworker-fr: 80 denied lookups in 3 minutes"."""

    who: str
    action: str
    count: int
    first: datetime.datetime
    last: datetime.datetime
    addresses: int = 0

    @property
    def what(self) -> str:
        return probes_counted(self.action, self.count)

    @property
    def span(self) -> str:
        seconds = int((self.last - self.first).total_seconds())
        if seconds < 60:
            return _("within a minute")
        if seconds < 2 * 3600:
            minutes = -(-seconds // 60)
            return ngettext("in %(n)s minute", "in %(n)s minutes", minutes) % {"n": minutes}
        hours = -(-seconds // 3600)
        return ngettext("in %(n)s hour", "in %(n)s hours", hours) % {"n": hours}

    def __str__(self) -> str:
        return f"{self.who}: {self.what} {self.span}"


def probing_summary(*, organisation_ids: list[int], since: datetime.datetime) -> list[ProbeLine]:
    """Per source and kind, the probes recorded in these organisations since `since`, most first.

    One grouped query, plus one for the names of the accounts aimed at.
    """
    from django.db.models.fields.json import KT

    from kujdes.accounts.models import User

    grouped = (
        AuditEvent.objects.filter(
            organisation_id__in=organisation_ids, action__in=list(PROBE_ACTIONS), occurred_at__gte=since
        )
        .values("action", "actor__username", source=KT("details__source"))
        .annotate(
            n=models.Count("pk"),
            first=models.Min("occurred_at"),
            last=models.Max("occurred_at"),
            addresses=models.Count(KT("details__address"), distinct=True),
        )
        .order_by()
    )
    rows = list(grouped)
    account_ids = {
        int(row["source"].split(":", 1)[1])
        for row in rows
        if (row["source"] or "").startswith("sign-in:") and row["source"].split(":", 1)[1].isdigit()
    }
    names = dict(User.objects.filter(pk__in=account_ids).values_list("pk", "username"))
    lines = []
    for row in rows:
        source = row["source"] or ""
        if source.startswith("sign-in:") and source.split(":", 1)[1].isdigit():
            who = _("Sign-ins as %(user)s") % {"user": names.get(int(source.split(":", 1)[1]), "?")}
        else:
            who = row["actor__username"] or _("unknown")
        lines.append(ProbeLine(who, row["action"], row["n"], row["first"], row["last"], row["addresses"]))
    return sorted(lines, key=lambda line: (-line.count, line.who, line.action))
