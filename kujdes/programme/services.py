"""Every write of the programme room: each checks the actor's right on the activity or unit; audited."""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.content_languages import offered_languages, organisation_language
from kujdes.core.locking import versioned_save
from kujdes.core.models import Unit
from kujdes.core.roles import Perm
from kujdes.people.models import Person
from kujdes.people.services import unmerge_hook_register
from kujdes.programme.models import (
    OUTCOME_MONTHS,
    Activity,
    ActivityFile,
    ActivityKind,
    ActivityStatus,
    ActivityType,
    Attendance,
    CampGroup,
    CampIncident,
    CodeOfConduct,
    ConductAcceptance,
    Facilitator,
    FacilitatorRole,
    Headcount,
    HeadcountCategory,
    HeadcountCell,
    HeadcountSex,
    Initiative,
    InitiativeAction,
    Outcome,
    OutcomeResult,
    Participation,
    ParticipationStatus,
    ProgrammeSettings,
    Session,
    SessionStatus,
    Volunteer,
    VolunteerHours,
    VolunteerTraining,
)
from kujdes.programme.selectors import (
    _unit_ids,
    activity_can_manage,
    activity_can_record,
    age_groups_for,
    initiative_can_manage,
    volunteer_can_manage,
)
from kujdes.programme.volunteers.selectors import facilitator_staff_category

if TYPE_CHECKING:
    from kujdes.accounts.models import User

# -- activity types ---------------------------------------------------------------------------------

# (code, kind, sq, en, fr): the types the programme starts with; organisations rename, add or retire them.
DEFAULT_ACTIVITY_TYPES: tuple[tuple[str, str, str, str, str], ...] = (
    (
        "vocational-course",
        ActivityKind.COURSE,
        "Kurs profesional",
        "Vocational course",
        "Formation professionnelle",
    ),
    ("summer-camp", ActivityKind.CAMP, "Kamp veror", "Summer camp", "Camp d'été"),
    (
        "awareness-campaign",
        ActivityKind.MASS,
        "Fushatë sensibilizuese",
        "Awareness campaign",
        "Campagne de sensibilisation",
    ),
    ("school-session", ActivityKind.MASS, "Seancë në shkollë", "School session", "Séance scolaire"),
    (
        "information-meeting",
        ActivityKind.MEETING,
        "Takim informues",
        "Information meeting",
        "Réunion d'information",
    ),
    (
        "consultation-meeting",
        ActivityKind.MEETING,
        "Takim këshillimi",
        "Consultation meeting",
        "Réunion de consultation",
    ),
    (
        "volunteer-training",
        ActivityKind.TRAINING,
        "Trajnim vullnetarësh",
        "Volunteer training",
        "Formation des bénévoles",
    ),
    (
        "professional-training",
        ActivityKind.TRAINING,
        "Trajnim profesionistësh",
        "Training of professionals",
        "Formation de professionnels",
    ),
    (
        "joint-initiative",
        ActivityKind.ADVOCACY,
        "Nismë e përbashkët / avokaci",
        "Joint initiative / advocacy action",
        "Initiative commune / plaidoyer",
    ),
    (
        "exchange-visit",
        ActivityKind.VISIT,
        "Vizitë shkëmbimi ose studimi",
        "Exchange or study visit",
        "Visite d'échange ou d'étude",
    ),
)

# The default types' names in the network's other languages (machine-assisted, not yet reviewed by
# native speakers; the terms of docs/translations/glossary-*.md).
ACTIVITY_TYPE_NAMES: dict[str, dict[str, str]] = {
    "vocational-course": {
        "ar": "دورة تدريب مهني",
        "tr": "Mesleki kurs",
        "uk": "Професійний курс",
        "ro": "Curs de formare profesională",
        "bg": "Професионален курс",
        "hy": "Մասնագիտական դասընթաց",
        "bs": "Stručni kurs",
    },
    "summer-camp": {
        "ar": "مخيم صيفي",
        "tr": "Yaz kampı",
        "uk": "Літній табір",
        "ro": "Tabără de vară",
        "bg": "Летен лагер",
        "hy": "Ամառային ճամբար",
        "bs": "Ljetni kamp",
    },
    "awareness-campaign": {
        "ar": "حملة توعية",
        "tr": "Farkındalık kampanyası",
        "uk": "Інформаційно-просвітницька кампанія",
        "ro": "Campanie de conștientizare",
        "bg": "Информационна кампания",
        "hy": "Իրազեկման արշավ",
        "bs": "Kampanja podizanja svijesti",
    },
    "school-session": {
        "ar": "جلسة في مدرسة",
        "tr": "Okul oturumu",
        "uk": "Заняття в школі",
        "ro": "Sesiune în școală",
        "bg": "Занятие в училище",
        "hy": "Դպրոցական պարապմունք",
        "bs": "Radionica u školi",
    },
    "information-meeting": {
        "ar": "اجتماع إعلامي",
        "tr": "Bilgilendirme toplantısı",
        "uk": "Інформаційна зустріч",
        "ro": "Întâlnire de informare",
        "bg": "Информационна среща",
        "hy": "Տեղեկատվական հանդիպում",
        "bs": "Informativni sastanak",
    },
    "consultation-meeting": {
        "ar": "اجتماع تشاوري",
        "tr": "İstişare toplantısı",
        "uk": "Консультаційна зустріч",
        "ro": "Întâlnire de consultare",
        "bg": "Консултативна среща",
        "hy": "Խորհրդատվական հանդիպում",
        "bs": "Konsultativni sastanak",
    },
    "volunteer-training": {
        "ar": "تدريب المتطوعين",
        "tr": "Gönüllü eğitimi",
        "uk": "Навчання волонтерів",
        "ro": "Formarea voluntarilor",
        "bg": "Обучение на доброволци",
        "hy": "Կամավորների վերապատրաստում",
        "bs": "Obuka volontera",
    },
    "professional-training": {
        "ar": "تدريب المهنيين",
        "tr": "Profesyonellere yönelik eğitim",
        "uk": "Навчання фахівців",
        "ro": "Formarea profesioniștilor",
        "bg": "Обучение на специалисти",
        "hy": "Մասնագետների վերապատրաստում",
        "bs": "Obuka stručnjaka",
    },
    "joint-initiative": {
        "ar": "مبادرة مشتركة / عمل مناصرة",
        "tr": "Ortak girişim / savunuculuk eylemi",
        "uk": "Спільна ініціатива / адвокаційна дія",
        "ro": "Inițiativă comună / acțiune de advocacy",
        "bg": "Съвместна инициатива / застъпническа дейност",
        "hy": "Համատեղ նախաձեռնություն / շահերի պաշտպանության գործողություն",
        "bs": "Zajednička inicijativa / zagovaračka akcija",
    },
    "exchange-visit": {
        "ar": "زيارة تبادل أو زيارة دراسية",
        "tr": "Değişim veya çalışma ziyareti",
        "uk": "Обмінний або навчальний візит",
        "ro": "Vizită de schimb sau de studiu",
        "bg": "Посещение за обмен или учебно посещение",
        "hy": "Փորձի փոխանակման կամ ուսումնական այց",
        "bs": "Studijska posjeta ili posjeta razmjene",
    },
}


