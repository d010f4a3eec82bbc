from __future__ import annotations

from uuid import UUID

from django.http import Http404, HttpRequest
from ninja import Router, Schema

from kujdes.core.models import Unit
from kujdes.core.selectors import unit_get, units_for_actor

router = Router(tags=["units"])


class UnitOut(Schema):
    id: UUID
    name: str
    kind: str
    organisation: str
    parent: UUID | None
    depth: int
    is_active: bool

    @staticmethod
    def from_unit(unit: Unit) -> UnitOut:
        return UnitOut(
            id=unit.public_id,
            name=unit.name,
            kind=unit.kind,
            organisation=unit.organisation.code,
            parent=unit.parent.public_id if unit.parent else None,
            depth=unit.depth,
            is_active=unit.is_active,
        )


@router.get("/units", response=list[UnitOut], summary="Units the caller works in")
def units_list(request: HttpRequest) -> list[UnitOut]:
    units = units_for_actor(actor=request.user, perm=None).select_related("organisation", "parent")
    return [UnitOut.from_unit(unit) for unit in units]


@router.get("/units/{unit_id}", response=UnitOut, summary="One unit")
def units_get(request: HttpRequest, unit_id: UUID) -> UnitOut:
    try:
        unit = unit_get(actor=request.user, perm=None, public_id=str(unit_id))
    except Unit.DoesNotExist:
        raise Http404 from None
    return UnitOut.from_unit(unit)
