"""Writes of the common reflection: one transaction each, audited as network.reflection.<verb>.

Rights are checked here (PermissionDenied → 403) as well as in the views, so that the API
and any later caller get the same rules (see selectors for who may do what).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kujdes.core.audit import audit_record
from kujdes.core.locking import versioned_save
from kujdes.network.models import FocalPoint, Partner
from kujdes.network.reflection import selectors
from kujdes.network.reflection.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    AttendanceStatus,
    Decision,
    DecisionScope,
    DecisionStatus,
    Meeting,
    MeetingAttendance,
    Method,
    MethodApplication,
    WorkingGroup,
    WorkingGroupStaff,
)
from kujdes.network.selectors import actor_is_coordinator
from kujdes.network.services import network_audit

if TYPE_CHECKING:
    from kujdes.accounts.models import User


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _validated(instance: Any, *, exclude: list[str] | None = None) -> None:
    instance.full_clean(exclude=exclude)


# --- Working groups ------------------------------------------------------------------------------


@transaction.atomic
def working_group_create(*, actor: User, partners: Iterable[Partner] = (), **fields: Any) -> WorkingGroup:
    """The coordinator sets up a working group (its convenor is always one of its members)."""
    _require(actor_is_coordinator(actor=actor))
    group = WorkingGroup(**fields)
    _validated(group)
    group.save()
    members = {p.pk for p in partners} | {group.convenor_id}
    group.partners.set(members)
    network_audit(
        actor=actor,
        action="network.reflection.working_group_created",
        obj=group,
        details={"partners": len(members)},
    )
    return group


@transaction.atomic
def working_group_update(
    *,
    actor: User,
    group: WorkingGroup,
    version: int | None,
    changes: dict[str, Any],
    partners: Iterable[Partner] | None = None,
) -> WorkingGroup:
    """The coordinator changes a working group (stale-checked); members are replaced when given."""
    _require(selectors.working_group_can_manage(actor=actor, group=group))
    candidate = WorkingGroup.objects.get(pk=group.pk)
    for field, value in changes.items():
        setattr(candidate, field, value)
    _validated(candidate)
    updated = versioned_save(instance=group, expected_version=version, changes=changes)
    if partners is not None:
        updated.partners.set({p.pk for p in partners} | {updated.convenor_id})
    network_audit(
        actor=actor,
        action="network.reflection.working_group_updated",
        obj=updated,
        details={"fields": sorted(changes)},
    )
    return updated


@transaction.atomic
def working_group_staff_add(*, actor: User, group: WorkingGroup, **fields: Any) -> WorkingGroupStaff:
    """The coordinator or the group's convenor names a staff member of the group."""
    _require(selectors.working_group_can_hold_meetings(actor=actor, group=group))
    member = WorkingGroupStaff(working_group=group, **fields)
    _validated(member)
    member.save()
    network_audit(actor=actor, action="network.reflection.working_group_staff_added", obj=member)
    return member


@transaction.atomic
def working_group_staff_remove(*, actor: User, member: WorkingGroupStaff) -> None:
    """The coordinator or the group's convenor removes a staff member from the group."""
    _require(selectors.working_group_can_hold_meetings(actor=actor, group=member.working_group))
    network_audit(actor=actor, action="network.reflection.working_group_staff_removed", obj=member)
    member.delete()


# --- Meetings ------------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(*, actor: User, working_group: WorkingGroup | None, **fields: Any) -> Meeting:
    """A plenary (the coordinator) or a working group's meeting (the coordinator or the convenor)."""
    if working_group is None:
        _require(actor_is_coordinator(actor=actor))
    else:
        _require(selectors.working_group_can_hold_meetings(actor=actor, group=working_group))
    meeting = Meeting(working_group=working_group, **fields)
    _validated(meeting)
    meeting.save()
    network_audit(
        actor=actor,
        action="network.reflection.meeting_created",
        obj=meeting,
        details={"working_group": working_group.pk if working_group else None},
    )
    return meeting


MEETING_EDITABLE = ("title", "starts_at", "place", "online_link", "status")


@transaction.atomic
def meeting_update(*, actor: User, meeting: Meeting, version: int | None, changes: dict[str, Any]) -> Meeting:
    """Change a meeting's title, time, place or status (stale-checked)."""
    _require(selectors.meeting_can_manage(actor=actor, meeting=meeting))
    if set(changes) - set(MEETING_EDITABLE):
        raise PermissionDenied
    candidate = Meeting.objects.get(pk=meeting.pk)
    for field, value in changes.items():
        setattr(candidate, field, value)
    _validated(candidate)
    updated = versioned_save(instance=meeting, expected_version=version, changes=changes)
    network_audit(
        actor=actor,
        action="network.reflection.meeting_updated",
        obj=updated,
        details={"fields": sorted(changes)},
    )
    return updated


