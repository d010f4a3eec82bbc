"""Export of the person list: the search and filters of the list page, every page, as XLSX, CSV or PDF.

Users who see the person list (PERSON_VIEW) may export it, after re-authenticating; the file is
watermarked and the export audited as `people.list.exported` (a name search is recorded as "a search",
never by its words).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kujdes.accounts.reauth import reauthentication_required
from kujdes.core.exports import (
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
from kujdes.core.selectors import actor_has_perm, units_for_actor
from kujdes.people.forms import PersonSearchForm
from kujdes.people.models import Person
from kujdes.people.selectors import persons_registry_list, persons_with_keys

CHUNK = 500


def persons_in_order(ids: list[int]) -> list[Person]:
    """The persons of a list of ids, in that order, their keys attached (a key-store query per chunk)."""
    persons: list[Person] = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = {person.pk: person for person in Person.objects.filter(pk__in=chunk).select_related("unit")}
        persons += persons_with_keys([rows[pk] for pk in chunk if pk in rows])
    return persons


@require_POST
def person_list_export(request: HttpRequest) -> HttpResponse:
    # The role is checked before the password is asked for again.
    if not actor_has_perm(actor=request.user, perm=Perm.PERSON_VIEW):
        raise PermissionDenied
    return _export(request)


@reauthentication_required
def _export(request: HttpRequest) -> HttpResponse:
    list_url = reverse("person_list")
    export_format = export_format_of(request)
    if export_format is None:
        return export_refused(request, list_url=list_url, message=_("Choose the format of the file."))
    # The same form, units and selector as the list page (people/views_registry.person_list).
    units = list(units_for_actor(actor=request.user, perm=Perm.PERSON_VIEW).order_by("path"))
    form = PersonSearchForm(request.POST, units=[(str(unit.public_id), unit.name) for unit in units])
    if not form.is_valid():
        return export_refused(
            request, list_url=list_url, message=_("Correct the filters of the list, then export again.")
        )
    query, category = form.cleaned_data["q"].strip(), form.cleaned_data["category"]
    unit = next((u for u in units if str(u.public_id) == form.cleaned_data["unit"]), None)
    persons = persons_registry_list(actor=request.user, query=query, category=category, unit=unit)
    ids = list(persons.values_list("pk", flat=True)[: export_row_limit(export_format) + 1])
    try:
        export_check_size(count=len(ids), export_format=export_format)
    except ExportTooLarge as refused:
        return export_refused(request, list_url=list_url, message=str(refused))
    table = ExportTable(
        title=_("Persons"),
        subtitle=_filters_text(form=form, unit=unit),
        columns=[_("Given name"), _("Family name"), _("Code"), _("Year of birth"), _("Unit")],
        rows=[
            [person.given_name, person.family_name, person.code, person.birth_year, person.unit.name]
            for person in persons_in_order(ids)
        ],
        widths=(22, 22, 22, 12, 28),
    )
    filters: dict[str, Any] = {
        "search": bool(query),  # never the words searched: they may be a name
        "category": category,
        "unit": str(unit.public_id) if unit else "",
    }
    export = table_export(
        actor=request.user,
        organisation=request.user.organisation,
        action="people.list.exported",
        table=table,
        export_format=export_format,
        filename_stem="persons",
        filters={key: value for key, value in filters.items() if value},
        unit=unit,
    )
    return export_response(export)


def _filters_text(*, form: PersonSearchForm, unit: Any) -> str:
    """The filters as the file's subtitle (the search words appear in the file, never in the audit log)."""
    parts = []
    query, chosen = form.cleaned_data["q"].strip(), form.cleaned_data["category"]
    if query:
        parts.append(_("Search: %(query)s") % {"query": query})
    if chosen:
        label = dict(form.fields["category"].choices).get(chosen, chosen)
        parts.append(_("Category: %(category)s") % {"category": label})
    if unit is not None:
        parts.append(_("Unit: %(unit)s") % {"unit": unit.name})
    return " · ".join(parts) or _("All persons in your units")
