from __future__ import annotations

from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema

from kujdes.core.roles import ROLE_PERMISSIONS, Role
from kujdes.core.selectors import memberships_of

router = Router(tags=["accounts"])


class MembershipOut(Schema):
    id: UUID
    organisation: str
    unit: UUID
    unit_name: str
    role: str
    permissions: list[str]


class MeOut(Schema):
    id: UUID
    username: str
    name: str
    language: str
    memberships: list[MembershipOut]


@router.get("/me", response=MeOut, summary="The caller and their memberships")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    return MeOut(
        id=user.public_id,
        username=user.username,
        name=user.display_name,
        language=user.language or request.LANGUAGE_CODE,
        memberships=[
            MembershipOut(
                id=m.public_id,
                organisation=m.organisation.code,
                unit=m.unit.public_id,
                unit_name=m.unit.name,
                role=m.role,
                permissions=sorted(ROLE_PERMISSIONS[Role(m.role)]),
            )
            for m in memberships_of(user=user)
        ],
    )
