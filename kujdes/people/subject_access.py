"""Subject-access export: everything Kujdes holds about one person, readable and machine-readable."""

from __future__ import annotations

import json
import tempfile
import zipfile
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from kujdes.core.audit import audit_record
from kujdes.core.models import AuditEvent
from kujdes.people.models import Consent, ConsentOverride, LegalHold, Person
from kujdes.people.services import IDENTITY_FIELDS

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def _jsonable(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def subject_access_data(*, person: Person) -> dict[str, Any]:
    """Identity (decrypted), codes, consents, holds and the log of what was done with the record."""
    consents = Consent.objects.filter(person=person).select_related("partner").order_by("given_on")
    return {
        "person": str(person.public_id),
        "organisation": person.organisation.name,
        "unit": person.unit.name,
        "registered_at": person.created_at.isoformat(),
        "identity": {field: _jsonable(getattr(person, field)) for field in IDENTITY_FIELDS},
        "statistics": {
            "sex": person.sex,
            "birth_year": person.birth_year,
            "municipality": person.municipality,
            "citizenships": person.citizenships,
        },
        "consents": [
            {
                "purpose": consent.purpose,
                "partner": consent.partner.name if consent.partner else None,
                "given_by": consent.given_by,
                "guardian_name": consent.guardian_name,
                "method": consent.method,
                "read_in_language": consent.language,
                "given_on": consent.given_on.isoformat(),
                "withdrawn_on": _jsonable(consent.withdrawn_on),
            }
            for consent in consents
        ],
        "actions_without_consent": [
            {"purpose": item.purpose, "reason": item.reason, "at": item.created_at.isoformat()}
            for item in ConsentOverride.objects.filter(person=person).order_by("created_at")
        ],
        "legal_holds": [
            {
                "reason": hold.reason,
                "placed_at": hold.placed_at.isoformat(),
                "lifted_at": _jsonable(hold.lifted_at),
            }
            for hold in LegalHold.objects.filter(person=person).order_by("placed_at")
        ],
        "record_history": [
            {"at": event.occurred_at.isoformat(), "action": event.action}
            for event in AuditEvent.objects.filter(
                organisation_id=person.organisation_id, object_id=str(person.public_id)
            ).order_by("seq")
        ],
    }


def subject_access_export(*, actor: User, person: Person) -> tuple[IO[bytes], str]:
    """A ZIP (summary.html + data.json) for a data-subject request; audited. Call after re-authentication."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=person.organisation_id,
            action="person.subject_access.exported",
            obj=person,
            unit=person.unit,
        )
    data = subject_access_data(person=person)
    with translation.override(person.organisation.default_language):
        summary = render_to_string(
            "people/subject_access_summary.html",
            {"data": data, "generated_at": timezone.now(), "generated_by": actor},
        )
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned to the caller
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("summary.html", summary)
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
    spool.seek(0)
    return spool, f"kujdes-subject-access-{person.public_id}.zip"
