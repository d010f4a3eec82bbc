"""Follow-up reminders of the daily `kujdes programme_reminders` job (a source of kujdes.programme.reminders).

Whoever recorded a placement gets, once a day at most, one e-mail listing its follow-ups due within a
week or overdue (placements still running). The e-mail names no person: a link and a due date only.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.programme.employment.models import PlacementFollowUp

REMINDER_DAYS = 7
REMINDER_ACTION = "employment.follow_up.reminded"


def follow_up_reminders_send(*, today: datetime.date) -> int | None:
    """E-mail the recorders of placements whose follow-ups are due soon or overdue; None if sent today."""
    pending = list(
        PlacementFollowUp.objects.filter(
            recorded_on__isnull=True,
            placement__ended_on__isnull=True,
            due_on__lte=today + datetime.timedelta(days=REMINDER_DAYS),
        )
        .exclude(reminded_on=today)
        .select_related("placement", "placement__created_by")
        .order_by("due_on")
    )
    if not pending:
        return None if PlacementFollowUp.objects.filter(reminded_on=today).exists() else 0
    by_user: dict[int, list[PlacementFollowUp]] = defaultdict(list)
    for follow_up in pending:
        by_user[follow_up.placement.created_by_id].append(follow_up)
    sent = 0
    for follow_ups in by_user.values():
        user = follow_ups[0].placement.created_by
        if not user.is_active or not user.email:
            continue
        with translation.override(getattr(user, "language", "") or settings.LANGUAGE_CODE):
            body = render_to_string(
                "programme_employment/reminder_email.txt",
                {
                    "follow_ups": [
                        {
                            "months": fu.months,
                            "due_on": fu.due_on,
                            "overdue": fu.due_on < today,
                            "link": settings.SITE_URL
                            + reverse("employment_follow_up", kwargs={"public_id": fu.public_id}),
                        }
                        for fu in follow_ups
                    ],
                },
            )
            subject = _("Job placement follow-ups due")
        send_mail(f"[Kujdes] {subject}", body, None, [user.email])
        sent += 1
    with transaction.atomic():
        PlacementFollowUp.objects.filter(pk__in=[fu.pk for fu in pending]).update(reminded_on=today)
        per_organisation: dict[int, int] = defaultdict(int)
        for follow_up in pending:
            per_organisation[follow_up.organisation_id] += 1
        for organisation_id, count in sorted(per_organisation.items()):
            audit_record(
                actor=None,
                organisation=organisation_id,
                action=REMINDER_ACTION,
                details={"follow_ups": count},
            )
    return sent