def default_activity_type_names(code: str) -> dict[str, str]:
    """A shipped type's names in every language Kujdes ships them in ({} for a type of one's own)."""
    for default_code, _kind, sq, en, fr in DEFAULT_ACTIVITY_TYPES:
        if default_code == code:
            return {"sq": sq, "en": en, "fr": fr, **ACTIVITY_TYPE_NAMES.get(code, {})}
    return {}


def activity_types_install(*, organisation_id: int) -> int:
    """Create the default activity types an organisation lacks; returns how many were created."""
    existing = set(
        ActivityType.objects.filter(organisation_id=organisation_id).values_list("code", flat=True)
    )
    created = [
        ActivityType(
            organisation_id=organisation_id,
            code=code,
            kind=kind,
            names=default_activity_type_names(code),
            order=i,
        )
        for i, (code, kind, _sq, _en, _fr) in enumerate(DEFAULT_ACTIVITY_TYPES)
        if code not in existing
    ]
    ActivityType.objects.bulk_create(created)
    return len(created)


def shipped_names_merge(names: dict[str, str], shipped: dict[str, str]) -> dict[str, str] | None:
    """`names` with the shipped texts of the languages it lacks, or None when it lacks none.

    Only missing languages are filled: a name the organisation wrote or corrected is never replaced."""
    added = {code: text for code, text in shipped.items() if text and not (names.get(code) or "").strip()}
    return {**names, **added} if added else None


def activity_type_translations_install(*, organisation_id: int) -> int:
    """Give an organisation's shipped activity types the shipped names of the languages they lack
    (`kujdes content translations install`); returns how many types gained a language. Idempotent."""
    updated = 0
    for activity_type in ActivityType.objects.filter(organisation_id=organisation_id):
        merged = shipped_names_merge(
            activity_type.names or {}, default_activity_type_names(activity_type.code)
        )
        if merged is not None:
            activity_type.names = merged
            activity_type.save(update_fields=["names"])
            updated += 1
    return updated


@transaction.atomic
def activity_type_save(
    *,
    actor: User,
    organisation_id: int,
    activity_type: ActivityType | None,
    code: str,
    kind: str,
    names: dict[str, str],
    is_active: bool,
) -> ActivityType:
    """An organisation administrator adds or renames a type (the kind of an used type stays)."""
    if organisation_id not in {u for u in _org_ids(actor, Perm.ORGANISATION_CONFIGURE)}:
        raise PermissionDenied
    if not names.get("en") and not names.get("sq"):
        raise ValidationError({"names": _("Give the name at least in Albanian or English.")})
    if activity_type is None:
        if ActivityType.objects.filter(organisation_id=organisation_id, code=code).exists():
            raise ValidationError({"code": _("Another activity type has this code.")})
        activity_type = ActivityType(organisation_id=organisation_id, code=code, kind=kind)
    elif activity_type.kind != kind and activity_type.activities.exists():
        raise ValidationError({"kind": _("Activities of this type exist: its kind can no longer change.")})
    activity_type.kind = kind
    activity_type.names = {k: v for k, v in names.items() if v}
    activity_type.is_active = is_active
    activity_type.save()
    audit_record(actor=actor, organisation=organisation_id, action="programme.type.saved", obj=activity_type)
    return activity_type


def _org_ids(actor: User, perm: Perm) -> set[int]:
    from kujdes.core.selectors import organisations_for_actor

    return set(organisations_for_actor(actor=actor, perm=perm).values_list("pk", flat=True))


# -- activities and sessions --------------------------------------------------------------------------


def _require_unit(actor: User, unit: Unit, perm: Perm = Perm.PROGRAMME_MANAGE) -> None:
    if unit.pk not in _unit_ids(actor, perm):
        raise PermissionDenied


def _require_manage(actor: User, activity: Activity) -> None:
    if not activity_can_manage(actor=actor, activity=activity):
        raise PermissionDenied


def _dates_check(starts_on: datetime.date, ends_on: datetime.date) -> None:
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The end date is before the start date.")})
    if (ends_on - starts_on).days > 3 * 366:
        raise ValidationError(
            {"ends_on": _("An activity lasts at most three years; split longer programmes.")}
        )


ACTIVITY_FIELDS = (
    "title",
    "activity_type",
    "municipality",
    "place",
    "starts_on",
    "ends_on",
    "target_groups",
    "external_experts",
    "description",
    "status",
    "certificate_hours",
)


@transaction.atomic
def activity_create(
    *,
    actor: User,
    unit: Unit,
    activity_type: ActivityType,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    co_units: Iterable[Unit] = (),
    partners: Iterable[Any] = (),
    **values: Any,
) -> Activity:
    _require_unit(actor, unit)
    if activity_type.organisation_id != unit.organisation_id:
        raise PermissionDenied
    _dates_check(starts_on, ends_on)
    activity = Activity.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        activity_type=activity_type,
        title=title,
        starts_on=starts_on,
        ends_on=ends_on,
        created_by=actor,
        **{k: v for k, v in values.items() if k in ACTIVITY_FIELDS},
    )
    _relations_set(activity, co_units=co_units, partners=partners)
    audit_record(
        actor=actor,
        organisation=unit.organisation_id,
        action="programme.activity.created",
        obj=activity,
        unit=unit,
    )
    return activity


def _relations_set(
    activity: Activity, *, co_units: Iterable[Unit] | None, partners: Iterable[Any] | None
) -> None:
    if co_units is not None:
        co = [
            u for u in co_units if u.organisation_id == activity.organisation_id and u.pk != activity.unit_id
        ]
        activity.co_units.set(co)
        activity.__dict__.pop("_unit_ids", None)
    if partners is not None:
        activity.partners.set([p for p in partners if p.organisation_id == activity.organisation_id])


