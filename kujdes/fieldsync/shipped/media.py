"""The CSV files the shipped forms choose from, generated for the phone's unit when it asks.

Each is built for the units a phone works at (a device's unit, a password user's units) and
everything below them, and for its user (a volunteer sees only the activities they facilitate), at
the moment the manifest is asked for: the manifest names each with the md5 of the bytes generated
then, so a phone downloads a list again exactly when it changed, and `media/<file>` serves the same
bytes. Columns are `name,label,…` as XLSForm's `select_*_from_file` reads them; the extra columns
are what the forms filter or calculate on (`activity`, `camp`, `start_year`, `birth_year`, `own`).

A phone's storage can be lost: lists hold the least that lets an educator recognise someone. Persons
are only the participants of the unit's current activities (never persons known only from case
files), labelled by given name, family-name initial and year of birth. Every list is built with a
fixed number of queries, whatever the number of rows.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from kujdes.core.models import Unit
from kujdes.fieldsync.shipped.registry import generated_media
from kujdes.people.models import Consent, ConsentPurpose
from kujdes.people.selectors import persons_with_keys
from kujdes.programme.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    Participation,
    ParticipationStatus,
    Session,
    SessionStatus,
    Volunteer,
)
from kujdes.programme.selectors import activities_for_actor, volunteers_for_actor

# An activity is current from a month before it starts to a month after it ends: long enough for a
# phone that was offline for weeks to send what it recorded on the day.
CURRENT_DAYS = 30
PARTICIPANT_KINDS = {ActivityKind.COURSE, ActivityKind.CAMP, ActivityKind.TRAINING, ActivityKind.MEETING}
HEADCOUNT_KINDS = {ActivityKind.MASS, ActivityKind.MEETING, ActivityKind.ADVOCACY, ActivityKind.VISIT}


def _units(unit: Unit | Sequence[Unit]) -> list[Unit]:
    return [unit] if isinstance(unit, Unit) else list(unit)


def _subtree(units: Iterable[Unit]) -> Q:
    condition = Q(pk__in=[])
    for unit in units:
        condition |= Q(organisation_id=unit.organisation_id, path__startswith=unit.path)
    return condition


def activities_current(*, units: Unit | Sequence[Unit], user: Any) -> QuerySet[Activity]:
    """The activities the phone's lists are about: organised or co-organised in the units' subtrees,
    seen by the user, not cancelled, and current (within CURRENT_DAYS of their dates)."""
    today = timezone.localdate()
    margin = datetime.timedelta(days=CURRENT_DAYS)
    reach = Unit.objects.filter(_subtree(_units(units))).values("pk")
    return (
        activities_for_actor(actor=user)
        .filter(Q(unit__in=reach) | Q(co_units__in=reach))
        .exclude(status=ActivityStatus.CANCELLED)
        .filter(starts_on__lte=today + margin, ends_on__gte=today - margin)
        .distinct()
    )


def _csv(header: list[str], rows: Iterable[Iterable[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return out.getvalue().encode("utf-8")


def person_label(*, given_name: str, family_name: str, birth_year: int | None) -> str:
    """A label such as "Ana K. 2009": enough to tell participants apart, little if a phone is lost."""
    initial = f"{family_name.strip()[:1]}." if family_name and family_name.strip() else ""
    return " ".join(part for part in (given_name.strip(), initial, str(birth_year or "")) if part)


def _participations(activities: QuerySet[Activity]) -> list[Participation]:
    """Non-dropped participations of the activities, persons' keys loaded, without the persons whose
    consent to take part was withdrawn (they leave the activity's lists, as on the web)."""
    rows = list(
        Participation.objects.filter(activity__in=activities.values("pk"))
        .exclude(status=ParticipationStatus.DROPPED)
        .filter(person__erased_at__isnull=True, person__merged_into__isnull=True)
        .select_related("person", "activity")
        .order_by("activity_id", "pk")
    )
    activity_ids = {str(row.activity.public_id) for row in rows}
    withdrawn: set[tuple[str, int]] = set()
    if activity_ids:
        given: set[tuple[str, int]] = set()
        for activity, person_id, withdrawn_on in Consent.objects.filter(
            activity__in=list(activity_ids), purpose=ConsentPurpose.ACTIVITY
        ).values_list("activity", "person_id", "withdrawn_on"):
            (withdrawn if withdrawn_on is not None else given).add((str(activity), person_id))
        withdrawn -= given
    rows = [row for row in rows if (str(row.activity.public_id), row.person_id) not in withdrawn]
    persons_with_keys([row.person for row in rows])
    return rows


def _label_of(participation: Participation) -> str:
    person = participation.person
    return person_label(
        given_name=person.given_name or "", family_name=person.family_name or "", birth_year=person.birth_year
    )


@generated_media("activities.csv")
def activities_csv(unit: Any, user: Any) -> bytes:
    rows = activities_current(units=unit, user=user).values_list(
        "public_id", "title", "starts_on", "activity_type__kind"
    )
    return _csv(
        ["name", "label", "start_year", "camp", "participants", "headcounts"],
        (
            (
                public_id,
                f"{title} ({starts_on:%d.%m.%Y})",
                starts_on.year,
                int(kind == ActivityKind.CAMP),
                int(kind in PARTICIPANT_KINDS),
                int(kind in HEADCOUNT_KINDS),
            )
            for public_id, title, starts_on, kind in rows.order_by("-starts_on", "title")
        ),
    )


@generated_media("sessions.csv")
def sessions_csv(unit: Any, user: Any) -> bytes:
    activities = activities_current(units=unit, user=user)
    rows = (
        Session.objects.filter(activity__in=activities.values("pk"))
        .exclude(status=SessionStatus.CANCELLED)
        .order_by("date", "starts_at", "pk")
        .values_list("public_id", "activity__public_id", "date", "starts_at", "topic")
    )

    def label(date: datetime.date, starts_at: datetime.time | None, topic: str) -> str:
        when = f"{date:%d.%m.%Y}" + (f" {starts_at:%H:%M}" if starts_at else "")
        return f"{when} – {topic}" if topic else when

    return _csv(
        ["name", "label", "activity", "date"],
        (
            (public_id, label(date, starts_at, topic), activity, date.isoformat())
            for public_id, activity, date, starts_at, topic in rows
        ),
    )


@generated_media("participants.csv")
def participants_csv(unit: Any, user: Any) -> bytes:
    rows: list[tuple[Any, str, Any]] = [
        (row.public_id, _label_of(row), row.activity.public_id)
        for row in _participations(activities_current(units=unit, user=user))
    ]
    rows.sort(key=lambda r: (str(r[2]), r[1].casefold()))
    return _csv(["name", "label", "activity"], rows)


@generated_media("persons.csv")
def persons_csv(unit: Any, user: Any) -> bytes:
    seen: dict[int, tuple[Any, str, int | None]] = {}
    for row in _participations(activities_current(units=unit, user=user)):
        if row.person_id not in seen:
            seen[row.person_id] = (row.person.public_id, _label_of(row), row.person.birth_year)
    rows: list[tuple[Any, str, int | None]] = list(seen.values())
    rows.sort(key=lambda r: r[1].casefold())
    return _csv(["name", "label", "birth_year"], rows)


@generated_media("volunteers.csv")
def volunteers_csv(unit: Any, user: Any) -> bytes:
    """The active volunteers of the units' subtrees the user manages, and the user's own record
    (marked `own` = 1: the volunteer hours form chooses it already)."""
    reach = Unit.objects.filter(_subtree(_units(unit))).values("pk")
    managed = volunteers_for_actor(actor=user).filter(unit__in=reach, is_active=True)
    rows = (
        Volunteer.objects.filter(Q(pk__in=managed.values("pk")) | Q(user=user))
        .order_by("given_name", "family_name", "pk")
        .values_list("public_id", "given_name", "family_name", "user_id")
    )
    return _csv(
        ["name", "label", "own"],
        (
            (
                public_id,
                person_label(given_name=given, family_name=family, birth_year=None),
                int(user_id is not None and user_id == user.pk),
            )
            for public_id, given, family, user_id in rows
        ),
    )
