"""The roles of DESIGN.md §2 as permission sets."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from kujdes.core.models import Membership, Unit, UnitKind
from kujdes.core.roles import PERSONAL_DATA_ROLES, ROLE_PERMISSIONS, Perm, Role, role_grants
from kujdes.core.scoping import system_scope
from kujdes.core.services import membership_assign, membership_revoke, unit_create, unit_update
from kujdes.core.tests.base import BaseTestCase

PERSONAL = {
    Perm.PERSON_VIEW,
    Perm.PERSON_MANAGE,
    Perm.CASE_VIEW,
    Perm.CASE_MANAGE,
    Perm.PERSON_REGISTER_MINIMAL,
    Perm.ATTENDANCE_RECORD,
}
CASE_FILES = {Perm.CASE_VIEW, Perm.CASE_MANAGE}


def test_aggregate_roles_have_no_personal_data() -> None:
    for role in (Role.NETWORK_COORDINATOR, Role.VIEWER):
        assert not ROLE_PERMISSIONS[role] & PERSONAL, role
        assert role not in PERSONAL_DATA_ROLES


def test_administrators_and_protection_officers_do_not_read_case_content() -> None:
    for role in (Role.ORGANISATION_ADMIN, Role.DATA_PROTECTION_OFFICER):
        assert not ROLE_PERMISSIONS[role] & CASE_FILES, role


def test_field_educators_and_volunteers_get_no_case_files() -> None:
    for role in (Role.FIELD_EDUCATOR, Role.VOLUNTEER):
        assert not ROLE_PERMISSIONS[role] & CASE_FILES
    assert Perm.PERSON_VIEW not in ROLE_PERMISSIONS[Role.VOLUNTEER]


def test_every_role_has_a_permission_set() -> None:
    assert set(ROLE_PERMISSIONS) == set(Role)


@given(st.sampled_from(list(Role)), st.sampled_from(list(Perm)))
def test_role_grants_agrees_with_the_table(role: Role, perm: Perm) -> None:
    assert role_grants(role.value, perm) == (perm in ROLE_PERMISSIONS[role])


class UnitServiceTests(BaseTestCase):
    def test_the_admin_adds_a_centre_below_a_diocese(self) -> None:
        with system_scope():
            centre = unit_create(
                actor=self.admin, parent=self.diocese_b, name="Centre B1", kind=UnitKind.CENTRE
            )
        self.assertEqual(centre.path, f"{self.diocese_b.path}{centre.pk}/")
        self.assertEqual(centre.depth, 2)

    def test_a_case_worker_cannot_add_units(self) -> None:
        with system_scope(), self.assertRaises(PermissionDenied):
            unit_create(actor=self.alice, parent=self.diocese_a, name="X", kind=UnitKind.CENTRE)

    def test_an_admin_cannot_add_units_to_another_organisation(self) -> None:
        with system_scope(), self.assertRaises(PermissionDenied):
            unit_create(actor=self.admin, parent=self.other_root, name="X", kind=UnitKind.CENTRE)

    def test_sibling_units_have_distinct_names(self) -> None:
        with system_scope(), self.assertRaises(ValidationError):
            unit_create(actor=self.admin, parent=self.root, name="Diocese A", kind=UnitKind.DIOCESE)

    def test_the_top_unit_cannot_be_closed(self) -> None:
        with system_scope(), self.assertRaises(ValidationError):
            unit_update(
                actor=self.admin,
                unit=self.root,
                name="National office",
                kind=UnitKind.NATIONAL_OFFICE,
                is_active=False,
            )


class MembershipServiceTests(BaseTestCase):
    def test_a_user_of_another_organisation_cannot_get_a_role_here(self) -> None:
        with system_scope(), self.assertRaises(ValidationError):
            membership_assign(actor=self.admin, user=self.dave, unit=self.diocese_a, role=Role.CASE_WORKER)

    def test_the_same_role_twice_is_refused(self) -> None:
        with system_scope(), self.assertRaises(ValidationError):
            membership_assign(actor=self.admin, user=self.alice, unit=self.diocese_a, role=Role.CASE_WORKER)

    def test_an_admin_cannot_remove_their_own_last_admin_role(self) -> None:
        with system_scope():
            membership = Membership.objects.get(user=self.admin, role=Role.ORGANISATION_ADMIN)
            with self.assertRaises(ValidationError):
                membership_revoke(actor=self.admin, membership=membership)

    def test_a_case_worker_cannot_give_roles(self) -> None:
        with system_scope(), self.assertRaises(PermissionDenied):
            membership_assign(
                actor=self.alice, user=self.bob, unit=self.diocese_a, role=Role.PROGRAMME_MANAGER
            )


class UnitEditConflictTests(BaseTestCase):
    def edit(self, version: int, name: str):  # type: ignore[no-untyped-def]
        return self.client.post(
            reverse("unit_edit", kwargs={"public_id": self.diocese_b.public_id}),
            {"name": name, "kind": "diocese", "is_active": "on", "version": str(version)},
        )

    def test_a_stale_save_shows_both_versions_and_keeps_what_was_typed(self) -> None:
        self.login(self.admin)
        self.assertEqual(self.edit(1, "Dioqeza B").status_code, 302)
        response = self.edit(1, "Diocese Bee")
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Dioqeza B", status_code=409)  # what was saved meanwhile
        self.assertContains(response, 'value="Diocese Bee"', status_code=409)  # what the user typed
        self.assertContains(response, 'name="version" value="2"', status_code=409)
        with system_scope():
            self.assertEqual(Unit.objects.get(pk=self.diocese_b.pk).name, "Dioqeza B")
        # Saving again, having seen the other version, goes through.
        self.assertEqual(self.edit(2, "Diocese Bee").status_code, 302)
        with system_scope():
            self.assertEqual(Unit.objects.get(pk=self.diocese_b.pk).name, "Diocese Bee")