@transaction.atomic
def meeting_minutes_save(*, actor: User, meeting: Meeting, version: int | None, minutes: str) -> Meeting:
    """Save the minutes if nobody saved the meeting since `version` (StaleVersion otherwise).

    Changed minutes are no longer the approved ones: the approval is withdrawn.
    """
    _require(selectors.meeting_can_manage(actor=actor, meeting=meeting))
    changes: dict[str, Any] = {"minutes": minutes}
    if meeting.minutes_approved and minutes != meeting.minutes:
        changes |= {"minutes_approved": False, "minutes_approved_on": None}
    updated = versioned_save(instance=meeting, expected_version=version, changes=changes)
    network_audit(actor=actor, action="network.reflection.minutes_saved", obj=updated)
    return updated


@transaction.atomic
def meeting_minutes_approve(*, actor: User, meeting: Meeting, on: datetime.date | None = None) -> Meeting:
    """Mark a held meeting's minutes as approved (on the day given, today by default)."""
    _require(selectors.meeting_can_manage(actor=actor, meeting=meeting))
    if not Meeting.objects.get(pk=meeting.pk).minutes.strip():
        raise ValidationError(_("There are no minutes to approve yet."))
    updated = versioned_save(
        instance=meeting,
        expected_version=None,
        changes={"minutes_approved": True, "minutes_approved_on": on or timezone.localdate()},
    )
    network_audit(actor=actor, action="network.reflection.minutes_approved", obj=updated)
    return updated


@transaction.atomic
def agenda_item_add(*, actor: User, meeting: Meeting, **fields: Any) -> AgendaItem:
    """Add an item at the end of the agenda (or at the position given)."""
    _require(selectors.meeting_can_manage(actor=actor, meeting=meeting))
    if not fields.get("position"):
        last = meeting.agenda_items.order_by("-position").values_list("position", flat=True).first()
        fields["position"] = (last or 0) + 1
    item = AgendaItem(meeting=meeting, **fields)
    _validated(item)
    item.save()
    network_audit(
        actor=actor, action="network.reflection.agenda_item_added", obj=item, details={"meeting": meeting.pk}
    )
    return item


@transaction.atomic
def agenda_item_remove(*, actor: User, item: AgendaItem) -> None:
    _require(selectors.meeting_can_manage(actor=actor, meeting=item.meeting))
    network_audit(
        actor=actor,
        action="network.reflection.agenda_item_removed",
        obj=item,
        details={"meeting": item.meeting_id},
    )
    item.delete()


@transaction.atomic
def meeting_attendance_record(*, actor: User, meeting: Meeting, statuses: dict[int, str]) -> int:
    """Record each partner's attendance (partner id → present/excused/absent; "" clears it)."""
    _require(selectors.meeting_can_manage(actor=actor, meeting=meeting))
    valid = set(AttendanceStatus.values)
    changed = 0
    for partner_id, status in statuses.items():
        if status and status not in valid:
            raise ValidationError({"status": _("Choose present, excused or absent.")})
        if not status:
            changed += meeting.attendance.filter(partner_id=partner_id).delete()[0]
            continue
        MeetingAttendance.objects.update_or_create(
            meeting=meeting, partner_id=partner_id, defaults={"status": status}
        )
        changed += 1
    network_audit(
        actor=actor,
        action="network.reflection.attendance_recorded",
        obj=meeting,
        details={"partners": changed},
    )
    return changed


# --- Decisions -----------------------------------------------------------------------------------


def _decision_search_text(decision: Decision) -> str:
    group = decision.meeting.working_group
    parts = [decision.number, decision.text, decision.rationale, " ".join(decision.tags or [])]
    if group is not None:
        parts.append(group.name)
    return selectors.search_normalise("\n".join(parts))


@transaction.atomic
def decision_create(*, actor: User, meeting: Meeting, **fields: Any) -> Decision:
    """The coordinator records a decision; a decision it supersedes becomes "superseded"."""
    _require(selectors.decision_can_manage(actor=actor))
    decision = Decision(meeting=meeting, **fields)
    if meeting.working_group_id is None and decision.scope == DecisionScope.WORKING_GROUP:
        raise ValidationError({"scope": _("A network meeting takes decisions for the whole network.")})
    _validated(decision, exclude=["search_text"])
    decision.search_text = _decision_search_text(decision)
    decision.save()
    if decision.supersedes_id is not None:
        Decision.objects.filter(pk=decision.supersedes_id).update(
            status=DecisionStatus.SUPERSEDED, updated_at=timezone.now()
        )
    network_audit(
        actor=actor,
        action="network.reflection.decision_recorded",
        obj=decision,
        details={"number": decision.number, "supersedes": decision.supersedes_id},
    )
    return decision


DECISION_EDITABLE = ("text", "rationale", "scope", "status", "tags", "supersedes")