@transaction.atomic
def activity_update(
    *,
    actor: User,
    activity: Activity,
    expected_version: int,
    changes: dict[str, Any],
    co_units: Iterable[Unit] | None = None,
    partners: Iterable[Any] | None = None,
) -> Activity:
    _require_manage(actor, activity)
    unknown = set(changes) - set(ACTIVITY_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    _dates_check(changes.get("starts_on", activity.starts_on), changes.get("ends_on", activity.ends_on))
    updated = versioned_save(instance=activity, expected_version=expected_version, changes=changes)
    _relations_set(updated, co_units=co_units, partners=partners)
    audit_record(
        actor=actor,
        organisation=activity.organisation_id,
        action="programme.activity.updated",
        obj=activity,
        unit=activity.unit,
        details={"fields": sorted(changes)},
    )
    return updated


@transaction.atomic
def facilitator_add(
    *,
    actor: User,
    activity: Activity,
    role: str,
    user: Any = None,
    volunteer: Volunteer | None = None,
    name: str = "",
    duty: str = "",
    staff_category: str = "",
) -> Facilitator:
    _require_manage(actor, activity)
    if volunteer is not None and volunteer.organisation_id != activity.organisation_id:
        raise PermissionDenied
    if role == FacilitatorRole.VOLUNTEER and volunteer is None:
        raise ValidationError({"volunteer": _("Choose the volunteer.")})
    if role == FacilitatorRole.EXPERT and not name.strip():
        raise ValidationError({"name": _("Give the expert's name.")})
    if role == FacilitatorRole.STAFF and user is None and not name.strip():
        raise ValidationError({"user": _("Choose the staff member.")})
    facilitator = Facilitator.objects.create(
        organisation_id=activity.organisation_id,
        activity=activity,
        role=role,
        user=user,
        volunteer=volunteer,
        name=name.strip(),
        duty=duty.strip(),
        # How they serve (issue 20): the reports count activities and hours by it.
        staff_category=facilitator_staff_category(
            activity=activity, role=role, user=user, staff_category=staff_category
        ),
    )
    audit_record(
        actor=actor, organisation=activity.organisation_id, action="programme.facilitator.added", obj=activity
    )
    return facilitator


@transaction.atomic
def facilitator_remove(*, actor: User, facilitator: Facilitator) -> None:
    _require_manage(actor, facilitator.activity)
    facilitator.delete()
    audit_record(
        actor=actor,
        organisation=facilitator.organisation_id,
        action="programme.facilitator.removed",
        obj=facilitator.activity,
    )


@transaction.atomic
def activity_file_store(*, actor: User, activity: Activity, upload: Any) -> ActivityFile:
    """A material of the activity (programme data), checked like every upload and stored encrypted
    with a key of its own. Raises UploadRefused with a message for the user."""
    import io

    from kujdes.core.files import encrypted_file_write, upload_check

    _require_manage(actor, activity)
    content_type, replacement = upload_check(upload=upload, size=upload.size or 0)
    stored = ActivityFile(
        organisation_id=activity.organisation_id,
        activity=activity,
        name=(upload.name or "document")[:200],
        content_type=content_type,
        size=0,
        uploaded_by=actor,
    )
    source = io.BytesIO(replacement) if replacement is not None else upload
    stored.size = encrypted_file_write(
        handle=stored.encryption_handle(), file_id=stored.public_id, source=source
    )
    stored.save()
    audit_record(
        actor=actor,
        organisation=activity.organisation_id,
        action="programme.file.stored",
        obj=activity,
        unit=activity.unit,
        details={"file": str(stored.public_id), "content_type": content_type, "size": stored.size},
    )
    return stored


def _session_check(
    activity: Activity, date: datetime.date, starts_at: datetime.time | None, ends_at: datetime.time | None
) -> None:
    if not activity.starts_on <= date <= activity.ends_on:
        raise ValidationError(
            {"date": _("The session must fall between the activity's start and end dates.")}
        )
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The session must end after it starts.")})


@transaction.atomic
def session_add(
    *,
    actor: User,
    activity: Activity,
    date: datetime.date,
    starts_at: datetime.time | None = None,
    ends_at: datetime.time | None = None,
    topic: str = "",
    place: str = "",
) -> Session:
    _require_manage(actor, activity)
    _session_check(activity, date, starts_at, ends_at)
    session = Session.objects.create(
        organisation_id=activity.organisation_id,
        activity=activity,
        date=date,
        starts_at=starts_at,
        ends_at=ends_at,
        topic=topic,
        place=place or activity.place,
    )
    audit_record(
        actor=actor, organisation=activity.organisation_id, action="programme.session.added", obj=activity
    )
    return session


MAX_RECURRING_SESSIONS = 200


@transaction.atomic
def sessions_schedule(
    *,
    actor: User,
    activity: Activity,
    weekdays: Iterable[int],
    starts_at: datetime.time | None,
    ends_at: datetime.time | None,
    first: datetime.date | None = None,
    last: datetime.date | None = None,
    topic: str = "",
) -> list[Session]:
    """Recurring sessions (a course's timetable): every chosen weekday (0 = Monday) between two dates.

    Days that already have a session are skipped, so scheduling twice does not double them.
    """
    _require_manage(actor, activity)
    days = sorted(set(weekdays))
    if not days or any(d not in range(7) for d in days):
        raise ValidationError({"weekdays": _("Choose at least one day of the week.")})
    first = max(first or activity.starts_on, activity.starts_on)
    last = min(last or activity.ends_on, activity.ends_on)
    if last < first:
        raise ValidationError({"last": _("The last day is before the first.")})
    if starts_at and ends_at and ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The session must end after it starts.")})
    taken = set(Session.objects.filter(activity=activity).values_list("date", flat=True))
    dates = []
    day = first
    while day <= last:
        if day.weekday() in days and day not in taken:
            dates.append(day)
        day += datetime.timedelta(days=1)
    if len(dates) > MAX_RECURRING_SESSIONS:
        raise ValidationError(
            {
                "weekdays": _("That would create %(n)d sessions; at most %(max)d at once.")
                % {"n": len(dates), "max": MAX_RECURRING_SESSIONS}
            }
        )
    sessions = Session.objects.bulk_create(
        [
            Session(
                organisation_id=activity.organisation_id,
                activity=activity,
                date=d,
                starts_at=starts_at,
                ends_at=ends_at,
                topic=topic,
                place=activity.place,
            )
            for d in dates
        ]
    )
    audit_record(
        actor=actor,
        organisation=activity.organisation_id,
        action="programme.sessions.scheduled",
        obj=activity,
        details={"sessions": len(sessions)},
    )
    return sessions


@transaction.atomic
def session_update(*, actor: User, session: Session, changes: dict[str, Any]) -> Session:
    _require_manage(actor, session.activity)
    allowed = {"date", "starts_at", "ends_at", "topic", "place", "status"}
    if set(changes) - allowed:
        raise ValueError("not editable")
    _session_check(
        session.activity,
        changes.get("date", session.date),
        changes.get("starts_at", session.starts_at),
        changes.get("ends_at", session.ends_at),
    )
    for field, value in changes.items():
        setattr(session, field, value)
    session.save(update_fields=list(changes))
    audit_record(
        actor=actor,
        organisation=session.organisation_id,
        action="programme.session.updated",
        obj=session.activity,
    )
    return session


# -- participation --------------------------------------------------------------------------------


def _certificate_language(person: Person) -> str:
    """The first of the person's languages a certificate can be made in, else the organisation's."""
    offered = offered_languages()
    for language in person.languages or []:
        code = str(language)[:2].lower()
        if code in offered:
            return code
    return organisation_language(person.organisation)


def persons_enrollable(*, actor: User, activity: Activity) -> Any:
    """Persons who may be enrolled: registered in the activity's organisation, in units where the actor
    registers or sees persons, or (a volunteer adding someone on the day) in the activity's own units."""
    from kujdes.core.selectors import units_for_actor

    units = set(units_for_actor(actor=actor, perm=Perm.PERSON_REGISTER_MINIMAL).values_list("pk", flat=True))
    units |= set(units_for_actor(actor=actor, perm=Perm.PERSON_VIEW).values_list("pk", flat=True))
    if activity_can_record(actor=actor, activity=activity):
        from kujdes.programme.selectors import _activity_unit_ids

        units |= _activity_unit_ids(activity)
    return Person.objects.filter(
        organisation_id=activity.organisation_id,
        unit_id__in=units,
        erased_at__isnull=True,
        merged_into__isnull=True,
    )


@transaction.atomic
def participant_enrol(
    *,
    actor: User,
    activity: Activity,
    person: Person,
    enrolled_on: datetime.date | None = None,
    late_addition: bool = False,
    parental_consent: bool = False,
    parental_consent_by: str = "",
    camp_group: CampGroup | None = None,
) -> Participation:
    """Enrol a registered person. Staff who manage the activity enrol; on the day, whoever records
    attendance may add a late participant. Enrolling twice returns the existing participation."""
    if late_addition:
        if not activity_can_record(actor=actor, activity=activity):
            raise PermissionDenied
    else:
        _require_manage(actor, activity)
    if not persons_enrollable(actor=actor, activity=activity).filter(pk=person.pk).exists():
        raise PermissionDenied
    if activity.status == ActivityStatus.CANCELLED:
        raise ValidationError(_("The activity was cancelled: nobody can be enrolled."))
    existing = Participation.objects.filter(activity=activity, person=person).first()
    if existing is not None:
        if existing.status == ParticipationStatus.DROPPED:
            existing.status = ParticipationStatus.ENROLLED
            existing.save(update_fields=["status"])
        return existing
    if activity.activity_type.kind == ActivityKind.CAMP and not late_addition:
        age = (activity.starts_on.year - person.birth_year) if person.birth_year else None
        if (age is None or age < 18) and not (parental_consent and parental_consent_by.strip()):
            raise ValidationError(
                {
                    "parental_consent": _(
                        "A child goes to camp only with a parent's or guardian's consent: record who gave it."
                    )
                }
            )
    if camp_group is not None and camp_group.activity_id != activity.pk:
        raise PermissionDenied
    participation = Participation.objects.create(
        organisation_id=activity.organisation_id,
        activity=activity,
        person=person,
        enrolled_on=enrolled_on or timezone.localdate(),
        late_addition=late_addition,
        certificate_language=_certificate_language(person),
        parental_consent=parental_consent,
        parental_consent_by=parental_consent_by.strip(),
        camp_group=camp_group,
        enrolled_by=actor,
    )
    audit_record(
        actor=actor,
        organisation=activity.organisation_id,
        action="programme.participant.enrolled",
        obj=participation,
        unit=activity.unit,
        details={"late": late_addition},
    )
    return participation


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (the month's last day when it is shorter: 31 Aug + 6 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@transaction.atomic
def participation_complete(
    *, actor: User, participation: Participation, completed_on: datetime.date
) -> Participation:
    """Mark a participant as having completed; courses get their 3, 6 and 12-month outcome follow-ups."""
    activity = participation.activity
    _require_manage(actor, activity)
    if completed_on < activity.starts_on:
        raise ValidationError({"completed_on": _("The completion date is before the activity started.")})
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("The completion date is in the future.")})
    participation.status = ParticipationStatus.COMPLETED
    participation.completed_on = completed_on
    if not participation.certificate_number:
        participation.certificate_number = (
            f"{activity.organisation_id}-{completed_on.year}-{participation.pk:06d}"
        )
    participation.version += 1
    participation.save(update_fields=["status", "completed_on", "certificate_number", "version"])
    if activity.activity_type.kind == ActivityKind.COURSE:
        outcomes_schedule(participation=participation)
    audit_record(
        actor=actor,
        organisation=activity.organisation_id,
        action="programme.participant.completed",
        obj=participation,
    )
    return participation


