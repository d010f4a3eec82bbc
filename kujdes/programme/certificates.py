"""The participation certificate: a PDF made on demand (never stored), in the participant's language.

It carries the participant's name, so making it decrypts her identity: it is audited as
`programme.certificate.issued`. Only staff who manage the activity (programme managers, field
educators) make it; volunteers do not. WeasyPrint renders it with every external fetch refused.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone, translation

from kujdes.core.audit import audit_record
from kujdes.people.selectors import persons_with_keys
from kujdes.programme.models import Participation, ParticipationStatus, Session, SessionStatus
from kujdes.programme.selectors import activity_can_manage

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def certificate_filename(participation: Participation) -> str:
    # Nothing personal: the participation's own id, shortened.
    return f"certificate-{participation.public_id.hex[:8]}.pdf"


def certificate_hours(participation: Participation) -> Decimal:
    """The hours the certificate states: the activity's figure, else the sum of its held sessions."""
    activity = participation.activity
    if activity.certificate_hours:
        return Decimal(activity.certificate_hours)
    held = Session.objects.filter(activity=activity, status=SessionStatus.HELD)
    total = sum((Decimal(str(session.hours)) for session in held), Decimal(0))
    return total.quantize(Decimal("0.1")).normalize()


def certificate_pdf(*, actor: User, participation: Participation) -> bytes:
    """The certificate of a completed participation (Http404 before completion); audited."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    activity = participation.activity
    if not activity_can_manage(actor=actor, activity=activity):
        raise PermissionDenied
    if participation.status != ParticipationStatus.COMPLETED:
        raise Http404
    person = persons_with_keys([participation.person])[0]
    language = participation.certificate_language or "sq"
    with translation.override(language):
        html = render_to_string(
            "programme/certificate.html",
            {
                "participation": participation,
                "activity": activity,
                "type_name": activity.activity_type.name(language),
                "person": person,
                "organisation": activity.organisation,
                "unit": activity.unit,
                "hours": certificate_hours(participation),
                "today": timezone.localdate(),
                "language": language,
            },
        )
    pdf = HTML(string=html, url_fetcher=URLFetcher(allowed_protocols=())).write_pdf()
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=participation.organisation_id,
            action="programme.certificate.issued",
            obj=participation,
            unit=activity.unit,
            details={
                "activity": str(activity.public_id),
                "person": str(person.public_id),
                "language": language,
                "number": participation.certificate_number,
            },
        )
    return pdf
