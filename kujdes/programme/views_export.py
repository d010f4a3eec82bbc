"""Exports of the programme's personal-data lists: an activity's participants and the volunteers.

- Participants: staff who manage the activity (programme managers, field educators of its units) —
  XLSX or CSV, and a PDF sign-in sheet with one line per participant and a column to sign. A volunteer
  who facilitates the activity gets 403 (as for the activity's other staff pages); anyone who does not
  see the activity, 404. Audited as `programme.participants.exported` on the activity.
- Volunteers: the list page's filters, every page; programme managers only (field educators see the
  list but do not export it: exports are for the roles that approve them). Audited as
  `programme.volunteers.exported`.
Both need a recent re-authentication; every file is watermarked.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kujdes.accounts.reauth import reauthentication_required
from kujdes.core.exports import (
    ExportFormat,
    ExportTable,
    ExportTooLarge,
    export_check_size,
    export_format_of,
    export_refused,
    export_response,
    export_row_limit,
    table_export,
)
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm
from kujdes.programme import selectors
from kujdes.programme.forms_volunteers import VolunteerFilterForm
from kujdes.programme.models import Activity, BackgroundCheck
from kujdes.programme.views import _managed_activity

# -- participants ---------------------------------------------------------------------------------


@require_POST
def activity_participants_export(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    # 404 for an activity the user does not see, 403 for one they see but do not manage: checked
    # before the password is asked for again.
    _managed_activity(request, public_id)
    return _participants(request, public_id)


@reauthentication_required
def _participants(request: HttpRequest, public_id: uuid.UUID) -> HttpResponse:
    activity = _managed_activity(request, public_id)
    list_url = reverse("activity_detail", kwargs={"public_id": activity.public_id})
    export_format = export_format_of(request)
    if export_format is None:
        return export_refused(request, list_url=list_url, message=_("Choose the format of the file."))
    participations = selectors.participations_of(activity=activity)
    try:
        export_check_size(count=len(participations), export_format=export_format)
    except ExportTooLarge as refused:
        return export_refused(request, list_url=list_url, message=str(refused))
    if export_format == ExportFormat.PDF:
        table = ExportTable(
            title=_("Sign-in sheet"),
            subtitle=_sheet_subtitle(activity),
            columns=[_("Name"), _("Code"), _("Signature")],
            rows=[
                [" ".join(filter(None, [p.person.given_name, p.person.family_name])), p.person.code, ""]
                for p in participations
            ],
            signature_column=True,
        )
    else:
        table = ExportTable(
            title=_("Participants"),
            subtitle=_sheet_subtitle(activity),
            columns=[_("Given name"), _("Family name"), _("Code"), _("Status"), _("Completed on")],
            rows=[
                [
                    p.person.given_name,
                    p.person.family_name,
                    p.person.code,
                    p.get_status_display(),
                    p.completed_on,
                ]
                for p in participations
            ],
            widths=(22, 22, 22, 14, 14),
        )
    export = table_export(
        actor=request.user,
        organisation=activity.organisation,
        action="programme.participants.exported",
        table=table,
        export_format=export_format,
        filename_stem="participants",
        filters={},
        obj=activity,
        unit=activity.unit,
    )
    return export_response(export)


def _sheet_subtitle(activity: Activity) -> str:
    ends = (
        f" – {activity.ends_on:%Y-%m-%d}"
        if activity.ends_on and activity.ends_on != activity.starts_on
        else ""
    )
    return " · ".join(
        part
        for part in (
            activity.title,
            activity.unit.name,
            f"{activity.starts_on:%Y-%m-%d}{ends}",
            activity.place or "",
            _("Date: ____________"),
        )
        if part
    )


# -- volunteers -----------------------------------------------------------------------------------


@require_POST
def volunteer_list_export(request: HttpRequest) -> HttpResponse:
    # The list page needs PROGRAMME_MANAGE; exporting it, the programme manager's EXPORTS_APPROVE.
    user = request.user
    if not (
        actor_has_perm(actor=user, perm=Perm.PROGRAMME_MANAGE)
        and actor_has_perm(actor=user, perm=Perm.EXPORTS_APPROVE)
    ):
        raise PermissionDenied
    return _volunteers(request)


@reauthentication_required
def _volunteers(request: HttpRequest) -> HttpResponse:
    list_url = reverse("volunteer_list")
    export_format = export_format_of(request)
    if export_format is None:
        return export_refused(request, list_url=list_url, message=_("Choose the format of the file."))
    # The same form, scope and filters as the list page (views_volunteers.volunteer_list).
    units = selectors.programme_units(actor=request.user)
    form = VolunteerFilterForm(request.POST, units=units)
    if not form.is_valid():
        return export_refused(
            request, list_url=list_url, message=_("Correct the filters of the list, then export again.")
        )
    chosen: dict[str, Any] = form.cleaned_data
    volunteers = selectors.volunteers_for_actor(actor=request.user).select_related("unit")
    if chosen.get("unit"):
        volunteers = volunteers.filter(unit=chosen["unit"])
    if chosen.get("active"):
        volunteers = volunteers.filter(is_active=chosen["active"] == "yes")
    if chosen.get("check"):
        volunteers = volunteers.filter(background_check=chosen["check"])
    if chosen.get("name"):
        for word in chosen["name"].split():
            volunteers = volunteers.filter(Q(given_name__icontains=word) | Q(family_name__icontains=word))
    found = list(
        volunteers.order_by("given_name", "family_name", "pk")[: export_row_limit(export_format) + 1]
    )
    try:
        export_check_size(count=len(found), export_format=export_format)
    except ExportTooLarge as refused:
        return export_refused(request, list_url=list_url, message=str(refused))
    checks = dict(BackgroundCheck.choices)
    table = ExportTable(
        title=_("Volunteers"),
        subtitle=_volunteer_filters_text(form),
        columns=[
            _("Given name"),
            _("Family name"),
            _("Unit"),
            _("Active"),
            _("Background check"),
            _("Check expires on"),
            _("Skills"),
        ],
        rows=[
            [
                v.given_name,
                v.family_name,
                v.unit.name,
                v.is_active,
                str(checks.get(v.background_check, v.background_check)),
                v.background_check_expires_on,
                v.skills,
            ]
            for v in found
        ],
        widths=(20, 20, 24, 8, 18, 14, 30),
    )
    filters = {
        "name": bool(chosen.get("name")),  # never the words searched
        "unit": str(chosen["unit"].public_id) if chosen.get("unit") else "",
        "active": chosen.get("active", ""),
        "check": chosen.get("check", ""),
    }
    export = table_export(
        actor=request.user,
        organisation=request.user.organisation,
        action="programme.volunteers.exported",
        table=table,
        export_format=export_format,
        filename_stem="volunteers",
        filters={key: value for key, value in filters.items() if value},
        unit=chosen.get("unit"),
    )
    return export_response(export)


def _volunteer_filters_text(form: VolunteerFilterForm) -> str:
    parts = []
    data = form.cleaned_data
    if data.get("name"):
        parts.append(_("Name: %(name)s") % {"name": data["name"]})
    if data.get("unit"):
        parts.append(_("Unit: %(unit)s") % {"unit": data["unit"].name})
    for name in ("active", "check"):
        if data.get(name):
            field = form.fields[name]
            parts.append(f"{field.label}: {dict(field.choices).get(data[name], data[name])}")
    return " · ".join(parts) or _("All volunteers of your units")