def outcomes_schedule(*, participation: Participation) -> list[Outcome]:
    """The follow-ups at 3, 6 and 12 months after completion; moved if the completion date changes,
    kept once recorded."""
    assert participation.completed_on is not None
    outcomes = []
    for months in OUTCOME_MONTHS:
        due = months_after(participation.completed_on, months)
        outcome, created = Outcome.objects.get_or_create(
            participation=participation,
            months=months,
            defaults={"organisation_id": participation.organisation_id, "due_on": due},
        )
        if not created and not outcome.result and outcome.due_on != due:
            outcome.due_on = due
            outcome.save(update_fields=["due_on"])
        outcomes.append(outcome)
    return outcomes


@transaction.atomic
def participation_drop(*, actor: User, participation: Participation) -> Participation:
    _require_manage(actor, participation.activity)
    participation.status = ParticipationStatus.DROPPED
    participation.save(update_fields=["status"])
    audit_record(
        actor=actor,
        organisation=participation.organisation_id,
        action="programme.participant.dropped",
        obj=participation,
    )
    return participation


@transaction.atomic
def outcome_record(
    *, actor: User, outcome: Outcome, result: str, recorded_on: datetime.date, notes: str = ""
) -> Outcome:
    _require_manage(actor, outcome.participation.activity)
    if result not in OutcomeResult.values:
        raise ValidationError({"result": _("Choose a result.")})
    if recorded_on > timezone.localdate():
        raise ValidationError({"recorded_on": _("The date is in the future.")})
    outcome.result = result
    outcome.recorded_on = recorded_on
    outcome.notes = notes
    outcome.recorded_by = actor
    outcome.save(update_fields=["result", "recorded_on", "notes", "recorded_by"])
    audit_record(
        actor=actor,
        organisation=outcome.organisation_id,
        action="programme.outcome.recorded",
        obj=outcome.participation,
    )
    return outcome


