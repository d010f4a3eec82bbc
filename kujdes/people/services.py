"""Writes to persons. Identity goes in encrypted, with its blind indexes, in one transaction."""

from __future__ import annotations

import datetime
import io
import uuid
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.crypto import (
    blind_index,
    name_tokens,
    normalise_identifier,
    normalise_phone,
    subject_key_create,
    subject_key_destroy,
)
from kujdes.core.files import encrypted_file_delete, encrypted_file_write, upload_check
from kujdes.core.locking import versioned_save
from kujdes.core.models import Unit
from kujdes.core.roles import Perm
from kujdes.core.selectors import units_for_actor
from kujdes.people.codes import code_prefix, codes_reserve, person_codes
from kujdes.people.linkage.intake import person_linkage_keys
from kujdes.people.models import (
    BlindIndexEntry,
    BlindIndexKind,
    Education,
    Household,
    MaritalStatus,
    MergeStatus,
    Person,
    PersonCategory,
    PersonFile,
    PersonMerge,
    PersonRelation,
    Sex,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from kujdes.accounts.models import User

IDENTITY_FIELDS = (
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "id_documents",
    "phones",
    "address",
)


# Partial-name search ("eng" finds "Engjëllushe"): besides each whole name token, the keyed digests of
# its prefixes of 3 letters and more (not the whole token again) are stored under their own kind, so
# exact-token lookups (the duplicate check) never match a mere prefix. Shorter prefixes would match
# too many people to be useful and say more about a name's shape. The kind is a plain string because
# BlindIndexKind (models.py) needs no new choice for it: the column is a free CharField(16).
NAME_PREFIX_KIND = "name_prefix"
NAME_PREFIX_MIN = 3


def name_prefixes(token: str) -> list[str]:
    """The prefixes of a normalised token that the prefix index holds (3 letters up to the token less one)."""
    return [token[:length] for length in range(NAME_PREFIX_MIN, len(token))]


def _blind_index_entries(person: Person) -> list[BlindIndexEntry]:
    organisation_id = person.organisation_id
    values: list[tuple[str, str]] = []
    names = [person.given_name or "", person.family_name or "", *(person.other_names or [])]
    for name in names:
        for token in name_tokens(name):
            values.append((BlindIndexKind.NAME, token))
            values += [(NAME_PREFIX_KIND, prefix) for prefix in name_prefixes(token)]
    values += [(BlindIndexKind.PHONE, normalise_phone(phone)) for phone in person.phones or []]
    for document in person.id_documents or []:
        values.append((BlindIndexKind.ID_NUMBER, normalise_identifier(str(document.get("number", "")))))
    # The linkage engine's blocking keys (skeletons, name pairs, name with year...): plain in memory
    # here, stored as keyed digests like the rest, so the intake check finds spellings that share no
    # whole name token.
    values += sorted(person_linkage_keys(person))
    unique = {(kind, value) for kind, value in values if value}
    return [
        BlindIndexEntry(
            organisation_id=organisation_id,
            person=person,
            kind=kind,
            digest=blind_index(organisation_id=organisation_id, kind=kind, normalised=value),
        )
        for kind, value in sorted(unique)
    ]


# ISO 3166-1 alpha-2, plus XK (Kosovo, a partner country; user-assigned code in common use).
COUNTRY_CODES = frozenset(
    """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV
    BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES
    ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE
    IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY
    MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU
    NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM
    SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE
    VG VI VN VU WF WS YE YT ZA ZM ZW XK
    """.split()  # noqa: SIM905 - a block of codes reads better than 250 quoted strings
)

# Plain (statistical) fields a registration or an edit may set, besides the encrypted identity.
REGISTRY_FIELDS = (
    "sex",
    "birth_year",
    "birth_date_estimated",
    "municipality",
    "citizenships",
    "categories",
    "languages",
    "education",
    "marital_status",
    "children_count",
)


def _registry_fields_check(*, organisation_id: int, values: dict[str, Any]) -> dict[str, Any]:
    """Validate plain fields (codes from their picklists); returns them cleaned, raises ValidationError."""
    from kujdes.people.selectors import municipalities_for_organisation

    errors: dict[str, str] = {}
    cleaned = dict(values)
    if "sex" in values and values["sex"] not in Sex.values:
        errors["sex"] = _("Choose a value from the list.")
    if values.get("birth_year") is not None:
        year = values["birth_year"]
        if not isinstance(year, int) or not 1900 <= year <= timezone.localdate().year:
            errors["birth_year"] = _("Give a year between 1900 and this year.")
    if values.get("children_count") is not None:
        count = values["children_count"]
        if not isinstance(count, int) or not 0 <= count <= 30:
            errors["children_count"] = _("Give a number between 0 and 30.")
    if values.get("education") and values["education"] not in Education.values:
        errors["education"] = _("Choose a value from the list.")
    if values.get("marital_status") and values["marital_status"] not in MaritalStatus.values:
        errors["marital_status"] = _("Choose a value from the list.")
    if "categories" in values:
        categories = list(dict.fromkeys(values["categories"] or []))
        if any(category not in PersonCategory.values for category in categories):
            errors["categories"] = _("Choose categories from the list.")
        cleaned["categories"] = categories
    if "citizenships" in values:
        codes = [str(code).strip().upper() for code in values["citizenships"] or []]
        if any(code not in COUNTRY_CODES for code in codes):
            errors["citizenships"] = _("Give ISO 3166 country codes, such as AL or XK.")
        cleaned["citizenships"] = list(dict.fromkeys(codes))
    if "languages" in values:
        languages = [str(code).strip().lower() for code in values["languages"] or []]
        if any(not (code.isascii() and code.isalpha() and 2 <= len(code) <= 3) for code in languages):
            errors["languages"] = _("Give ISO 639 language codes, such as sq or en.")
        cleaned["languages"] = list(dict.fromkeys(languages))
    if values.get("municipality"):
        municipality = str(values["municipality"]).strip()
        known = municipalities_for_organisation(organisation_id=organisation_id)
        if known is not None and municipality not in known:
            errors["municipality"] = _("Choose a municipality from the list.")
        elif len(municipality) > 64:
            errors["municipality"] = _("Keep it under 64 characters.")
        cleaned["municipality"] = municipality
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def person_create(
    *,
    actor: User | None,
    unit: Unit,
    given_name: str,
    family_name: str = "",
    other_names: list[str] | None = None,
    date_of_birth: datetime.date | None = None,
    id_documents: list[dict[str, str]] | None = None,
    phones: list[str] | None = None,
    address: str = "",
    sex: str = Sex.UNKNOWN,
    birth_year: int | None = None,
    birth_date_estimated: bool = False,
    municipality: str = "",
    citizenships: list[str] | None = None,
    categories: list[str] | None = None,
    languages: list[str] | None = None,
    education: str = "",
    marital_status: str = "",
    children_count: int | None = None,
    household: Household | None = None,
) -> Person:
    """Register a person in `unit` with a fresh person key. The actor must be allowed to register there.

    Plain codes are checked against their picklists (ValidationError); the duplicate check is the
    caller's (`kujdes.people.duplicates`), before calling this.
    """
    if (
        actor is not None
        and not units_for_actor(actor=actor, perm=Perm.PERSON_REGISTER_MINIMAL).filter(pk=unit.pk).exists()
    ):
        raise PermissionDenied
    if birth_year is None and date_of_birth is not None:
        birth_year = date_of_birth.year
    plain = _registry_fields_check(
        organisation_id=unit.organisation_id,
        values={
            "sex": sex,
            "birth_year": birth_year,
            "birth_date_estimated": birth_date_estimated,
            "municipality": municipality,
            "citizenships": citizenships or [],
            "categories": categories or [],
            "languages": languages or [],
            "education": education,
            "marital_status": marital_status,
            "children_count": children_count,
        },
    )
    if household is not None and household.organisation_id != unit.organisation_id:
        raise PermissionDenied
    subject = subject_key_create(organisation_id=unit.organisation_id)
    (code,) = person_codes(unit=unit, year=timezone.localdate().year)
    person = Person(
        organisation_id=unit.organisation_id,
        unit=unit,
        key_id=subject.public_id,
        code=code,
        given_name=given_name,
        family_name=family_name,
        other_names=other_names or [],
        date_of_birth=date_of_birth,
        id_documents=id_documents or [],
        phones=phones or [],
        address=address,
        household=household,
        **plain,
    )
    person.encryption_handle().record = subject
    person.save()
    BlindIndexEntry.objects.bulk_create(_blind_index_entries(person))
    audit_record(
        actor=actor, organisation=person.organisation_id, action="person.created", obj=person, unit=unit
    )
    return person


def person_identity_view(*, actor: User, person: Person) -> dict[str, Any]:
    """The decrypted identity, for one person the actor may see; the read is audited."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=person.organisation_id,
            action="person.identity.viewed",
            obj=person,
            unit=person.unit,
        )
    return {field: getattr(person, field) for field in IDENTITY_FIELDS}


@transaction.atomic
def person_update(*, actor: User, person: Person, expected_version: int, changes: dict[str, Any]) -> Person:
    """Change identity fields or codes of a person, if nobody saved it since `expected_version`.

    Raises StaleVersion (with the current record) on a conflict; blind indexes follow the new identity.
    """
    allowed = set(IDENTITY_FIELDS) | set(REGISTRY_FIELDS)
    unknown = set(changes) - allowed
    if unknown:
        raise ValueError(f"not editable here: {sorted(unknown)}")
    if not units_for_actor(actor=actor, perm=Perm.PERSON_MANAGE).filter(pk=person.unit_id).exists():
        raise PermissionDenied
    checked = _registry_fields_check(
        organisation_id=person.organisation_id,
        values={k: v for k, v in changes.items() if k in REGISTRY_FIELDS},
    )
    changes = {**changes, **checked}
    if changes.get("date_of_birth") is not None and changes.get("birth_year") is None:
        changes["birth_year"] = changes["date_of_birth"].year
    updated = versioned_save(instance=person, expected_version=expected_version, changes=changes)
    # The linkage keys also hold the date of birth, the sex and the citizenship.
    if set(changes) & {
        "given_name", "family_name", "other_names", "phones", "id_documents", "date_of_birth",
        "birth_year", "birth_date_estimated", "sex", "citizenships",
    }:  # fmt: skip
        BlindIndexEntry.objects.filter(person=updated).delete()
        BlindIndexEntry.objects.bulk_create(_blind_index_entries(updated))
    audit_record(
        actor=actor,
        organisation=updated.organisation_id,
        action="person.updated",
        obj=updated,
        unit=updated.unit,
        details={"fields": sorted(changes), "version": updated.version},
    )
    return updated


@transaction.atomic
def person_file_store(*, actor: User, person: Person, upload: UploadedFile, kind: str) -> PersonFile:
    """Check an upload (size, type by content, no EXIF) and store it encrypted with the person's key.

    Raises UploadRefused with a message for the user.
    """
    content_type, replacement = upload_check(upload=upload, size=upload.size or 0)
    stored = PersonFile(
        organisation_id=person.organisation_id,
        person=person,
        kind=kind,
        name=upload.name or "document",
        content_type=content_type,
        size=0,
        uploaded_by=actor,
    )
    source = io.BytesIO(replacement) if replacement is not None else upload
    stored.size = encrypted_file_write(
        handle=person.encryption_handle(), file_id=stored.public_id, source=source
    )
    stored.save()
    audit_record(
        actor=actor,
        organisation=person.organisation_id,
        action="person.file.stored",
        obj=person,
        unit=person.unit,
        details={
            "file": str(stored.public_id),
            "kind": kind,
            "content_type": content_type,
            "size": stored.size,
        },
    )
    return stored


@transaction.atomic
def person_erase(*, actor: User | None, person: Person, reason_code: str) -> Person:
    """Crypto-shredding: the person key is destroyed, blind indexes deleted, statistical codes kept.

    The ciphertexts stay where they are (and in every backup) but can never be
    opened again; an audit tombstone records that the erasure happened.
    """
    subject_key_destroy(key_id=person.key_id)
    BlindIndexEntry.objects.filter(person=person).delete()
    for file_id in PersonFile.objects.filter(person=person).values_list("public_id", flat=True):
        encrypted_file_delete(file_id=file_id)
    Person.objects.filter(pk=person.pk).update(erased_at=timezone.now(), **dict.fromkeys(IDENTITY_FIELDS))
    person.refresh_from_db()
    audit_record(
        actor=actor,
        organisation=person.organisation_id,
        action="person.erased",
        obj=person,
        unit=person.unit,
        details={"reason": reason_code},
    )
    return person


# --- relations, households, merges (issue 4) ---------------------------------------------------


def _require_manage(actor: User, *persons: Person) -> None:
    managed = units_for_actor(actor=actor, perm=Perm.PERSON_MANAGE)
    if managed.filter(pk__in={p.unit_id for p in persons}).count() != len({p.unit_id for p in persons}):
        raise PermissionDenied


@transaction.atomic
def person_relation_add(
    *, actor: User, person: Person, relative: Person, kind: str, is_guardian: bool = False
) -> PersonRelation:
    """Record that `relative` is the `kind` of `person` (and perhaps the guardian). Both must be managed."""
    from kujdes.people.models import RelationKind

    _require_manage(actor, person, relative)
    if kind not in RelationKind.values:
        raise ValidationError({"kind": _("Choose a value from the list.")})
    if relative.pk == person.pk:
        raise ValidationError({"relative": _("A person cannot be their own relative.")})
    if PersonRelation.objects.filter(person=person, relative=relative).exists():
        raise ValidationError({"relative": _("This relation is recorded already.")})
    relation = PersonRelation.objects.create(
        organisation_id=person.organisation_id,
        person=person,
        relative=relative,
        kind=kind,
        is_guardian=is_guardian,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        organisation=person.organisation_id,
        action="person.relation.added",
        obj=person,
        unit=person.unit,
        details={"relative": str(relative.public_id), "kind": kind, "guardian": is_guardian},
    )
    return relation


@transaction.atomic
def person_guardian_register(
    *, actor: User, person: Person, given_name: str, family_name: str = "", kind: str
) -> Person:
    """Register a parent or guardian of `person` (a new family member in the same unit, minimal fields)
    and record the guardian relation, in the step that records the consent they give. Whoever may register
    persons in the unit may (a field educator registering a child, or at a camp's consent). Returns them."""
    from kujdes.people.models import RelationKind

    if kind not in RelationKind.values or kind == RelationKind.CHILD:
        raise ValidationError({"guardian_kind": _("Choose a value from the list.")})
    if not given_name.strip():
        raise ValidationError({"guardian_name": _("Give the name of the parent or guardian.")})
    if not units_for_actor(actor=actor, perm=Perm.PERSON_REGISTER_MINIMAL).filter(pk=person.unit_id).exists():
        raise PermissionDenied
    guardian = person_create(
        actor=actor,
        unit=person.unit,
        given_name=given_name.strip(),
        family_name=family_name.strip(),
        municipality=person.municipality,
        categories=[PersonCategory.FAMILY_MEMBER],
    )
    PersonRelation.objects.create(
        organisation_id=person.organisation_id,
        person=person,
        relative=guardian,
        kind=kind,
        is_guardian=True,
        created_by=actor,
    )
    audit_record(
        actor=actor,
        organisation=person.organisation_id,
        action="person.relation.added",
        obj=person,
        unit=person.unit,
        details={"relative": str(guardian.public_id), "kind": kind, "guardian": True},
    )
    return guardian


@transaction.atomic
def household_create(*, actor: User, person: Person) -> Household:
    """Open a household in the person's unit, with the person as its first member."""
    _require_manage(actor, person)
    prefix = code_prefix(
        organisation=person.unit.organisation, unit=person.unit, year=timezone.localdate().year
    )
    (number,) = codes_reserve(organisation_id=person.organisation_id, prefix=f"{prefix}-H")
    household = Household.objects.create(
        organisation_id=person.organisation_id, unit=person.unit, code=f"{prefix}-H{number:05d}"
    )
    Person.objects.filter(pk=person.pk).update(household=household, version=models.F("version") + 1)
    audit_record(
        actor=actor,
        organisation=person.organisation_id,
        action="person.household.created",
        obj=person,
        unit=person.unit,
        details={"household": str(household.public_id)},
    )
    return household


@transaction.atomic
def person_household_set(*, actor: User, person: Person, household: Household | None) -> Person:
    """Move a person into a household of the same organisation (or out of any, with None)."""
    _require_manage(actor, person)
    if household is not None and household.organisation_id != person.organisation_id:
        raise PermissionDenied
    Person.objects.filter(pk=person.pk).update(household=household, version=models.F("version") + 1)
    audit_record(
        actor=actor,
        organisation=person.organisation_id,
        action="person.household.set",
        obj=person,
        unit=person.unit,
        details={"household": str(household.public_id) if household else ""},
    )
    person.refresh_from_db()
    return person


# Functions (kept, duplicate) that later rooms register (in AppConfig.ready()) to move their own
# records from a duplicate to the kept person; called inside the merge transaction, in order. A hook
# returns a record of what it moved (JSON: ids, never personal data), kept in the merge's sealed undo
# record and handed back to its undo twin (UNMERGE_HOOKS) when the merge is undone.
MERGE_HOOKS: list[Callable[[Person, Person], Any]] = []
# The undo twin of a merge hook, by the hook's name: (kept, duplicate, record) -> None.
UNMERGE_HOOKS: dict[str, Callable[[Person, Person, Any], None]] = {}


def merge_hook_register(hook: Callable[[Person, Person], Any]) -> None:
    if hook not in MERGE_HOOKS:  # ready() may run twice in tests
        MERGE_HOOKS.append(hook)


def unmerge_hook_register(*, hook: Callable[[Person, Person], Any], undo: Callable[..., None]) -> None:
    """Name the function that puts back what `hook` moved (from the record the hook returned)."""
    UNMERGE_HOOKS[_hook_name(hook)] = undo


def _hook_name(hook: Callable[..., Any]) -> str:
    return f"{hook.__module__}.{getattr(hook, '__qualname__', repr(hook))}"


# The identity fields whose surviving value the proposer of a merge chooses, and the choices each has.
# Lists may keep both records' values. The date of birth carries the birth year and its "estimated" flag.
MERGE_CHOICE_FIELDS: dict[str, tuple[str, ...]] = {
    "given_name": ("kept", "duplicate"),
    "family_name": ("kept", "duplicate"),
    "date_of_birth": ("kept", "duplicate"),
    "sex": ("kept", "duplicate"),
    "municipality": ("kept", "duplicate"),
    "address": ("kept", "duplicate"),
    "phones": ("kept", "duplicate", "both"),
    "id_documents": ("kept", "duplicate", "both"),
    "citizenships": ("kept", "duplicate", "both"),
}
_CHOICE_CARRIES = {"date_of_birth": ("date_of_birth", "birth_year", "birth_date_estimated")}
# What an unmerge puts back on each person (plus the household); the version moves on instead.
_STATE_FIELDS = (*IDENTITY_FIELDS, *REGISTRY_FIELDS)


def merge_choices_default() -> dict[str, str]:
    return {field: "both" if "both" in options else "kept" for field, options in MERGE_CHOICE_FIELDS.items()}


def _merge_choices_check(choices: dict[str, str] | None) -> dict[str, str]:
    cleaned = merge_choices_default()
    for field, choice in (choices or {}).items():
        if field not in MERGE_CHOICE_FIELDS or choice not in MERGE_CHOICE_FIELDS[field]:
            raise ValidationError(_("Choose which record's value to keep from the list."))
        cleaned[field] = choice
    return cleaned


@transaction.atomic
def person_merge_propose(
    *,
    actor: User,
    kept: Person,
    duplicate: Person,
    field_choices: dict[str, str] | None = None,
    reviewed_as_organisation: bool = False,
) -> PersonMerge:
    """Propose that `duplicate` be merged into `kept`; a second person reviews it.

    Both must be managed by the actor, or (`reviewed_as_organisation`, the duplicates queue) the actor
    deduplicates the whole organisation (kujdes.people.dedupe.access). `field_choices` says which
    record's value survives per field of MERGE_CHOICE_FIELDS (default: the kept record's, both lists).
    """
    if reviewed_as_organisation:
        from kujdes.people.dedupe.access import dedupe_allowed

        if not dedupe_allowed(actor=actor, organisation_id=kept.organisation_id):
            raise PermissionDenied
    else:
        _require_manage(actor, kept, duplicate)
    choices = _merge_choices_check(field_choices)
    if kept.pk == duplicate.pk:
        raise ValidationError(_("Choose two different persons."))
    if kept.organisation_id != duplicate.organisation_id:
        raise PermissionDenied
    if kept.merged_into_id or duplicate.merged_into_id:
        raise ValidationError(_("One of these records was merged already."))
    if kept.erased_at or duplicate.erased_at:
        raise ValidationError(_("One of these records was erased."))
    if PersonMerge.objects.filter(
        models.Q(kept__in=(kept, duplicate)) | models.Q(duplicate__in=(kept, duplicate)),
        status=MergeStatus.PROPOSED,
    ).exists():
        raise ValidationError(_("A merge of one of these records is waiting for review already."))
    merge = PersonMerge.objects.create(
        organisation_id=kept.organisation_id,
        kept=kept,
        duplicate=duplicate,
        proposed_by=actor,
        field_choices=choices,
    )
    audit_record(
        actor=actor,
        organisation=kept.organisation_id,
        action="person.merge.proposed",
        obj=kept,
        unit=kept.unit,
        details={
            "merge": str(merge.public_id),
            "kept": kept.code,
            "duplicate": duplicate.code,
            "choices": choices,
        },
    )
    return merge


def person_merge_can_review(*, actor: User, merge: PersonMerge) -> bool:
    """A different user than the proposer, who manages persons or is programme manager of both units,
    or deduplicates the whole organisation."""
    if merge.proposed_by_id == actor.pk:
        return False
    return merge_overseen(actor=actor, merge=merge)


def person_merge_can_undo(*, actor: User, merge: PersonMerge) -> bool:
    """Who may review a merge may undo it (the proposer too: undoing only puts things back)."""
    return merge.status == MergeStatus.MERGED and merge_overseen(actor=actor, merge=merge)


def merge_overseen(*, actor: User, merge: PersonMerge) -> bool:
    from kujdes.people.dedupe.access import dedupe_allowed

    units = {merge.kept.unit_id, merge.duplicate.unit_id}
    for perm in (Perm.PERSON_MANAGE, Perm.CASE_APPROVE):
        if units_for_actor(actor=actor, perm=perm).filter(pk__in=units).count() == len(units):
            return True
    return dedupe_allowed(actor=actor, organisation_id=merge.organisation_id)


def _person_state(person: Person) -> dict[str, Any]:
    """A person's identity and codes as JSON (for the sealed undo record)."""
    state: dict[str, Any] = {field: getattr(person, field) for field in _STATE_FIELDS}
    if state["date_of_birth"] is not None:
        state["date_of_birth"] = state["date_of_birth"].isoformat()
    state["household_id"] = person.household_id
    state["version"] = person.version
    return state


def _person_state_apply(person: Person, state: dict[str, Any]) -> None:
    for field in _STATE_FIELDS:
        value = state[field]
        if field == "date_of_birth" and value is not None:
            value = datetime.date.fromisoformat(value)
        setattr(person, field, value)
    person.household_id = state["household_id"]


def _full_name(person: Person) -> str:
    return " ".join(part for part in (person.given_name or "", person.family_name or "") if part).strip()


def _identity_combine(*, kept: Person, duplicate: Person, choices: dict[str, str]) -> None:
    """Apply the chosen surviving values to `kept` (in memory); every name either record had stays
    as an alias, so searches by any of them still find her."""
    names_before = (_full_name(kept), _full_name(duplicate))
    for field, choice in choices.items():
        carried = _CHOICE_CARRIES.get(field, (field,))
        if choice == "duplicate":
            for name in carried:
                setattr(kept, name, getattr(duplicate, name))
        elif choice == "both":
            combined = list(getattr(kept, field) or [])
            for value in getattr(duplicate, field) or []:
                if value not in combined:
                    combined.append(value)
            setattr(kept, field, combined)
    if kept.birth_year is None and duplicate.birth_year is not None and choices["date_of_birth"] == "kept":
        kept.birth_year = duplicate.birth_year
    surviving = _full_name(kept)
    aliases: list[str] = []
    for name in [*(kept.other_names or []), *(duplicate.other_names or [])]:
        if name and name not in aliases:
            aliases.append(name)
    for name in names_before:
        if name and name != surviving and name not in aliases:
            aliases.append(name)
    kept.other_names = aliases


def _row_read(row: Any, *, person_field: str, owner: Person) -> dict[str, Any]:
    """The decrypted values of a row keyed by `owner`'s key (read through `owner`)."""
    from kujdes.core.fields import EncryptedField

    setattr(row, person_field, owner)
    return {
        field.name: getattr(row, field.name)
        for field in row._meta.concrete_fields
        if isinstance(field, EncryptedField)
    }


def _row_reseal(row: Any, *, person_field: str, values: dict[str, Any], to: Person) -> None:
    """Point the row at `to` and seal its values again with `to`'s key (the associated data names the
    row, so re-pointing alone would leave them unreadable)."""
    setattr(row, person_field, to)
    for name, value in values.items():
        setattr(row, name, value)
    row.save(update_fields=[person_field, *values])


def _file_rekey(*, stored: PersonFile, source: Person, target: Person, new_id: uuid.UUID) -> uuid.UUID:
    """Write the file's content again under `target`'s key and id `new_id`; returns the old id (the
    caller deletes its ciphertext once the transaction commits)."""
    from kujdes.core.files import encrypted_file_read

    stored.person = source
    name = stored.name
    plaintext = b"".join(encrypted_file_read(handle=source.encryption_handle(), file_id=stored.public_id))
    old_id = stored.public_id
    encrypted_file_write(handle=target.encryption_handle(), file_id=new_id, source=io.BytesIO(plaintext))
    stored.public_id = new_id
    stored.person, stored.name = target, name
    stored.save(update_fields=["public_id", "person", "name"])
    return old_id


def _files_delete_on_commit(file_ids: list[uuid.UUID]) -> None:
    def delete() -> None:
        for file_id in file_ids:
            encrypted_file_delete(file_id=file_id)

    transaction.on_commit(delete)


# People's own rows keyed by the person (their values sealed with her key), moved by _records_rekey.
_PEOPLE_KEYED = ("people.consent", "people.consentoverride", "people.legalhold")


def _records_rekey(*, kept: Person, duplicate: Person) -> dict[str, Any]:
    """Move the duplicate's encrypted records to the kept person, re-encrypted under the kept key.

    Each value is opened with the duplicate's key and sealed again with the kept person's key (the
    associated data names the row, so a plain re-pointing would leave them unreadable). Files get a
    new id: the new ciphertext is written beside the old one, which goes only once the merge commits.
    Returns what moved (ids only), for the undo record.
    """
    from django.apps import apps

    record: dict[str, Any] = {"files": [], "rows": []}
    old_files: list[uuid.UUID] = []
    for stored in PersonFile.objects.filter(person=duplicate):
        new_id = uuid.uuid4()
        old_id = _file_rekey(stored=stored, source=duplicate, target=kept, new_id=new_id)
        old_files.append(old_id)
        record["files"].append([stored.pk, str(old_id), str(new_id)])
    for label in _PEOPLE_KEYED:
        model = apps.get_model(label)
        for row in model.objects.filter(person=duplicate):
            values = _row_read(row, person_field="person", owner=duplicate)
            _row_reseal(row, person_field="person", values=values, to=kept)
            record["rows"].append([label, row.pk])
    _files_delete_on_commit(old_files)
    return record


def _records_rekey_undo(*, kept: Person, duplicate: Person, record: dict[str, Any]) -> None:
    from django.apps import apps

    new_files: list[uuid.UUID] = []
    for pk, old_id, _new_id in record.get("files", []):
        stored = PersonFile.objects.filter(pk=pk, person=kept).first()
        if stored is None:
            continue  # deleted since the merge
        new_files.append(_file_rekey(stored=stored, source=kept, target=duplicate, new_id=uuid.UUID(old_id)))
    for label, pk in record.get("rows", []):
        row = apps.get_model(label).objects.filter(pk=pk, person=kept).first()
        if row is not None:
            values = _row_read(row, person_field="person", owner=kept)
            _row_reseal(row, person_field="person", values=values, to=duplicate)
    _files_delete_on_commit(new_files)


def _other_rooms_rows_move(*, source: Person, target: Person, only: list[list[Any]] | None = None) -> list:
    """Rows of other rooms about the person (screenings, employment support, incoming referrals…) that no
    registered hook moved: re-pointed to `target` and their values sealed again under its key. Runs
    after the hooks, so whatever a hook handles has moved already; `only` limits it to the rows an
    earlier merge moved (its undo). Returns [label, pk] of each row moved."""
    from django.apps import apps

    moved: list[list[Any]] = []
    wanted: dict[str, set[int]] | None = None
    if only is not None:
        wanted = {}
        for label, pk in only:
            wanted.setdefault(label, set()).add(pk)
    for model in apps.get_models():
        if model._meta.app_label == "people":
            continue
        label = model._meta.label_lower
        if wanted is not None and label not in wanted:
            continue
        for field in model._meta.concrete_fields:
            if not (field.is_relation and field.related_model is Person and field.name == "person"):
                continue
            rows = model._default_manager.filter(person=source)
            if wanted is not None:
                rows = rows.filter(pk__in=wanted[label])
            for row in rows:
                values = _row_read(row, person_field="person", owner=source)
                _row_reseal(row, person_field="person", values=values, to=target)
                moved.append([label, row.pk])
    return moved


def _relations_move(*, kept: Person, duplicate: Person) -> dict[str, Any]:
    """The duplicate's relations become the kept person's; one that would repeat a relation of the kept
    person (or relate her to herself) goes, its row kept in the record for an undo."""
    from django.core import serializers

    record: dict[str, Any] = {"moved": [], "deleted": []}
    for relation in PersonRelation.objects.filter(models.Q(person=duplicate) | models.Q(relative=duplicate)):
        person_id = kept.pk if relation.person_id == duplicate.pk else relation.person_id
        relative_id = kept.pk if relation.relative_id == duplicate.pk else relation.relative_id
        clash = (
            person_id == relative_id
            or PersonRelation.objects.filter(person_id=person_id, relative_id=relative_id)
            .exclude(pk=relation.pk)
            .exists()
        )
        if clash:
            record["deleted"].append(serializers.serialize("json", [relation]))
            relation.delete()
        else:
            record["moved"].append([relation.pk, relation.person_id, relation.relative_id])
            PersonRelation.objects.filter(pk=relation.pk).update(person_id=person_id, relative_id=relative_id)
    # Consents naming the duplicate as the guardian who gave them now name the kept person.
    from kujdes.people.models import Consent

    guardian_of = list(Consent.objects.filter(guardian=duplicate).values_list("pk", flat=True))
    Consent.objects.filter(pk__in=guardian_of).update(guardian=kept)
    record["guardian_of"] = guardian_of
    return record


def _relations_undo(*, kept: Person, duplicate: Person, record: dict[str, Any]) -> None:
    from django.core import serializers

    from kujdes.people.models import Consent

    Consent.objects.filter(pk__in=record.get("guardian_of", []), guardian=kept).update(guardian=duplicate)
    for pk, person_id, relative_id in record.get("moved", []):
        PersonRelation.objects.filter(pk=pk).update(person_id=person_id, relative_id=relative_id)
    for text in record.get("deleted", []):
        for restored in serializers.deserialize("json", text):
            restored.save()


def _merge_result_save(person: Person, fields: list[str]) -> None:
    person.version += 1
    person.save(update_fields=[*fields, "version", "updated_at"])
    BlindIndexEntry.objects.filter(person=person).delete()
    BlindIndexEntry.objects.bulk_create(_blind_index_entries(person))


def _merge_apply(*, merge: PersonMerge, kept: Person, duplicate: Person) -> dict[str, Any]:
    """Everything an approval does, recording what it changed (returned, then sealed on the merge)."""
    persons_keys_attach([kept, duplicate])
    undo: dict[str, Any] = {"kept": _person_state(kept), "duplicate": _person_state(duplicate)}
    BlindIndexEntry.objects.filter(person=duplicate).delete()
    undo["records"] = _records_rekey(kept=kept, duplicate=duplicate)
    undo["relations"] = _relations_move(kept=kept, duplicate=duplicate)
    household_id = kept.household_id
    if kept.household_id is None and duplicate.household_id is not None:
        household_id = duplicate.household_id
    Person.objects.filter(pk=duplicate.pk).update(
        merged_into=kept, household=None, version=models.F("version") + 1
    )
    undo["hooks"] = {}
    for hook in MERGE_HOOKS:
        undo["hooks"][_hook_name(hook)] = hook(kept, duplicate)
    undo["other_rows"] = _other_rooms_rows_move(source=duplicate, target=kept)
    _identity_combine(kept=kept, duplicate=duplicate, choices=_merge_choices_check(merge.field_choices))
    kept.household_id = household_id
    _merge_result_save(kept, [*_STATE_FIELDS, "household"])
    undo["kept_version_after"] = kept.version
    return undo


def persons_keys_attach(persons: list[Person]) -> None:
    from kujdes.people.selectors import persons_with_keys

    persons_with_keys(persons)


def _undo_counts(undo: dict[str, Any]) -> dict[str, Any]:
    """What moved, as ids and counts for the audit event (no personal data)."""
    records = undo["records"]
    return {
        "files": [new for _pk, _old, new in records["files"]],
        "rows": records["rows"],
        "relations_moved": [pk for pk, _p, _r in undo["relations"]["moved"]],
        "relations_dropped": len(undo["relations"]["deleted"]),
        "other_rows": undo["other_rows"],
        # A hook's record may hold whole rows (for their restoring): the audit takes its ids only.
        "hooks": {name: record.get("audit") for name, record in undo["hooks"].items() if record},
    }


@transaction.atomic
def person_merge_review(*, actor: User, merge: PersonMerge, approve: bool) -> PersonMerge:
    """Approve (merge now) or reject a proposed merge.

    On approval the duplicate keeps its row (for the audit trail, its plain codes and an undo) but
    loses its blind indexes and points at the kept person (`merged_into`); the kept person takes the
    chosen values and every name of both as aliases; consents, files, relations, household, the rows
    of other rooms (their MERGE_HOOKS, then any row still about the duplicate) move to the kept
    person. What changed is sealed on the merge (`undo`) for person_unmerge, and audited as ids.
    """
    from kujdes.people.models import DuplicatePair, PairStatus

    merge = PersonMerge.objects.select_for_update().select_related("kept", "duplicate").get(pk=merge.pk)
    if merge.status != MergeStatus.PROPOSED:
        raise ValidationError(_("This merge was reviewed already."))
    if not person_merge_can_review(actor=actor, merge=merge):
        raise PermissionDenied
    kept, duplicate = merge.kept, merge.duplicate
    merge.reviewed_by = actor
    merge.reviewed_at = timezone.now()
    if not approve:
        merge.status = MergeStatus.REJECTED
        merge.save(update_fields=["status", "reviewed_by", "reviewed_at"])
        # A queue pair whose merge was refused goes back to the queue, to be decided again.
        DuplicatePair.objects.filter(merge=merge).update(
            status=PairStatus.OPEN, merge=None, decided_by=None, decided_at=None
        )
        audit_record(
            actor=actor,
            organisation=kept.organisation_id,
            action="person.merge.rejected",
            obj=kept,
            unit=kept.unit,
            details={"merge": str(merge.public_id)},
        )
        return merge
    if kept.merged_into_id or duplicate.merged_into_id or kept.erased_at or duplicate.erased_at:
        raise ValidationError(_("One of these records was merged or erased since the proposal."))
    undo = _merge_apply(merge=merge, kept=kept, duplicate=duplicate)
    merge.status = MergeStatus.MERGED
    merge.undo = undo  # type: ignore[assignment]  # an encrypted JSON field, typed as its column
    merge.save(update_fields=["status", "reviewed_by", "reviewed_at", "undo"])
    audit_record(
        actor=actor,
        organisation=kept.organisation_id,
        action="person.merge.approved",
        obj=kept,
        unit=kept.unit,
        details={
            "merge": str(merge.public_id),
            "kept": kept.code,
            "duplicate": duplicate.code,
            "choices": merge.field_choices,
            "moved": _undo_counts(undo),
        },
    )
    return merge


@transaction.atomic
def person_unmerge(*, actor: User, merge: PersonMerge) -> PersonMerge:
    """Undo an approved merge from its sealed record: both persons' identities and codes as they were
    before it, every moved row back to the duplicate (re-encrypted under her key again, files under
    their old ids), dropped relations restored, blind indexes rebuilt for both. Refused (ValidationError)
    when the kept record was edited, merged or erased since, or the merge has no record to undo from.
    """
    from kujdes.people.models import DuplicatePair, PairStatus

    merge = PersonMerge.objects.select_for_update().select_related("kept", "duplicate").get(pk=merge.pk)
    if merge.status != MergeStatus.MERGED:
        raise ValidationError(_("Only a merge that was carried out can be undone."))
    if not person_merge_can_undo(actor=actor, merge=merge):
        raise PermissionDenied
    kept = Person.objects.select_for_update().get(pk=merge.kept_id)
    duplicate = Person.objects.select_for_update().get(pk=merge.duplicate_id)
    merge.kept = kept
    persons_keys_attach([kept, duplicate])
    undo = cast("dict[str, Any] | None", merge.undo)  # an encrypted JSON field, typed as its column
    if not undo:
        raise ValidationError(_("This merge was made before merges kept a record of their changes."))
    if kept.erased_at or duplicate.erased_at or kept.merged_into_id:
        raise ValidationError(_("One of these records was merged again or erased since."))
    if kept.version != undo["kept_version_after"]:
        raise ValidationError(
            _("The kept record was changed after the merge; undoing it would lose those changes.")
        )
    _other_rooms_rows_move(source=kept, target=duplicate, only=undo["other_rows"])
    for hook in reversed(MERGE_HOOKS):
        name = _hook_name(hook)
        if undo["hooks"].get(name) is None:
            continue
        if name not in UNMERGE_HOOKS:
            raise ValidationError(_("This merge cannot be undone: a part of it has no undo."))
        UNMERGE_HOOKS[name](kept, duplicate, undo["hooks"][name])
    _relations_undo(kept=kept, duplicate=duplicate, record=undo["relations"])
    _records_rekey_undo(kept=kept, duplicate=duplicate, record=undo["records"])
    _person_state_apply(kept, undo["kept"])
    _merge_result_save(kept, [*_STATE_FIELDS, "household"])
    _person_state_apply(duplicate, undo["duplicate"])
    duplicate.merged_into = None
    _merge_result_save(duplicate, [*_STATE_FIELDS, "household", "merged_into"])
    merge.status = MergeStatus.UNMERGED
    merge.unmerged_by = actor
    merge.unmerged_at = timezone.now()
    merge.save(update_fields=["status", "unmerged_by", "unmerged_at"])
    # The queue's pair is open again: whoever undid the merge decides anew (often "not the same").
    DuplicatePair.objects.filter(merge=merge).update(
        status=PairStatus.OPEN, merge=None, decided_by=None, decided_at=None
    )
    audit_record(
        actor=actor,
        organisation=kept.organisation_id,
        action="person.merge.undone",
        obj=kept,
        unit=kept.unit,
        details={
            "merge": str(merge.public_id),
            "kept": kept.code,
            "duplicate": duplicate.code,
            "restored": _undo_counts(undo),
        },
    )
    return merge
