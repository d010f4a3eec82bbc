"""The administrators' button that installs Kujdes's ready-made field forms (kujdes.fieldsync.shipped)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kujdes.accounts.models import User
from kujdes.core.roles import Perm
from kujdes.core.selectors import actor_has_perm, units_for_actor
from kujdes.fieldsync.shipped import shipped_forms_install
from kujdes.fieldsync.xlsform import XLSFormError


@require_POST
def shipped_install_view(request: HttpRequest) -> HttpResponse:
    """Publish every ready-made form to a unit the administrator configures (a new version only of
    those that changed). Another organisation's unit is answered as a missing one."""
    actor = request.user
    if not isinstance(actor, User) or not actor_has_perm(actor=actor, perm=Perm.ORGANISATION_CONFIGURE):
        raise PermissionDenied
    chosen = request.POST.get("unit", "")
    unit = (
        units_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
        .filter(public_id__in=[chosen] if _is_uuid(chosen) else [])
        .first()
    )
    if unit is None:
        raise Http404
    try:
        installed = shipped_forms_install(actor=actor, unit=unit)
    except (ValidationError, XLSFormError) as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("fieldsync_forms")
    published = [item.xml_form_id for item in installed if item.outcome != "unchanged"]
    if published:
        messages.success(
            request,
            _("Ready-made forms published to %(unit)s: %(forms)s.")
            % {"unit": unit, "forms": ", ".join(published)},
        )
    else:
        messages.info(request, _("The ready-made forms are already installed and up to date."))
    return redirect("fieldsync_forms")


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True
