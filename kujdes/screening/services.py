"""Writes of the screening room: installing and versioning instruments, recording screenings.

Every function runs in one transaction with its audit event. Organisation administrators change
instruments (each change is a new version; screenings keep theirs); case workers record screenings.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.locking import StaleVersion
from kujdes.core.models import Organisation
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor
from kujdes.people.models import Person
from kujdes.screening.engine import (
    age_group_from_birth_year,
    answers_clean,
    definition_validate,
    screening_evaluate,
)
from kujdes.screening.models import Instrument, InstrumentVersion, Screening
from kujdes.screening.selectors import instrument_current_version, person_can_be_screened_by
from kujdes.screening.shipped import shipped_instruments

if TYPE_CHECKING:
    from kujdes.accounts.models import User

SHIPPED_CODES = frozenset(item["code"] for item in shipped_instruments())
MAX_NOTES = 20_000


def instruments_install(*, organisation: Organisation, actor: User | None = None) -> int:
    """Create the shipped instruments the organisation lacks; returns how many were created.

    Idempotent: an instrument whose code exists (even edited or retired) is left alone, so an
    organisation's changes are never overwritten. Cheap when nothing is missing (one query).
    """
    existing = set(
        Instrument.objects.filter(organisation=organisation, code__in=SHIPPED_CODES).values_list(
            "code", flat=True
        )
    )
    if existing >= SHIPPED_CODES:
        return 0
    created = 0
    with transaction.atomic():
        for item in shipped_instruments():
            if item["code"] in existing:
                continue
            try:
                with transaction.atomic():  # a concurrent first visit may have created it meanwhile
                    instrument = Instrument.objects.create(
                        organisation=organisation,
                        code=item["code"],
                        kind=item["kind"],
                        target=item["target"],
                        name=item["name"],
                        is_shipped=True,
                    )
            except IntegrityError:
                continue
            version = InstrumentVersion.objects.create(
                organisation=organisation, instrument=instrument, number=1, definition=item["definition"]
            )
            _version_audit(actor=actor, version=version, reason="installed")
            created += 1
    return created


def instrument_translations_install(*, organisation_id: int) -> int:
    """Give an organisation's shipped instruments the shipped labels of the languages they lack
    (`kujdes content translations install`); how many instruments gained a language. Idempotent.

    Only labels whose English is still the shipped English get a translation (an organisation that
    rewrote a label keeps it as written), and never over a text the organisation wrote. Versions are
    immutable: the translations come as a new version, audited with the reason "translations", the
    screenings made with earlier versions keep theirs."""
    from kujdes.screening.shipped_translations import translations_add

    updated = 0
    instruments = Instrument.objects.filter(organisation_id=organisation_id, code__in=SHIPPED_CODES)
    for instrument in instruments.select_for_update():
        current = instrument_current_version(instrument=instrument)
        if current is None:
            continue
        name = translations_add(instrument.name or {})
        definition = translations_add(current.definition)
        if name == instrument.name and definition == current.definition:
            continue
        if name != instrument.name:
            instrument.name = name
            instrument.save(update_fields=["name"])
        if definition != current.definition:
            version = InstrumentVersion.objects.create(
                organisation_id=organisation_id,
                instrument=instrument,
                number=current.number + 1,
                definition=definition,
            )
            _version_audit(actor=None, version=version, reason="translations", changed=["labels"])
        updated += 1
    return updated


def _version_audit(
    *, actor: User | None, version: InstrumentVersion, reason: str, changed: list[str] | None = None
) -> None:
    details: dict[str, Any] = {"code": version.instrument.code, "version": version.number, "reason": reason}
    if changed is not None:
        # Which parts of the definition changed ("rules", "dimensions", …): codes, never content.
        details["changed"] = changed
    audit_record(
        actor=actor,
        organisation=version.organisation_id,
        action="screening.instrument.version_created",
        obj=version.instrument,
        details=details,
    )


def instrument_version_create(
    *,
    actor: User,
    instrument: Instrument,
    based_on: int,
    definition: dict[str, Any],
    name: dict[str, str] | None = None,
    is_active: bool | None = None,
) -> InstrumentVersion:
    """Save an administrator's edit as a new version (the old ones stay, with their screenings).

    `based_on` is the version number the edit started from: if another version was saved
    meanwhile, StaleVersion carries the newest one. ValidationError lists every problem of the
    definition. An edit that changes nothing in the definition adds no version.
    """
    if (
        not organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
        .filter(pk=instrument.organisation_id)
        .exists()
    ):
        raise PermissionDenied
    definition = {**definition, "kind": instrument.kind}
    problems = definition_validate(definition, kind=instrument.kind, target=instrument.target)
    if name is not None:
        problems += [
            _("The name is missing in %(language)s.") % {"language": lang}
            for lang in ("sq", "en", "fr")
            if not str(name.get(lang, "")).strip()
        ]
        problems += (
            [_("A name has at most 200 characters.")] if any(len(v) > 200 for v in name.values()) else []
        )
    if problems:
        raise ValidationError(problems)
    with transaction.atomic():
        locked = Instrument.objects.select_for_update().get(pk=instrument.pk)
        current = instrument_current_version(instrument=locked)
        if current is not None and current.number != based_on:
            raise StaleVersion(current)
        changed_fields: list[str] = []
        if name is not None and name != locked.name:
            locked.name, changed_fields = name, [*changed_fields, "name"]
        if is_active is not None and is_active != locked.is_active:
            locked.is_active, changed_fields = is_active, [*changed_fields, "is_active"]
        if changed_fields:
            locked.save(update_fields=changed_fields)
            audit_record(
                actor=actor,
                organisation=locked.organisation_id,
                action="screening.instrument.changed",
                obj=locked,
                details={"code": locked.code, "fields": changed_fields},
            )
        if current is not None and current.definition == definition:
            return current
        version = InstrumentVersion.objects.create(
            organisation_id=locked.organisation_id,
            instrument=locked,
            number=(current.number if current else 0) + 1,
            definition=definition,
            created_by=actor,
        )
        previous = current.definition if current else {}
        changed = sorted(k for k in {*previous, *definition} if previous.get(k) != definition.get(k))
        _version_audit(actor=actor, version=version, reason="edited", changed=changed)
        return version


def screening_age_group(*, person: Person, performed_on: datetime.date) -> str | None:
    """The rule that applies from the person's birth year, or None if the worker must choose."""
    return age_group_from_birth_year(person.birth_year, performed_on)