def participations_merge(kept: Person, duplicate: Person) -> dict[str, Any]:
    """Merge hook: the duplicate's participations move to the kept person (one per activity).

    Where both records took part in one activity, the kept person's participation stays and takes the
    attendance it lacks; the duplicate's goes, its rows (with whatever went with them) kept in the
    returned record so that participations_unmerge can put them back as they were."""
    from django.core import serializers
    from django.db import router
    from django.db.models.deletion import Collector

    record: dict[str, Any] = {"moved": [], "absorbed": []}
    kept_activities = set(Participation.objects.filter(person=kept).values_list("activity_id", flat=True))
    for participation in Participation.objects.filter(person=duplicate):
        if participation.activity_id in kept_activities:
            # Both records took part: keep the kept person's row, carry over what it lacks.
            target = Participation.objects.get(person=kept, activity_id=participation.activity_id)
            created = []
            for row in Attendance.objects.filter(participation=participation):
                added, made = Attendance.objects.get_or_create(
                    session_id=row.session_id,
                    participation=target,
                    defaults={
                        "organisation_id": row.organisation_id,
                        "present": row.present,
                        "recorded_by_id": row.recorded_by_id,
                    },
                )
                if made:
                    created.append(added.pk)
            collector = Collector(using=router.db_for_write(Participation))
            collector.collect([participation])
            collector.sort()
            rows = [obj for instances in collector.data.values() for obj in instances]
            rows += [obj for queryset in collector.fast_deletes for obj in queryset]
            # Parents first when restoring: the deletion order (children first) reversed.
            rows.reverse()
            record["absorbed"].append(
                {
                    "pk": participation.pk,
                    "rows": serializers.serialize("json", rows),
                    "attendance_added": created,
                }
            )
            participation.delete()
        else:
            participation.person = kept
            participation.save(update_fields=["person"])
            record["moved"].append(participation.pk)
    record["audit"] = {"moved": record["moved"], "absorbed": [item["pk"] for item in record["absorbed"]]}
    return record


def participations_unmerge(kept: Person, duplicate: Person, record: dict[str, Any]) -> None:
    """The undo of participations_merge: moved participations go back to the duplicate; absorbed ones
    come back with their rows as they were, and the attendance carried over to the kept person goes."""
    from django.core import serializers

    Participation.objects.filter(pk__in=record.get("moved", []), person=kept).update(person=duplicate)
    for item in record.get("absorbed", []):
        Attendance.objects.filter(pk__in=item["attendance_added"]).delete()
        for restored in serializers.deserialize("json", item["rows"]):
            restored.save()


unmerge_hook_register(hook=participations_merge, undo=participations_unmerge)


# -- attendance -------------------------------------------------------------------------------------


@dataclass
class AttendanceSaved:
    changed: int
    unchanged: int
    # Rows another device changed since this one loaded the register: theirs stand.
    kept_from_others: int


@transaction.atomic
def attendance_save(
    *,
    actor: User,
    session: Session,
    marks: dict[int, bool],
    seen: dict[int, bool | None] | None = None,
) -> AttendanceSaved:
    """Record who was at a session. `marks` maps participation ids to present/absent.

    `seen` is what the saving device showed when it loaded the register (None: not recorded, shown
    as an unticked box). A mark equal to what the device showed is not a change of this device: if
    the stored value differs (another device changed it since), the other device's mark stands. So
    two devices saving the same register lose nothing. Without `seen` (the API), marks are absolute.
    """
    activity = session.activity
    if not activity_can_record(actor=actor, activity=activity):
        raise PermissionDenied
    if session.status == SessionStatus.CANCELLED:
        raise ValidationError(_("This session was cancelled."))
    if session.date > timezone.localdate():
        raise ValidationError(_("Attendance can be recorded on the day of the session or later."))
    valid = set(
        Participation.objects.filter(activity=activity, pk__in=list(marks))
        .exclude(status=ParticipationStatus.DROPPED)
        .values_list("pk", flat=True)
    )
    if set(marks) - valid:
        raise PermissionDenied
    stored = {
        row.participation_id: row for row in Attendance.objects.select_for_update().filter(session=session)
    }
    to_create, to_update = [], []
    unchanged = kept = 0
    for participation_id, present in marks.items():
        row = stored.get(participation_id)
        # A row the device showed unrecorded counts as shown absent (an unticked box).
        if seen is not None and participation_id in seen and bool(seen[participation_id]) == present:
            # Not touched on this device: whatever is stored (maybe another device's mark) stands.
            if row is not None and row.present != present:
                kept += 1
            else:
                unchanged += 1
            continue
        if row is None:
            to_create.append(
                Attendance(
                    organisation_id=session.organisation_id,
                    session=session,
                    participation_id=participation_id,
                    present=present,
                    recorded_by=actor,
                )
            )
        elif row.present != present:
            row.present = present
            row.recorded_by = actor
            row.recorded_at = timezone.now()
            to_update.append(row)
        else:
            unchanged += 1
    Attendance.objects.bulk_create(to_create)
    Attendance.objects.bulk_update(to_update, ["present", "recorded_by", "recorded_at"])
    if session.status == SessionStatus.PLANNED:
        session.status = SessionStatus.HELD
        session.save(update_fields=["status"])
    changed = len(to_create) + len(to_update)
    if changed:
        audit_record(
            actor=actor,
            organisation=session.organisation_id,
            action="programme.attendance.saved",
            obj=activity,
            details={"session": str(session.public_id), "changed": changed},
        )
    return AttendanceSaved(changed=changed, unchanged=unchanged, kept_from_others=kept)


# -- headcounts -------------------------------------------------------------------------------------

# Beyond these a number is a typing slip, not a crowd: a cell of one sex, age group and category at one
# event, and an event's total. Indirect reach (a television audience) may be large but not absurd.
MAX_CELL = 20_000
MAX_TOTAL = 100_000
MAX_REACH = 5_000_000
REACH_FIELDS = ("reach_families", "reach_community", "reach_media", "reach_online")


def _count(value: Any, field: str, maximum: int, errors: dict[str, list[str]]) -> int:
    if value in (None, ""):
        return 0
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(_("Enter a whole number."))
        return 0
    if number < 0:
        errors.setdefault(field, []).append(_("A count cannot be negative."))
    elif number > maximum:
        errors.setdefault(field, []).append(
            _("%(number)s is more than %(maximum)s: check the number.")
            % {"number": number, "maximum": maximum}
        )
    return number


def headcount_clean(
    *,
    organisation_id: int,
    activity: Activity,
    date: datetime.date,
    cells: dict[tuple[str, int, str], Any],
    reach: dict[str, Any],
    reach_method: str,
) -> tuple[dict[tuple[str, int, str], int], dict[str, int]]:
    """Validate a headcount; raises ValidationError naming each bad field (`cell-<sex>-<age>-<category>`)."""
    errors: dict[str, list[str]] = {}
    bounds = age_groups_for(organisation_id=organisation_id)
    clean_cells: dict[tuple[str, int, str], int] = {}
    for (sex, age_from, category), value in cells.items():
        field = f"cell-{sex}-{age_from}-{category}"
        if (
            sex not in HeadcountSex.values
            or age_from not in bounds
            or category not in HeadcountCategory.values
        ):
            errors.setdefault(field, []).append(_("Unknown group."))
            continue
        number = _count(value, field, MAX_CELL, errors)
        if number > 0:
            clean_cells[(sex, age_from, category)] = number
    total = sum(clean_cells.values())
    if total > MAX_TOTAL:
        errors.setdefault("__all__", []).append(
            _("%(total)s people in all is more than %(maximum)s: check the numbers.")
            % {"total": total, "maximum": MAX_TOTAL}
        )
    if not errors and total == 0:
        errors.setdefault("__all__", []).append(_("Count at least one person."))
    clean_reach = {field: _count(reach.get(field), field, MAX_REACH, errors) for field in REACH_FIELDS}
    if any(clean_reach.values()) and not reach_method.strip():
        errors.setdefault("reach_method", []).append(_("Say how the indirect reach was estimated."))
    if not activity.starts_on <= date <= activity.ends_on:
        errors.setdefault("date", []).append(
            _("The date must fall between the activity's start and end dates.")
        )
    if date > timezone.localdate():
        errors.setdefault("date", []).append(_("People cannot be counted before the day."))
    if errors:
        raise ValidationError(errors)
    return clean_cells, clean_reach


