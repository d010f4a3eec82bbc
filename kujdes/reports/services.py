"""Writes of the reports room; each is audited in its own transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.roles import Perm
from kujdes.core.selectors import organisations_for_actor
from kujdes.reports.models import ReportSettings

if TYPE_CHECKING:
    from kujdes.accounts.models import User


@transaction.atomic
def report_settings_save(*, actor: User, organisation_id: int, small_cell_threshold: int) -> ReportSettings:
    """The organisation's small-cell threshold (organisation administrators)."""
    if (
        not organisations_for_actor(actor=actor, perm=Perm.ORGANISATION_CONFIGURE)
        .filter(pk=organisation_id)
        .exists()
    ):
        raise PermissionDenied
    if not 2 <= small_cell_threshold <= 50:
        raise ValidationError({"small_cell_threshold": _("Between 2 and 50.")})
    row, _created = ReportSettings.objects.select_for_update().get_or_create(organisation_id=organisation_id)
    previous = row.small_cell_threshold
    row.small_cell_threshold = small_cell_threshold
    row.updated_by = actor
    row.version += 1
    row.save()
    audit_record(
        actor=actor,
        organisation=organisation_id,
        action="reports.settings.saved",
        obj=row,
        details={"small_cell_threshold": small_cell_threshold, "previous": previous},
    )
    return row
