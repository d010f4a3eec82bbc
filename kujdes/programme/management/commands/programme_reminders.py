"""`kujdes programme_reminders`: e-mail programme managers the volunteers' checks and trainings to renew.

Runs once a day from a timer (cron, or a systemd timer such as
`OnCalendar=*-*-* 07:00` calling `kujdes programme_reminders`). For each organisation it looks
for background checks and trainings of active volunteers that expired or expire within the
organisation's reminder days, and writes to each programme manager whose reach covers the
volunteer's unit, in the manager's language (else the organisation's). The e-mail names the
volunteer and what to renew, nothing else. Running it again on the same day sends nothing: each
organisation's run is recorded in its audit chain ("programme.reminders.sent") and checked first.

Later rooms add their own reminders through `kujdes.programme.reminders` (for instance the
network's follow-up actions); they run after the organisations' reminders, in a run for all
organisations only, and each remembers what it sent so as to write once a day at most.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.models import AuditEvent, Organisation, Unit
from kujdes.core.scoping import system_scope
from kujdes.programme.reminders import reminder_sources_send
from kujdes.programme.selectors import (
    Expiry,
    expiries_for_units,
    programme_managers_reaching,
    reminder_days_for,
)

ACTION = "programme.reminders.sent"


class Command(BaseCommand):
    help = (
        "E-mail programme managers the volunteers' background checks and trainings that expired or expire "
        "soon (once a day; run it daily from cron or a systemd timer)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--organisation", help="one organisation's code (default: all)")

    def handle(self, *args: Any, organisation: str | None = None, **options: Any) -> None:
        with system_scope():
            organisations = Organisation.objects.filter(is_active=True).order_by("code")
            if organisation:
                organisations = organisations.filter(code=organisation)
                if not organisations.exists():
                    raise CommandError(f"No organisation {organisation!r}.")
            for org in organisations:
                sent = self._remind(org)
                if sent is None:
                    self.stdout.write(f"{org.code}: reminders already sent today")
                else:
                    self.stdout.write(f"{org.code}: {sent} reminder e-mails sent")
            if not organisation:
                for code, sent in reminder_sources_send(today=timezone.localdate()):
                    if sent is None:
                        self.stdout.write(f"{code}: reminders already sent today")
                    else:
                        self.stdout.write(f"{code}: {sent} reminder e-mails sent")

    def _remind(self, org: Organisation) -> int | None:
        today = timezone.localdate()
        if AuditEvent.objects.filter(organisation=org, action=ACTION, occurred_at__date=today).exists():
            return None
        unit_ids = list(Unit.objects.filter(organisation=org).values_list("pk", flat=True))
        expiries = expiries_for_units(
            unit_ids=unit_ids, today=today, days=reminder_days_for(organisation_id=org.pk)
        )
        if not expiries:
            return 0  # nothing to tell: no e-mail, and no audit event either
        by_volunteer: dict[Any, list[Expiry]] = defaultdict(list)
        for item in expiries:
            by_volunteer[item.volunteer].append(item)
        managers_of_unit: dict[int, list[Any]] = {}
        by_manager: dict[Any, list[tuple[Any, list[Expiry]]]] = defaultdict(list)
        for volunteer, renewals in by_volunteer.items():
            if volunteer.unit_id not in managers_of_unit:
                managers_of_unit[volunteer.unit_id] = programme_managers_reaching(unit=volunteer.unit)
            for manager in managers_of_unit[volunteer.unit_id]:
                by_manager[manager].append((volunteer, renewals))
        link = f"{settings.SITE_URL}{reverse('volunteer_list')}"
        sent = 0
        for manager, items in by_manager.items():
            if not manager.email:
                continue
            # The manager's own language when they chose one, else the organisation's.
            with translation.override(manager.language or org.default_language):
                subject = _("Volunteers: checks and trainings to renew")
                body = render_to_string(
                    "programme/reminder_email.txt", {"manager": manager, "items": items, "link": link}
                )
            send_mail(f"[Kujdes] {subject}", body, None, [manager.email])
            sent += 1
        with transaction.atomic():
            audit_record(
                actor=None,
                organisation=org,
                action=ACTION,
                details={"emails": sent, "volunteers": len(by_volunteer), "items": len(expiries)},
            )
        return sent