def _headcount_cells_write(*, headcount: Headcount, cells: dict[tuple[str, int, str], int]) -> None:
    HeadcountCell.objects.bulk_create(
        [
            HeadcountCell(
                organisation_id=headcount.organisation_id,
                headcount=headcount,
                sex=sex,
                age_from=age_from,
                category=category,
                count=n,
            )
            for (sex, age_from, category), n in cells.items()
        ]
    )


def _headcount_audit(
    *, actor: User, activity: Activity, action: str, cells: dict[Any, int], reach: dict[str, int]
) -> None:
    audit_record(
        actor=actor,
        organisation=activity.organisation_id,
        action=f"programme.headcount.{action}",
        obj=activity,
        details={"total": sum(cells.values()), "indirect": sum(reach.values())},
    )


@transaction.atomic
def headcount_record(
    *,
    actor: User,
    activity: Activity,
    date: datetime.date,
    cells: dict[tuple[str, int, str], Any],
    reach: dict[str, Any] | None = None,
    reach_method: str = "",
    place: str = "",
    notes: str = "",
    session: Session | None = None,
) -> Headcount:
    if not activity_can_record(actor=actor, activity=activity):
        raise PermissionDenied
    if session is not None and session.activity_id != activity.pk:
        raise PermissionDenied
    clean_cells, clean_reach = headcount_clean(
        organisation_id=activity.organisation_id,
        activity=activity,
        date=date,
        cells=cells,
        reach=reach or {},
        reach_method=reach_method,
    )
    headcount = Headcount.objects.create(
        organisation_id=activity.organisation_id,
        activity=activity,
        session=session,
        date=date,
        place=place or activity.place,
        age_groups=list(age_groups_for(organisation_id=activity.organisation_id)),
        reach_method=reach_method.strip(),
        notes=notes,
        recorded_by=actor,
        **clean_reach,
    )
    _headcount_cells_write(headcount=headcount, cells=clean_cells)
    _headcount_audit(actor=actor, activity=activity, action="recorded", cells=clean_cells, reach=clean_reach)
    return headcount


@transaction.atomic
def headcount_update(
    *,
    actor: User,
    headcount: Headcount,
    date: datetime.date,
    cells: dict[tuple[str, int, str], Any],
    reach: dict[str, Any] | None = None,
    reach_method: str = "",
    place: str = "",
    notes: str = "",
) -> Headcount:
    """Correct a headcount (a phone's edited submission): the same checks as recording it; its cells
    are replaced and its version goes up."""
    activity = headcount.activity
    if not activity_can_record(actor=actor, activity=activity):
        raise PermissionDenied
    clean_cells, clean_reach = headcount_clean(
        organisation_id=activity.organisation_id,
        activity=activity,
        date=date,
        cells=cells,
        reach=reach or {},
        reach_method=reach_method,
    )
    headcount.date = date
    headcount.place = place or activity.place
    headcount.reach_method = reach_method.strip()
    headcount.notes = notes
    for field, value in clean_reach.items():
        setattr(headcount, field, value)
    headcount.version += 1
    headcount.save()
    HeadcountCell.objects.filter(headcount=headcount).delete()
    _headcount_cells_write(headcount=headcount, cells=clean_cells)
    _headcount_audit(actor=actor, activity=activity, action="corrected", cells=clean_cells, reach=clean_reach)
    return headcount


@transaction.atomic
def headcount_delete(*, actor: User, headcount: Headcount) -> None:
    _require_manage(actor, headcount.activity)
    headcount.delete()
    audit_record(
        actor=actor,
        organisation=headcount.organisation_id,
        action="programme.headcount.deleted",
        obj=headcount.activity,
    )


@transaction.atomic
def programme_settings_save(
    *, actor: User, organisation_id: int, age_groups: list[int], reminder_days: int
) -> ProgrammeSettings:
    if organisation_id not in _org_ids(actor, Perm.ORGANISATION_CONFIGURE):
        raise PermissionDenied
    bounds = sorted(set(age_groups))
    if not bounds or bounds[0] != 0 or any(b < 0 or b > 120 for b in bounds):
        raise ValidationError(
            {
                "age_groups": _(
                    "Age groups start at 0 and are ages between 0 and 120, e.g. 0, 6, 12, 15, 18, 25, 60."
                )
            }
        )
    if not 1 <= reminder_days <= 365:
        raise ValidationError({"reminder_days": _("Between 1 and 365 days.")})
    settings_row, _created = ProgrammeSettings.objects.get_or_create(organisation_id=organisation_id)
    settings_row.age_groups = bounds
    settings_row.reminder_days = reminder_days
    settings_row.version += 1
    settings_row.save()
    audit_record(
        actor=actor,
        organisation=organisation_id,
        action="programme.settings.saved",
        details={"age_groups": bounds},
    )
    return settings_row


# -- summer camps -----------------------------------------------------------------------------------


@transaction.atomic
def camp_group_add(*, actor: User, activity: Activity, name: str, leader: str = "") -> CampGroup:
    _require_manage(actor, activity)
    if activity.activity_type.kind != ActivityKind.CAMP:
        raise ValidationError(_("Groups belong to summer camps."))
    try:
        with transaction.atomic():
            group = CampGroup.objects.create(
                organisation_id=activity.organisation_id,
                activity=activity,
                name=name.strip(),
                leader=leader.strip(),
            )
    except IntegrityError:
        raise ValidationError({"name": _("The camp has a group with this name.")}) from None
    audit_record(
        actor=actor, organisation=activity.organisation_id, action="programme.camp.group.added", obj=activity
    )
    return group


@transaction.atomic
def camp_group_assign(*, actor: User, participation: Participation, group: CampGroup | None) -> Participation:
    _require_manage(actor, participation.activity)
    if group is not None and group.activity_id != participation.activity_id:
        raise PermissionDenied
    participation.camp_group = group
    participation.save(update_fields=["camp_group"])
    return participation