@transaction.atomic
def decision_update(
    *, actor: User, decision: Decision, version: int | None, changes: dict[str, Any]
) -> Decision:
    """The coordinator corrects a decision or changes its status (stale-checked)."""
    _require(selectors.decision_can_manage(actor=actor))
    if set(changes) - set(DECISION_EDITABLE):
        raise PermissionDenied
    candidate = Decision.objects.select_related("meeting__working_group").get(pk=decision.pk)
    for field, value in changes.items():
        setattr(candidate, field, value)
    if candidate.supersedes_id == candidate.pk:
        raise ValidationError({"supersedes": _("A decision cannot supersede itself.")})
    _validated(candidate, exclude=["search_text"])
    changes = {**changes, "search_text": _decision_search_text(candidate)}
    updated = versioned_save(instance=decision, expected_version=version, changes=changes)
    if updated.supersedes_id is not None:
        Decision.objects.filter(pk=updated.supersedes_id).update(status=DecisionStatus.SUPERSEDED)
    network_audit(
        actor=actor,
        action="network.reflection.decision_updated",
        obj=updated,
        details={"number": updated.number, "fields": sorted(set(changes) - {"search_text"})},
    )
    return updated


# --- Action items --------------------------------------------------------------------------------


@transaction.atomic
def action_item_create(*, actor: User, meeting: Meeting, **fields: Any) -> ActionItem:
    """Who manages the meeting adds an action item (an owner partner, a person, a due date)."""
    _require(selectors.meeting_can_manage(actor=actor, meeting=meeting))
    action = ActionItem(meeting=meeting, **fields)
    if action.decision_id is not None and action.decision.meeting_id != meeting.pk:
        raise ValidationError({"decision": _("Choose a decision of this meeting.")})
    _validated(action)
    action.save()
    network_audit(
        actor=actor,
        action="network.reflection.action_created",
        obj=action,
        details={"meeting": meeting.pk, "owner": action.owner_partner_id},
    )
    return action


OWNER_EDITABLE = ("status", "done_note")
ACTION_EDITABLE = (
    *OWNER_EDITABLE,
    "description",
    "owner_partner",
    "owner_name",
    "owner_user",
    "due_on",
    "decision",
)


@transaction.atomic
def action_item_update(
    *, actor: User, action: ActionItem, version: int | None, changes: dict[str, Any]
) -> ActionItem:
    """Update an action item (stale-checked): its owner's focal points change its status and note only."""
    if selectors.meeting_can_manage(actor=actor, meeting=action.meeting):
        allowed = set(ACTION_EDITABLE)
    elif selectors.action_can_update(actor=actor, action=action):
        allowed = set(OWNER_EDITABLE)
    else:
        raise PermissionDenied
    if set(changes) - allowed:
        raise PermissionDenied
    candidate = ActionItem.objects.get(pk=action.pk)
    for field, value in changes.items():
        setattr(candidate, field, value)
    if candidate.status == ActionStatus.DONE and not candidate.done_note.strip():
        raise ValidationError({"done_note": _("Say in a few words what was done.")})
    _validated(candidate)
    updated = versioned_save(instance=action, expected_version=version, changes=changes)
    network_audit(
        actor=actor,
        action="network.reflection.action_updated",
        obj=updated,
        details={"status": updated.status, "fields": sorted(changes)},
    )
    return updated


# --- Methods -------------------------------------------------------------------------------------


def _method_check(method: Method) -> None:
    if method.decision_id is not None and method.meeting_id is None:
        method.meeting_id = method.decision.meeting_id
    if method.decision_id is not None and method.decision.meeting_id != method.meeting_id:
        raise ValidationError({"decision": _("Choose a decision of the meeting that agreed the method.")})


@transaction.atomic
def method_create(*, actor: User, **fields: Any) -> Method:
    """The coordinator adds a method to the register (its first version)."""
    _require(selectors.method_can_manage(actor=actor))
    method = Method(**fields)
    _method_check(method)
    _validated(method)
    method.save()
    network_audit(
        actor=actor,
        action="network.reflection.method_added",
        obj=method,
        details={"version": method.version_label},
    )
    return method


METHOD_EDITABLE = ("title", "summary", "description", "version_label", "meeting", "decision", "links")


@transaction.atomic
def method_update(*, actor: User, method: Method, version: int | None, changes: dict[str, Any]) -> Method:
    """The coordinator corrects a version of a method (stale-checked)."""
    _require(selectors.method_can_manage(actor=actor))
    if set(changes) - set(METHOD_EDITABLE):
        raise PermissionDenied
    candidate = Method.objects.get(pk=method.pk)
    for field, value in changes.items():
        setattr(candidate, field, value)
    _method_check(candidate)
    _validated(candidate)
    changes = {**changes, "meeting": candidate.meeting}
    updated = versioned_save(instance=method, expected_version=version, changes=changes)
    network_audit(
        actor=actor,
        action="network.reflection.method_updated",
        obj=updated,
        details={"fields": sorted(changes)},
    )
    return updated