def screening_record(
    *,
    actor: User,
    person: Person,
    instrument: Instrument,
    answers: list[Any],
    performed_on: datetime.date | None = None,
    age_group: str | None = None,
    notes: str = "",
    expected_version: int | None = None,
) -> Screening:
    """Record a screening of `person` with the instrument's current version, and its result.

    The actor must manage case files in the person's unit. The age group comes from the birth
    year; `age_group` is needed only when the birth year cannot tell. ValidationError for answers
    that are not indicators of the instrument, a date in the future, or a list made for the other
    age group; StaleVersion if `expected_version` is no longer the current one.
    """
    if not person_can_be_screened_by(actor=actor, person=person):
        raise PermissionDenied
    if instrument.organisation_id != person.organisation_id or not instrument.is_active:
        raise ValidationError(_("This instrument cannot be used for this person."))
    today = timezone.localdate()
    performed_on = performed_on or today
    errors: dict[str, list[str]] = {}
    if performed_on > today:
        errors["performed_on"] = [_("The date of the screening cannot be in the future.")]
    elif performed_on < datetime.date(2000, 1, 1):
        errors["performed_on"] = [_("The date of the screening is too far in the past.")]
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers) or len(answers) > 500:
        raise ValidationError({"answers": [_("The answers must be a list of indicator codes.")]})
    if len(notes) > MAX_NOTES:
        errors["notes"] = [_("Notes are at most %(max)s characters.") % {"max": MAX_NOTES}]
    derived = screening_age_group(person=person, performed_on=performed_on)
    if derived is None:
        if age_group not in ("adult", "child"):
            errors["age_group"] = [
                _("Say whether the person was a child (under 18) on the day of the screening.")
            ]
        derived = age_group
    if derived and instrument.target not in ("any", derived):
        errors.setdefault("instrument", []).append(
            _("This list is for children; the person was an adult on that day.")
            if instrument.target == "child"
            else _("This list is for adults; the person was a child on that day: use the children's list.")
        )
    if errors:
        raise ValidationError(errors)
    assert derived in ("adult", "child")  # a missing age group was an error above
    with transaction.atomic():
        version = instrument_current_version(instrument=instrument)
        if version is None:
            raise ValidationError(_("This instrument has no version yet."))
        if expected_version is not None and version.number != expected_version:
            raise StaleVersion(version)
        unknown = sorted(set(answers) - set(answers_clean(version.definition, answers)))
        if unknown:
            raise ValidationError(
                {"answers": [_("Unknown indicators: %(codes)s.") % {"codes": ", ".join(unknown[:10])}]}
            )
        present = answers_clean(version.definition, answers)
        result = screening_evaluate(version.definition, present, is_child=derived == "child")
        screening = Screening(
            organisation_id=person.organisation_id,
            person=person,
            unit_id=person.unit_id,
            version=version,
            performed_on=performed_on,
            performed_by=actor,
            age_group=derived,
            answers=present,
            result=result,
            outcome=result["outcome"],
            level=result["level"],
            positive_dimensions=result["positive_dimensions"],
            notes=notes,
        )
        screening.save()
        audit_record(
            actor=actor,
            organisation=person.organisation_id,
            action="screening.recorded",
            obj=screening,
            unit=person.unit,
            details={
                "person": str(person.public_id),
                "instrument": instrument.code,
                "version": version.number,
            },
        )
    return screening


def screening_view(*, actor: User, screening: Screening) -> str:
    """The screening's notes, decrypted; the read of the screening (answers, result, notes) is audited.

    The caller got it through screening_get.
    """
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=screening.organisation_id,
            action="screening.viewed",
            obj=screening,
            unit=screening.unit,
            details={"person": str(screening.person.public_id)},
        )
    return screening.notes or ""