@transaction.atomic
def parental_consent_record(*, actor: User, participation: Participation, given_by: str) -> Participation:
    _require_manage(actor, participation.activity)
    if not given_by.strip():
        raise ValidationError({"parental_consent_by": _("Record who gave the consent.")})
    participation.parental_consent = True
    participation.parental_consent_by = given_by.strip()
    participation.save(update_fields=["parental_consent", "parental_consent_by"])
    audit_record(
        actor=actor,
        organisation=participation.organisation_id,
        action="programme.camp.consent.recorded",
        obj=participation,
    )
    return participation


@transaction.atomic
def incident_record(
    *,
    actor: User,
    activity: Activity,
    occurred_at: datetime.datetime,
    severity: str,
    description: str,
    action_taken: str = "",
) -> CampIncident:
    """Log an incident at a camp. Volunteers tell staff; staff who manage the camp write the log."""
    _require_manage(actor, activity)
    if not description.strip():
        raise ValidationError({"description": _("Describe what happened.")})
    if occurred_at > timezone.now():
        raise ValidationError({"occurred_at": _("The time is in the future.")})
    incident = CampIncident(
        organisation_id=activity.organisation_id,
        activity=activity,
        occurred_at=occurred_at,
        severity=severity,
        description=description.strip(),
        action_taken=action_taken.strip(),
        reported_by=actor,
    )
    incident.save()
    audit_record(
        actor=actor,
        organisation=activity.organisation_id,
        action="programme.camp.incident.recorded",
        obj=incident,
        details={"severity": severity},
    )
    return incident


# -- volunteers -------------------------------------------------------------------------------------

VOLUNTEER_FIELDS = (
    "given_name",
    "family_name",
    "phone",
    "email",
    "birth_year",
    "skills",
    "languages",
    "availability",
    "joined_on",
    "is_active",
    "background_check",
    "background_checked_on",
    "background_check_expires_on",
    "unit",
    "user",
)


def _volunteer_check(values: dict[str, Any]) -> None:
    checked, expires = values.get("background_checked_on"), values.get("background_check_expires_on")
    if checked and expires and expires <= checked:
        raise ValidationError(
            {"background_check_expires_on": _("The check must be valid after the day it was made.")}
        )
    if values.get("background_check") == "cleared" and not checked:
        raise ValidationError({"background_checked_on": _("Give the date of the cleared check.")})


@transaction.atomic
def volunteer_create(
    *, actor: User, unit: Unit, given_name: str, joined_on: datetime.date, **values: Any
) -> Volunteer:
    _require_unit(actor, unit)
    _volunteer_check(values)
    user = values.get("user")
    if user is not None and Volunteer.objects.filter(user=user).exists():
        raise ValidationError({"user": _("This account is already linked to a volunteer.")})
    volunteer = Volunteer.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        given_name=given_name,
        joined_on=joined_on,
        **{k: v for k, v in values.items() if k in VOLUNTEER_FIELDS and k != "unit"},
    )
    audit_record(
        actor=actor,
        organisation=unit.organisation_id,
        action="programme.volunteer.created",
        obj=volunteer,
        unit=unit,
    )
    return volunteer


@transaction.atomic
def volunteer_update(
    *, actor: User, volunteer: Volunteer, expected_version: int, changes: dict[str, Any]
) -> Volunteer:
    if not volunteer_can_manage(actor=actor, volunteer=volunteer):
        raise PermissionDenied
    if set(changes) - set(VOLUNTEER_FIELDS):
        raise ValueError("not editable")
    if "unit" in changes:
        _require_unit(actor, changes["unit"])
    merged = {
        f: getattr(volunteer, f)
        for f in ("background_check", "background_checked_on", "background_check_expires_on")
    }
    merged.update(changes)
    _volunteer_check(merged)
    updated = versioned_save(instance=volunteer, expected_version=expected_version, changes=changes)
    audit_record(
        actor=actor,
        organisation=volunteer.organisation_id,
        action="programme.volunteer.updated",
        obj=volunteer,
        details={"fields": sorted(changes)},
    )
    return updated


@transaction.atomic
def training_add(
    *,
    actor: User,
    volunteer: Volunteer,
    title: str,
    completed_on: datetime.date,
    expires_on: datetime.date | None = None,
    given_by: str = "",
    activity: Activity | None = None,
    certificate_reference: str = "",
) -> VolunteerTraining:
    if not volunteer_can_manage(actor=actor, volunteer=volunteer):
        raise PermissionDenied
    if completed_on > timezone.localdate():
        raise ValidationError({"completed_on": _("The date is in the future.")})
    if expires_on is not None and expires_on <= completed_on:
        raise ValidationError({"expires_on": _("A training expires after it was completed.")})
    if activity is not None and activity.organisation_id != volunteer.organisation_id:
        raise PermissionDenied
    training = VolunteerTraining.objects.create(
        organisation_id=volunteer.organisation_id,
        volunteer=volunteer,
        title=title.strip(),
        completed_on=completed_on,
        expires_on=expires_on,
        given_by=given_by.strip(),
        activity=activity,
        certificate_reference=certificate_reference.strip(),
    )
    audit_record(
        actor=actor,
        organisation=volunteer.organisation_id,
        action="programme.volunteer.trained",
        obj=volunteer,
    )
    return training


MAX_HOURS_PER_DAY = Decimal(16)


def _hours_check(
    *,
    actor: User,
    volunteer: Volunteer,
    date: datetime.date,
    hours: Decimal,
    activity: Activity | None,
    entry: VolunteerHours | None = None,
) -> None:
    """hours_log's rules: who may log, which activity, the day, and at most 16 hours a day (an entry
    being corrected does not count against its own day)."""
    own = volunteer.user_id is not None and volunteer.user_id == actor.pk
    if not (own or volunteer_can_manage(actor=actor, volunteer=volunteer)):
        raise PermissionDenied
    if (
        own
        and not volunteer_can_manage(actor=actor, volunteer=volunteer)
        and (activity is None or not activity.facilitators.filter(volunteer=volunteer).exists())
    ):
        raise ValidationError({"activity": _("Choose one of the activities you facilitate.")})
    if activity is not None and activity.organisation_id != volunteer.organisation_id:
        raise PermissionDenied
    if date > timezone.localdate():
        raise ValidationError({"date": _("Hours are logged on the day or after.")})
    if not Decimal(0) < hours <= MAX_HOURS_PER_DAY:
        raise ValidationError({"hours": _("Between 0.5 and 16 hours a day.")})
    same_day = VolunteerHours.objects.filter(volunteer=volunteer, date=date)
    if entry is not None:
        same_day = same_day.exclude(pk=entry.pk)
    already = sum(same_day.values_list("hours", flat=True), Decimal(0))
    if already + hours > MAX_HOURS_PER_DAY:
        raise ValidationError(
            {
                "hours": _("%(already)s hours are already logged on this day; at most 16 in all.")
                % {"already": already}
            }
        )


