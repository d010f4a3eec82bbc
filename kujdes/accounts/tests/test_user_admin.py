"""Organisation administrators invite users, give and remove roles, deactivate accounts."""

from __future__ import annotations

from django.core import mail
from django.urls import reverse

from kujdes.accounts.models import User
from kujdes.core.models import Membership
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase


class UserAdminTests(BaseTestCase):
    def invite_data(self, **overrides: str) -> dict[str, str]:
        data = {
            "username": "erjona",
            "first_name": "Erjona",
            "last_name": "Doda",
            "email": "erjona@example.invalid",
            "language": "sq",
            "unit": str(self.centre_a.public_id),
            "role": Role.FIELD_EDUCATOR,
        }
        data.update(overrides)
        return data

    def test_the_admin_sees_the_users_of_the_organisation_only(self) -> None:
        self.login(self.admin)
        response = self.client.get(reverse("user_list"))
        names = {user.username for user in response.context["users"]}
        self.assertIn("alice", names)
        self.assertNotIn("dave", names)
        self.assertNotIn("other_admin", names)

    def test_a_case_worker_has_no_user_administration(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("user_list")).status_code, 403)

    def test_an_invitation_creates_the_account_and_mails_a_set_password_link(self) -> None:
        self.login(self.admin)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.client.post(reverse("user_invite"), self.invite_data())
        user = User.objects.get(username="erjona")
        self.assertRedirects(response, reverse("user_detail", kwargs={"public_id": user.public_id}))
        self.assertFalse(user.has_usable_password())
        self.assertEqual(user.organisation, self.org)
        with system_scope():
            memberships = list(Membership.objects.filter(user=user).values_list("role", "unit"))
        self.assertEqual(memberships, [(Role.FIELD_EDUCATOR, self.centre_a.pk)])
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("/accounts/password/reset/key/", mail.outbox[0].body)
        self.assertEqual(mail.outbox[0].to, ["erjona@example.invalid"])

    def test_a_bad_invitation_keeps_what_was_typed(self) -> None:
        self.login(self.admin)
        response = self.client.post(reverse("user_invite"), self.invite_data(username="alice", email="bad"))
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, 'value="Erjona"', status_code=400)
        self.assertTrue(response.context["form"].errors)
        self.assertFalse(User.objects.filter(first_name="Erjona").exists())

    def test_an_admin_cannot_invite_into_another_organisations_unit(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            reverse("user_invite"), self.invite_data(unit=str(self.other_unit.public_id))
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("unit", response.context["form"].errors)

    def test_an_organisation_wide_role_needs_the_top_unit(self) -> None:
        self.login(self.admin)
        response = self.client.post(
            reverse("membership_add", kwargs={"public_id": self.alice.public_id}),
            {"unit": str(self.diocese_a.public_id), "role": Role.DATA_PROTECTION_OFFICER},
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("unit", response.context["form"].errors)

    def test_roles_are_added_and_removed(self) -> None:
        self.login(self.admin)
        self.client.post(
            reverse("membership_add", kwargs={"public_id": self.alice.public_id}),
            {"unit": str(self.centre_a.public_id), "role": Role.FIELD_EDUCATOR},
        )
        with system_scope():
            membership = Membership.objects.get(user=self.alice, role=Role.FIELD_EDUCATOR)
        self.client.post(
            reverse(
                "membership_remove",
                kwargs={"public_id": self.alice.public_id, "membership_id": membership.public_id},
            )
        )
        with system_scope():
            self.assertFalse(Membership.objects.filter(pk=membership.pk).exists())

    def test_the_other_organisations_admin_gets_404_for_alice(self) -> None:
        self.login(self.other_admin)
        for name in ("user_detail", "user_deactivate"):
            self.assertEqual(
                self.client.get(reverse(name, kwargs={"public_id": self.alice.public_id})).status_code, 404
            )

    def test_deactivation_needs_a_recent_reauthentication(self) -> None:
        self.login(self.admin, recently_authenticated=False)
        url = reverse("user_deactivate", kwargs={"public_id": self.alice.public_id})
        response = self.client.post(url)
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(reverse("account_reauthenticate")))
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.is_active)

    def test_deactivation_and_reactivation(self) -> None:
        self.login(self.admin)
        self.client.post(reverse("user_deactivate", kwargs={"public_id": self.alice.public_id}))
        self.alice.refresh_from_db()
        self.assertFalse(self.alice.is_active)
        self.client.post(reverse("user_reactivate", kwargs={"public_id": self.alice.public_id}))
        self.alice.refresh_from_db()
        self.assertTrue(self.alice.is_active)

    def test_an_admin_cannot_deactivate_themselves(self) -> None:
        self.login(self.admin)
        self.client.post(reverse("user_deactivate", kwargs={"public_id": self.admin.public_id}))
        self.admin.refresh_from_db()
        self.assertTrue(self.admin.is_active)
