"""Operations figures for the devices page and the form pages: per phone, its last contact, how many
submissions it sent on each of the last days, and how many of its submissions were refused.

Refusals are not stored as rows: they are the `fieldsync.submission.refused` audit events (status
and form id, no content) that the OpenRosa submission endpoint writes.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from kujdes.core.models import AuditEvent
from kujdes.fieldsync.models import Device, Form, Submission

DAYS = 14
REFUSED = "fieldsync.submission.refused"


@dataclass
class DeviceStats:
    device: Device
    per_day: list[int]
    submissions: int
    failures: int
    failures_by_status: dict[int, int] = field(default_factory=dict)


@dataclass
class DeviceTable:
    days: list[datetime.date]
    rows: list[DeviceStats]

    @property
    def totals(self) -> list[int]:
        return [sum(row.per_day[i] for row in self.rows) for i in range(len(self.days))]


def stats_days(*, days: int = DAYS) -> list[datetime.date]:
    """The last `days` local dates, oldest first, today last."""
    today = timezone.localdate()
    return [today - datetime.timedelta(days=days - 1 - i) for i in range(days)]


def device_stats(*, devices: Iterable[Device], form: Form | None = None, days: int = DAYS) -> DeviceTable:
    """Submissions per day and refusals over the last `days` days, per device (for one form, or all).

    The caller passes devices it may show (devices_for_actor, or the form's administrators' view)."""
    devices = list(devices)
    dates = stats_days(days=days)
    start = datetime.datetime.combine(dates[0], datetime.time(), tzinfo=timezone.get_current_timezone())
    submissions = Submission.objects.filter(device__in=devices, submitted_at__gte=start)
    if form is not None:
        submissions = submissions.filter(form=form)
    counts: Counter[tuple[int, datetime.date]] = Counter()
    for row in (
        submissions.annotate(day=TruncDate("submitted_at"))
        .values("device_id", "day")
        .annotate(n=Count("id"))
        .order_by()
    ):
        counts[(row["device_id"], row["day"])] += row["n"]
    refused = AuditEvent.objects.filter(
        action=REFUSED,
        object_type=Device._meta.label_lower,
        object_id__in=[str(d.public_id) for d in devices],
        occurred_at__gte=start,
    )
    if form is not None:
        refused = refused.filter(organisation_id=form.organisation_id, details__form=form.xml_form_id)
    failures: dict[str, Counter[int]] = {}
    for object_id, details in refused.values_list("object_id", "details"):
        failures.setdefault(object_id, Counter())[int((details or {}).get("status") or 0)] += 1
    rows = []
    for device in devices:
        per_day = [counts[(device.pk, day)] for day in dates]
        by_status = failures.get(str(device.public_id), Counter())
        rows.append(
            DeviceStats(
                device=device,
                per_day=per_day,
                submissions=sum(per_day),
                failures=sum(by_status.values()),
                failures_by_status=dict(sorted(by_status.items())),
            )
        )
    return DeviceTable(days=dates, rows=rows)


def form_devices(*, form: Form) -> list[Device]:
    """The phones that sent this form something (ever), or had a submission refused for it lately."""
    sent = Submission.objects.filter(form=form, device__isnull=False).values("device_id").distinct()
    start = timezone.now() - datetime.timedelta(days=DAYS)
    refused_ids = AuditEvent.objects.filter(
        organisation_id=form.organisation_id,
        action=REFUSED,
        object_type=Device._meta.label_lower,
        details__form=form.xml_form_id,
        occurred_at__gte=start,
    ).values_list("object_id", flat=True)
    return list(
        Device.objects.filter(organisation_id=form.organisation_id)
        .filter(Q(pk__in=sent) | Q(public_id__in=list(refused_ids)))
        .select_related("user", "unit")
        .order_by("name")
    )