@transaction.atomic
def hours_log(
    *,
    actor: User,
    volunteer: Volunteer,
    date: datetime.date,
    hours: Decimal,
    activity: Activity | None = None,
    notes: str = "",
) -> VolunteerHours:
    """Hours given by a volunteer: logged by staff who manage them, or by the volunteer for their own
    facilitated activities."""
    _hours_check(actor=actor, volunteer=volunteer, date=date, hours=hours, activity=activity)
    entry = VolunteerHours.objects.create(
        organisation_id=volunteer.organisation_id,
        volunteer=volunteer,
        activity=activity,
        date=date,
        hours=hours,
        notes=notes,
        recorded_by=actor,
    )
    audit_record(
        actor=actor,
        organisation=volunteer.organisation_id,
        action="programme.volunteer.hours",
        obj=volunteer,
        details={"hours": str(hours)},
    )
    return entry


@transaction.atomic
def hours_update(
    *,
    actor: User,
    entry: VolunteerHours,
    date: datetime.date,
    hours: Decimal,
    activity: Activity | None = None,
    notes: str = "",
) -> VolunteerHours:
    """Correct logged hours (a phone's edited submission), with hours_log's rules; the entry's own
    hours do not count against the day's limit."""
    volunteer = entry.volunteer
    _hours_check(actor=actor, volunteer=volunteer, date=date, hours=hours, activity=activity, entry=entry)
    entry.date, entry.hours, entry.activity, entry.notes = date, hours, activity, notes
    entry.save(update_fields=["date", "hours", "activity", "notes"])
    audit_record(
        actor=actor,
        organisation=volunteer.organisation_id,
        action="programme.volunteer.hours_corrected",
        obj=volunteer,
        details={"hours": str(hours)},
    )
    return entry


@transaction.atomic
def conduct_publish(
    *, actor: User, organisation_id: int, texts: dict[str, str], published_on: datetime.date
) -> CodeOfConduct:
    """A new version of the code of conduct; volunteers must accept it again."""
    if organisation_id not in _org_ids(actor, Perm.ORGANISATION_CONFIGURE):
        raise PermissionDenied
    if not any(t.strip() for t in texts.values()):
        raise ValidationError({"texts": _("Write the code of conduct in at least one language.")})
    last = CodeOfConduct.objects.filter(organisation_id=organisation_id).order_by("-version_number").first()
    code = CodeOfConduct.objects.create(
        organisation_id=organisation_id,
        version_number=(last.version_number + 1) if last else 1,
        texts={k: v.strip() for k, v in texts.items() if v.strip()},
        published_on=published_on,
        created_by=actor,
    )
    audit_record(actor=actor, organisation=organisation_id, action="programme.conduct.published", obj=code)
    return code


@transaction.atomic
def conduct_accept(
    *, actor: User, volunteer: Volunteer, code: CodeOfConduct, accepted_on: datetime.date
) -> ConductAcceptance:
    """Record that a volunteer accepted a version: by themselves, or by staff from a signed paper."""
    own = volunteer.user_id is not None and volunteer.user_id == actor.pk
    if not (own or volunteer_can_manage(actor=actor, volunteer=volunteer)):
        raise PermissionDenied
    if code.organisation_id != volunteer.organisation_id:
        raise PermissionDenied
    if accepted_on > timezone.localdate():
        raise ValidationError({"accepted_on": _("The date is in the future.")})
    acceptance, _created = ConductAcceptance.objects.get_or_create(
        volunteer=volunteer,
        code=code,
        defaults={
            "organisation_id": volunteer.organisation_id,
            "accepted_on": accepted_on,
            "recorded_by": actor,
        },
    )
    audit_record(
        actor=actor,
        organisation=volunteer.organisation_id,
        action="programme.conduct.accepted",
        obj=volunteer,
        details={"version": code.version_number},
    )
    return acceptance


# -- joint initiatives ------------------------------------------------------------------------------


@transaction.atomic
def initiative_create(
    *,
    actor: User,
    unit: Unit,
    title: str,
    started_on: datetime.date,
    partners: Iterable[Any] = (),
    **values: Any,
) -> Initiative:
    _require_unit(actor, unit)
    allowed = {"goal", "ended_on", "status", "results"}
    initiative = Initiative.objects.create(
        organisation_id=unit.organisation_id,
        unit=unit,
        title=title,
        started_on=started_on,
        created_by=actor,
        **{k: v for k, v in values.items() if k in allowed},
    )
    if initiative.ended_on and initiative.ended_on < started_on:
        raise ValidationError({"ended_on": _("The end date is before the start date.")})
    initiative.partners.set([p for p in partners if p.organisation_id == unit.organisation_id])
    audit_record(
        actor=actor,
        organisation=unit.organisation_id,
        action="programme.initiative.created",
        obj=initiative,
        unit=unit,
    )
    return initiative


@transaction.atomic
def initiative_update(
    *,
    actor: User,
    initiative: Initiative,
    expected_version: int,
    changes: dict[str, Any],
    partners: Iterable[Any] | None = None,
) -> Initiative:
    if not initiative_can_manage(actor=actor, initiative=initiative):
        raise PermissionDenied
    allowed = {"title", "goal", "started_on", "ended_on", "status", "results"}
    if set(changes) - allowed:
        raise ValueError("not editable")
    started, ended = (
        changes.get("started_on", initiative.started_on),
        changes.get("ended_on", initiative.ended_on),
    )
    if ended and ended < started:
        raise ValidationError({"ended_on": _("The end date is before the start date.")})
    updated = versioned_save(instance=initiative, expected_version=expected_version, changes=changes)
    if partners is not None:
        updated.partners.set([p for p in partners if p.organisation_id == initiative.organisation_id])
    audit_record(
        actor=actor,
        organisation=initiative.organisation_id,
        action="programme.initiative.updated",
        obj=initiative,
    )
    return updated


@transaction.atomic
def initiative_action_add(
    *,
    actor: User,
    initiative: Initiative,
    kind: str,
    title: str,
    date: datetime.date,
    partners: Iterable[Any] = (),
    results: str = "",
    activity: Activity | None = None,
) -> InitiativeAction:
    if not initiative_can_manage(actor=actor, initiative=initiative):
        raise PermissionDenied
    if activity is not None and activity.organisation_id != initiative.organisation_id:
        raise PermissionDenied
    if date < initiative.started_on:
        raise ValidationError({"date": _("The action is dated before the initiative started.")})
    action = InitiativeAction.objects.create(
        organisation_id=initiative.organisation_id,
        initiative=initiative,
        kind=kind,
        title=title.strip(),
        date=date,
        results=results,
        activity=activity,
        created_by=actor,
    )
    action.partners.set([p for p in partners if p.organisation_id == initiative.organisation_id])
    audit_record(
        actor=actor,
        organisation=initiative.organisation_id,
        action="programme.initiative.action.added",
        obj=initiative,
    )
    return action