@transaction.atomic
def method_new_version(*, actor: User, previous: Method, **fields: Any) -> Method:
    """The coordinator records a new version of a method; it becomes the register's current one.

    Partners report again on the new version: applying 1.1 does not mean applying 2.0.
    """
    _require(selectors.method_can_manage(actor=actor))
    if Method.objects.filter(previous=previous).exists():
        raise ValidationError(_("This version already has a newer version: start from the latest one."))
    if fields.get("version_label") in {m.version_label for m in selectors.method_lineage(previous)}:
        raise ValidationError({"version_label": _("This method already has a version with this number.")})
    method = Method(previous=previous, **fields)
    _method_check(method)
    _validated(method)
    method.save()
    network_audit(
        actor=actor,
        action="network.reflection.method_versioned",
        obj=method,
        details={"previous": previous.pk, "version": method.version_label},
    )
    return method


@transaction.atomic
def method_application_record(
    *,
    actor: User,
    method: Method,
    partner: Partner,
    extent: str,
    since: datetime.date | None = None,
    note: str = "",
) -> MethodApplication:
    """A partner's focal point (or the coordinator) reports how far the partner applies a method version."""
    _require(selectors.method_application_partners(actor=actor).filter(pk=partner.pk).exists())
    application = MethodApplication.objects.filter(method=method, partner=partner).first()
    if application is None:
        application = MethodApplication(method=method, partner=partner)
    application.extent = extent
    application.since = since
    application.note = note
    application.reported_by = actor
    _validated(application, exclude=["method", "partner"])
    application.save()
    network_audit(
        actor=actor,
        action="network.reflection.method_application_recorded",
        obj=application,
        details={"method": method.pk, "partner": partner.code, "extent": extent},
    )
    return application


# --- Reminders (the programme room's daily job calls this through kujdes.programme.reminders) ------

REMINDER_ACTION = "network.reflection.reminders.sent"


def _reminder_recipients(action: ActionItem) -> list[tuple[str, str]]:
    """(e-mail, language): the owner's account if it has one, else the owner partner's focal points."""
    languages = {code for code, _label in settings.LANGUAGES}
    owner = action.owner_user
    if owner is not None and owner.is_active and owner.email:
        return [(owner.email, owner.language or "")]
    if action.owner_partner is None:
        return []
    partner_language = next((code for code in action.owner_partner.languages if code in languages), "")
    emails = (
        FocalPoint.objects.filter(partner=action.owner_partner)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    return [(email, partner_language) for email in emails]


def action_reminders_send(*, today: datetime.date) -> int | None:
    """E-mail the owners of open action items due within 7 days or overdue; once a day at most.

    Each action remembers the day of its last reminder, and an owner gets one e-mail listing
    their actions. Returns the number of e-mails sent, or None when today's were sent already.
    The e-mails name the meeting, the action and its due date: nothing of any person of a case.
    """
    pending = list(selectors.actions_to_remind(today=today))
    if not pending:
        return None if ActionItem.objects.filter(reminded_on=today).exists() else 0
    by_recipient: dict[tuple[str, str], list[ActionItem]] = defaultdict(list)
    for action in pending:
        for recipient in _reminder_recipients(action):
            by_recipient[recipient].append(action)
    list_link = settings.SITE_URL + reverse("network_action_list") + "?overdue=on"
    sent = 0
    for (email, language), actions in sorted(by_recipient.items(), key=lambda item: item[0]):
        with translation.override(language or settings.LANGUAGE_CODE):
            subject = gettext("Network: action items of meetings due")
            body = render_to_string(
                "network_reflection/reminder_email.txt",
                {
                    "actions": [
                        {
                            "action": action,
                            "overdue": action.due_on is not None and action.due_on < today,
                            "link": settings.SITE_URL
                            + reverse("network_action_update", kwargs={"public_id": action.public_id}),
                        }
                        for action in actions
                    ],
                    "list_link": list_link,
                },
            )
        send_mail(f"[Kujdes] {subject}", body, None, [email])
        sent += 1
    with transaction.atomic():
        ActionItem.objects.filter(pk__in=[a.pk for a in pending]).update(reminded_on=today)
        # The trace, in the chain of each local owner partner's organisation (counts only).
        per_organisation: dict[int, int] = defaultdict(int)
        for action in pending:
            if action.owner_partner is not None and action.owner_partner.organisation_id is not None:
                per_organisation[action.owner_partner.organisation_id] += 1
        for organisation_id, count in sorted(per_organisation.items()):
            audit_record(
                actor=None, organisation=organisation_id, action=REMINDER_ACTION, details={"actions": count}
            )
    return sent
