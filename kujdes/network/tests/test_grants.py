"""Network roles stay network roles: only the installation's network administrators grant them."""

from __future__ import annotations

from io import StringIO

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from kujdes.accounts.services import user_invite
from kujdes.core.audit import AuditEvent
from kujdes.core.models import Membership
from kujdes.core.roles import NETWORK_ROLES, Role
from kujdes.core.scoping import system_scope
from kujdes.core.services import membership_assign
from kujdes.network.grants import network_role_grant
from kujdes.network.tests.base import NetworkTestCase


class OrganisationAdminsTests(NetworkTestCase):
    def test_an_organisation_admin_cannot_grant_the_coordinator_role_from_the_users_page(self) -> None:
        """Failed before the change: admin-fr could POST role=network_coordinator and got "Role added"."""
        self.login(self.other_admin)
        response = self.client.post(
            reverse("membership_add", kwargs={"public_id": self.dave.public_id}),
            {"unit": str(self.other_root.public_id), "role": Role.NETWORK_COORDINATOR},
        )
        self.assertEqual(response.status_code, 400)
        with system_scope():
            self.assertFalse(
                Membership.objects.filter(user=self.dave, role=Role.NETWORK_COORDINATOR).exists()
            )

    def test_the_role_is_not_offered_to_an_organisation_admin(self) -> None:
        self.login(self.admin)
        page = self.client.get(reverse("user_detail", kwargs={"public_id": self.alice.public_id}))
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, 'value="case_worker"')
        self.assertNotContains(page, 'value="network_coordinator"')

    def test_no_organisation_role_can_grant_a_role_whose_scope_exceeds_its_organisation(self) -> None:
        """The role matrix: every user of the cast (none is a network administrator) is refused, for
        every network role, by the service itself (whatever the form offers)."""
        cast = [
            self.alice,
            self.admin,
            self.other_admin,
            self.manager,
            self.dpo,
            self.viewer,
            self.coordinator,
        ]
        for actor in cast:
            for role in NETWORK_ROLES:
                with (
                    self.subTest(actor=actor.username, role=role),
                    system_scope(),
                    self.assertRaises(ValidationError),
                    transaction.atomic(),
                ):
                    membership_assign(actor=actor, user=self.bob, unit=self.diocese_a, role=role)

    def test_an_invitation_cannot_carry_a_network_role(self) -> None:
        with system_scope(), self.assertRaises(ValidationError), transaction.atomic():
            user_invite(
                actor=self.admin,
                unit=self.root,
                role=Role.NETWORK_COORDINATOR,
                username="newcoordinator",
                email="new@example.org",
                first_name="Ana",
                last_name="Test",
                language="sq",
            )


class NetworkAdministratorTests(NetworkTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.admin.is_network_admin = True
        self.admin.save(update_fields=["is_network_admin"])

    def test_a_network_administrator_grants_and_revokes_the_role_on_their_page(self) -> None:
        self.login(self.admin)
        page = self.client.get(reverse("network_roles"))
        self.assertContains(page, "coordinator")
        response = self.client.post(
            reverse("network_roles"), {"username": "dave", "role": Role.NETWORK_COORDINATOR}
        )
        self.assertRedirects(response, reverse("network_roles"), fetch_redirect_response=False)
        with system_scope():
            membership = Membership.objects.get(user=self.dave, role=Role.NETWORK_COORDINATOR)
            self.assertEqual(membership.unit, self.other_root)
            self.assertTrue(
                AuditEvent.objects.filter(
                    organisation=self.other_org, action="network.role.granted", actor=self.admin
                ).exists()
            )
        response = self.client.post(
            reverse("network_role_revoke", kwargs={"membership_id": membership.public_id})
        )
        self.assertEqual(response.status_code, 302)
        with system_scope():
            self.assertFalse(Membership.objects.filter(pk=membership.pk).exists())
            self.assertTrue(AuditEvent.objects.filter(action="network.role.revoked").exists())

    def test_an_unknown_username_keeps_what_was_typed(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            reverse("network_roles"), {"username": "nobody-here", "role": Role.NETWORK_COORDINATOR}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "No active user of an organisation has this username.", status_code=400)
        self.assertContains(response, 'value="nobody-here"', status_code=400)

    def test_the_page_does_not_exist_for_an_organisation_admin(self) -> None:
        self.login(self.other_admin)
        self.assertEqual(self.client.get(reverse("network_roles")).status_code, 404)

    def test_only_network_roles_are_granted_there(self) -> None:
        with system_scope(), self.assertRaises(ValidationError), transaction.atomic():
            network_role_grant(actor=self.admin, user=self.dave, unit=self.other_root, role=Role.CASE_WORKER)


class CommandTests(NetworkTestCase):
    def test_the_command_grants_revokes_and_names_administrators(self) -> None:
        out = StringIO()
        call_command("network", "grant", "dave", "--unit", "fr", stdout=out)
        call_command("network", "roles", stdout=out)
        self.assertIn("dave", out.getvalue())
        call_command("network", "revoke", "dave", stdout=out)
        call_command("network", "admin", "dave", stdout=out)
        with system_scope():
            self.assertFalse(
                Membership.objects.filter(user=self.dave, role=Role.NETWORK_COORDINATOR).exists()
            )
            self.dave.refresh_from_db()
        self.assertTrue(self.dave.is_network_admin)
