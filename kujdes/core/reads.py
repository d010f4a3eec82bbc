"""Reads of identity in lists and searches: one audit event per page, and a budget per reader and hour.

Every page of a list or search that shows persons (or volunteers) calls `identity_rows_read` with the
rows it is about to show, before it renders them. That call
- charges the rows to the reader's budget: the signed-in user's, and with a bearer token also the
  token's (the officer sees what each token read; a freshly made token brings no fresh budget);
- refuses the page with `ReadBudgetExceeded` (→ 429, see `ReadBudgetMiddleware`) when the rows would take
  the reader past `settings.READ_BUDGET_ROWS_PER_HOUR`, writes `reads.budget.exceeded` and alerts the
  organisation's data protection officers, once per reader and hour;
- otherwise writes ONE audit event per page (per organisation of its rows: almost always one): the
  filters as codes, a search text only as its length and a keyed hash, the page number, the row count
  and the rows' public ids.

What the budget counts, and where. The budget counts *distinct records* a reader was shown in the
clock hour, not rows sent: the case list seen again after each case, a register re-rendered after each
tick, a search narrowed letter by letter show the same persons again, and a second showing discloses
nothing new. Harvesting the registry is the opposite: every page brings new persons. The count lives in a
database table (`ReadTally`, one row per reader, hour and record) rather than in Django's cache: the
production cache may be the database cache (`db://`, whose `incr` is a read then a write) and cannot hold
a set; the table's unique constraint makes "seen again" exact and race-free on SQLite and PostgreSQL,
it is tenant-scoped like every personal-data table (row-level security included), and it also gives the
protection officer the exact "who read how many persons" per hour and day. Cost per page: one
INSERT … ON CONFLICT DO NOTHING of the page's rows and one indexed COUNT (two with a token), besides the
audit event — no query per row; once an hour, an indexed DELETE of the organisation's rows past keeping
(two days).

Windows are clock hours (UTC): a reader may, at worst, read twice the budget in the sixty minutes around
an hour boundary; the budget bounds harvesting to that rate, and the audit log shows it.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models, transaction
from django.db.models.functions import Cast, Concat
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.crypto import blind_index, normalise_text
from kujdes.core.models import ReadTally, Unit

if TYPE_CHECKING:
    from kujdes.accounts.models import User

# Tally rows are kept this long: the protection officer's page shows the last day, hour by hour.
TALLY_KEPT = datetime.timedelta(days=2)
# A page lists at most this many row ids in its audit event (every list page of Kujdes shows fewer).
IDS_LISTED = 100


@dataclass(frozen=True)
class ReadRow:
    """One row of a page: the record whose identity it shows (charged) and the id the audit event lists.

    A case list row charges the case's person and lists the case.
    """

    organisation_id: int
    record: str
    record_id: int
    public_id: str

    @classmethod
    def of(cls, obj: models.Model, *, record: str = "person", charged_pk: int | None = None) -> ReadRow:
        return cls(
            organisation_id=obj.organisation_id,  # type: ignore[attr-defined]
            record=record,
            record_id=obj.pk if charged_pk is None else charged_pk,
            public_id=str(obj.public_id),  # type: ignore[attr-defined]
        )


@dataclass(frozen=True)
class Reader:
    """Who reads: the signed-in user, and the API token if the request carries one (`key` names the
    token then, else the user)."""

    user: User
    token_id: int | None = None
    token_public_id: str = ""

    @property
    def key(self) -> str:
        return f"t{self.token_id}" if self.token_id is not None else f"u{self.user.pk}"


def reader_of(request: HttpRequest) -> Reader:
    token = getattr(request, "api_token", None)
    if token is not None:
        return Reader(user=request.user, token_id=token.pk, token_public_id=str(token.public_id))  # type: ignore[arg-type]
    return Reader(user=request.user)  # type: ignore[arg-type]


class ReadBudgetExceeded(Exception):
    """The reader has been shown as many distinct records this hour as the budget allows."""

    def __init__(self, *, budget: int, resumes_at: datetime.datetime) -> None:
        super().__init__(f"read budget of {budget} records an hour reached")
        self.budget = budget
        self.resumes_at = resumes_at

    @property
    def retry_after(self) -> int:
        return max(1, int((self.resumes_at - timezone.now()).total_seconds()))


def _hour(now: datetime.datetime) -> datetime.datetime:
    return now.astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)


def read_budget() -> int:
    return settings.READ_BUDGET_ROWS_PER_HOUR


def search_digest(*, organisation_id: int, text: str) -> dict[str, Any]:
    """What an audit event keeps of a search text: its length and a keyed hash, never the text.

    The hash is the organisation's blind-index HMAC of a purpose of its own: the officer can tell two
    searches for the same words apart from others, and only the key's holder can test a guess.
    """
    text = text.strip()
    if not text:
        return {}
    digest = blind_index(
        organisation_id=organisation_id, kind="audit.search", normalised=normalise_text(text)
    )
    return {"q_len": len(text), "q_hash": digest[:16]}


def _codes(filters: dict[str, Any] | None) -> dict[str, str]:
    return {key: str(value) for key, value in (filters or {}).items() if value not in (None, "", [], False)}


def _charge(*, reader: Reader, rows: Sequence[ReadRow], hour: datetime.datetime) -> int:
    """Add the page's records to the reader's hour; the largest distinct count afterwards.

    Every read is charged to the user; a read with an API token is charged to the token as well, so that
    the officer sees what each token read and a new token brings no fresh budget.
    """
    distinct = {(row.record, row.record_id): row for row in rows}
    charged: list[tuple[str, int | None]] = [(f"u{reader.user.pk}", None)]
    if reader.token_id is not None:
        charged.append((reader.key, reader.token_id))
    ReadTally.objects.bulk_create(
        [
            ReadTally(
                organisation_id=row.organisation_id,
                reader=key,
                user=reader.user,
                token_id=token_id,
                hour=hour,
                record=row.record,
                record_id=row.record_id,
            )
            for key, token_id in charged
            for row in distinct.values()
        ],
        ignore_conflicts=True,
    )
    stale = sorted({row.organisation_id for row in rows if _purged.get(row.organisation_id) != hour})
    if stale:
        # An organisation's rows past keeping go with the first page of the hour that shows its persons
        # (in this process): one indexed DELETE an hour, not one a page.
        ReadTally.objects.filter(organisation_id__in=stale, hour__lt=hour - TALLY_KEPT).delete()
        _purged.update(dict.fromkeys(stale, hour))
    return max(ReadTally.objects.filter(reader=key, hour=hour).count() for key, _token_id in charged)


# The hour each organisation's old tally rows were last deleted in, by this process (another process
# deletes once more in that hour, harmlessly).
_purged: dict[int, datetime.datetime] = {}


class _OverBudget(Exception):
    pass


def identity_rows_read(
    *,
    request: HttpRequest,
    action: str,
    rows: Sequence[ReadRow],
    filters: dict[str, Any] | None = None,
    search: str = "",
    page: int | None = None,
    obj: models.Model | None = None,
    unit: Unit | None = None,
    organisation_id: int | None = None,
    details: dict[str, Any] | None = None,
    enforce: bool = True,
) -> None:
    """Charge a page's rows to the reader's budget and write its audit event, before the page is shown.

    `filters`: the list's filters as codes (unit and category ids, statuses, dates) — a free-text search
    goes in `search`, which is kept only as its length and a keyed hash. `organisation_id`: where the event
    of a page without rows goes (default: the reader's organisation; none: no event). `obj`/`unit`: what
    the page is about (an activity), if anything. Raises ReadBudgetExceeded (nothing written but the
    budget's own event) when the page would take the reader past the budget — unless `enforce` is False:
    for the few candidates a registration's duplicate check shows, where a refusal would lose what was
    typed (they are charged and audited all the same).
    """
    reader = reader_of(request)
    now = timezone.now()
    hour = _hour(now)
    budget = read_budget()
    by_organisation: dict[int, list[ReadRow]] = defaultdict(list)
    for row in rows:
        by_organisation[row.organisation_id].append(row)
    if not by_organisation:
        fallback = organisation_id if organisation_id is not None else reader.user.organisation_id
        if fallback is not None:
            by_organisation[fallback] = []
    try:
        with transaction.atomic():
            if rows and _charge(reader=reader, rows=rows, hour=hour) > budget and enforce:
                raise _OverBudget
            for organisation, shown in by_organisation.items():
                event_details: dict[str, Any] = {"rows": len(shown)}
                if page is not None:
                    event_details["page"] = page
                codes = _codes(filters)
                if codes:
                    event_details["filters"] = codes
                event_details.update(search_digest(organisation_id=organisation, text=search))
                if shown:
                    event_details["ids"] = list(dict.fromkeys(row.public_id for row in shown))[:IDS_LISTED]
                if reader.token_id is not None:
                    event_details["token"] = reader.token_public_id
                event_details.update(details or {})
                audit_record(
                    actor=reader.user,
                    organisation=organisation,
                    action=action,
                    obj=obj,
                    unit=unit,
                    details=event_details,
                )
    except _OverBudget:
        exceeded = ReadBudgetExceeded(budget=budget, resumes_at=hour + datetime.timedelta(hours=1))
        _budget_exceeded(reader=reader, action=action, organisations=sorted(by_organisation), hour=hour)
        raise exceeded from None


def _budget_exceeded(
    *, reader: Reader, action: str, organisations: list[int], hour: datetime.datetime
) -> None:
    """Record the refusal once per reader and hour, and tell the organisations' protection officers."""
    from kujdes.core.alerts import officers_alert
    from kujdes.core.models import AuditEvent

    budget = read_budget()
    with transaction.atomic():
        for organisation in organisations:
            already = AuditEvent.objects.filter(
                organisation_id=organisation,
                action="reads.budget.exceeded",
                occurred_at__gte=hour,
                details__reader=reader.key,
            ).exists()
            if already:
                continue
            details = {"reader": reader.key, "budget": budget, "list": action}
            if reader.token_id is not None:
                details["token"] = reader.token_public_id
            audit_record(
                actor=reader.user, organisation=organisation, action="reads.budget.exceeded", details=details
            )
            officers_alert(
                organisation_id=organisation,
                subject=lambda: _("Read budget reached by %(user)s") % {"user": reader.user.username},
                body=lambda: _budget_alert_body(reader=reader, budget=budget),
                page="audit_reads",
            )


def _budget_alert_body(*, reader: Reader, budget: int) -> str:
    who = reader.user.username
    if reader.token_id is not None:
        who = _("an API token of %(user)s") % {"user": who}
    return _(
        "Kujdes refused further lists and searches to %(who)s: in this hour, they were shown the identities "
        "of %(budget)s persons, the most one account or token may read in an hour. Lists open again at the "
        "next full hour. If this is not the work you expect of them, look at what they read."
    ) % {"who": who, "budget": budget}


# --- the protection officer's page -------------------------------------------------------------------


@dataclass
class ReaderTotals:
    """One reader's distinct records in the last hour and the last 24 hours, and hour by hour."""

    reader: str
    user_id: int
    token_id: int | None
    this_hour: int = 0
    day: int = 0
    hours: dict[datetime.datetime, int] = field(default_factory=dict)
    username: str = ""
    token_label: str = ""

    @property
    def hour_list(self) -> list[tuple[datetime.datetime, int]]:
        """The hours with reads, newest first."""
        return sorted(self.hours.items(), reverse=True)

    @property
    def busiest(self) -> int:
        return max(self.hours.values(), default=0)


def reads_by_reader(
    *, organisation_ids: Iterable[int], now: datetime.datetime | None = None
) -> tuple[list[ReaderTotals], list[datetime.datetime]]:
    """Per reader, the distinct persons and volunteers of these organisations shown in the last 24 hours.

    Three grouped queries, whatever the number of readers and rows. Sorted by the day's count, largest first;
    the second value is the 24 clock hours, oldest first.
    """
    now = now or timezone.now()
    current = _hour(now)
    start = current - datetime.timedelta(hours=23)
    tallies = ReadTally.objects.filter(organisation_id__in=list(organisation_ids), hour__gte=start)
    totals: dict[str, ReaderTotals] = {}
    per_hour = tallies.values("reader", "user_id", "token_id", "hour").annotate(n=models.Count("pk"))
    for row in per_hour.order_by():
        entry = totals.setdefault(row["reader"], ReaderTotals(row["reader"], row["user_id"], row["token_id"]))
        entry.hours[row["hour"]] = row["n"]
        if row["hour"] == current:
            entry.this_hour = row["n"]
    # The same record read in several hours counts once in the day.
    record_key = Concat("record", models.Value(":"), Cast("record_id", models.CharField()))
    per_day = tallies.values("reader").annotate(n=models.Count(record_key, distinct=True)).order_by()
    for day_row in per_day:
        if day_row["reader"] in totals:
            totals[day_row["reader"]].day = day_row["n"]
    hours = [start + datetime.timedelta(hours=n) for n in range(24)]
    return sorted(totals.values(), key=lambda t: (-t.day, t.reader)), hours


# --- the 429 ------------------------------------------------------------------------------------------


def budget_exceeded_response(request: HttpRequest, exc: ReadBudgetExceeded) -> HttpResponse:
    local = timezone.localtime(exc.resumes_at)
    message = _(
        "You have been shown the identities of %(budget)s persons in this hour, the most one account may "
        "read in an hour. Lists and searches open again at %(time)s; records you have already opened this "
        "hour stay readable. Your data protection officer has been told. If your work needs more, speak "
        "with them."
    ) % {"budget": exc.budget, "time": formats.time_format(local, "TIME_FORMAT")}
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": message}, status=429)
    else:
        response = render(request, "core/read_budget_exceeded.html", {"message": message}, status=429)
        if request.headers.get("HX-Request"):
            # htmx swaps no error page into a list: it loads the refused address as a page instead.
            response["HX-Redirect"] = request.get_full_path()
    response["Retry-After"] = str(exc.retry_after)
    return response


class ReadBudgetMiddleware:
    """Answers a page refused by the read budget: a 429 page, or JSON `{"detail": …}` for the API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, ReadBudgetExceeded):
            return budget_exceeded_response(request, exception)
        return None
