"""Staff categories on memberships: how each member serves their unit (issue 20), and the staff page."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from kujdes.core.models import AuditEvent, Membership
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope
from kujdes.core.selectors import staff_category_of
from kujdes.core.services import membership_assign, membership_staff_category_set
from kujdes.core.tests.base import BaseTestCase, user_create


class StaffTestCase(BaseTestCase):
    def setUp(self) -> None:
        super().setUp()
        scope = system_scope()
        scope.__enter__()
        self.addCleanup(scope.__exit__, None, None, None)
        self.client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def membership(self, user: object) -> Membership:
        return Membership.objects.get(user=user)


class StaffCategoryServiceTests(StaffTestCase):
    def test_a_new_membership_takes_the_category_its_role_implies(self) -> None:
        self.assertEqual(self.membership(self.educator).staff_category, "employee")
        self.assertEqual(self.membership(self.volunteer).staff_category, "volunteer")
        self.assertEqual(self.membership(self.viewer).staff_category, "")
        self.assertEqual(self.membership(self.coordinator).staff_category, "")

    def test_a_missionary_is_assigned_as_such(self) -> None:
        sister = user_create(username="sister", organisation=self.org, unit=None, role=None, mfa=False)
        membership = membership_assign(
            actor=self.admin,
            user=sister,
            unit=self.centre_a,
            role=Role.FIELD_EDUCATOR,
            staff_category="missionary",
        )
        self.assertEqual(membership.staff_category, "missionary")
        with self.assertRaises(ValidationError):
            membership_assign(
                actor=self.admin,
                user=sister,
                unit=self.diocese_a,
                role=Role.CASE_WORKER,
                staff_category="monk",
            )

    def test_the_administrator_changes_a_category_audited_with_both_values(self) -> None:
        membership = membership_staff_category_set(
            actor=self.admin, membership=self.membership(self.educator), staff_category="missionary"
        )
        self.assertEqual(Membership.objects.get(pk=membership.pk).staff_category, "missionary")
        event = AuditEvent.objects.filter(action="membership.staff_category.set").get()
        self.assertEqual(event.details["from"], "employee")
        self.assertEqual(event.details["to"], "missionary")

    def test_only_the_units_administrators_change_it(self) -> None:
        for actor in (self.manager, self.educator, self.other_admin, self.dpo):
            with self.subTest(actor=actor.username), self.assertRaises(PermissionDenied):
                membership_staff_category_set(
                    actor=actor, membership=self.membership(self.educator), staff_category="missionary"
                )
        with self.assertRaises(ValidationError):
            membership_staff_category_set(
                actor=self.admin, membership=self.membership(self.educator), staff_category="bishop"
            )

    def test_the_category_nearest_to_a_unit_is_how_someone_serves_it(self) -> None:
        membership_assign(
            actor=self.admin,
            user=self.manager,
            unit=self.centre_a,
            role=Role.FIELD_EDUCATOR,
            staff_category="missionary",
        )
        # The manager: employee at diocese A, missionary at its centre.
        self.assertEqual(staff_category_of(user=self.manager, unit=self.centre_a), "missionary")
        self.assertEqual(staff_category_of(user=self.manager, unit=self.diocese_a), "employee")
        self.assertEqual(staff_category_of(user=self.viewer, unit=self.centre_a), "")
        self.assertEqual(staff_category_of(user=self.dave, unit=self.centre_a), "")


class StaffPageTests(StaffTestCase):
    def test_the_administrator_sees_who_serves_where_and_filters_in_the_url(self) -> None:
        membership_staff_category_set(
            actor=self.admin, membership=self.membership(self.educator), staff_category="missionary"
        )
        self.login(self.admin)
        response = self.client.get(reverse("staff_list"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Missionary or religious")
        response = self.client.get(reverse("staff_list"), {"staff_category": "missionary"})
        self.assertEqual([m.user for m in response.context["page"]], [self.educator])
        response = self.client.get(reverse("staff_list"), {"staff_category": "none"})
        self.assertEqual({m.user for m in response.context["page"]}, {self.viewer, self.coordinator})
        response = self.client.get(
            reverse("staff_list"),
            {"unit": str(self.diocese_a.public_id), "role": "case_worker", "name": "ali"},
        )
        self.assertEqual([m.user for m in response.context["page"]], [self.alice])
        self.assertNotContains(response, "Dave")

    def test_the_list_paginates_keeping_its_filters(self) -> None:
        for n in range(26):
            user_create(
                username=f"staff{n:02d}",
                organisation=self.org,
                unit=self.centre_a,
                role=Role.FIELD_EDUCATOR,
                mfa=False,
            )
        self.login(self.admin)
        response = self.client.get(reverse("staff_list"), {"role": "field_educator"})
        self.assertEqual(response.context["page"].paginator.count, 27)
        self.assertContains(response, "?role=field_educator&amp;page=2")
        self.assertEqual(
            len(
                self.client.get(reverse("staff_list"), {"role": "field_educator", "page": "2"}).context[
                    "page"
                ]
            ),
            2,
        )

    def test_bad_filters_are_ignored(self) -> None:
        self.login(self.admin)
        response = self.client.get(
            reverse("staff_list"), {"unit": "nope", "staff_category": "pope", "page": "x"}
        )
        self.assertEqual(response.status_code, 200)

    def test_the_category_is_changed_through_the_form(self) -> None:
        membership = self.membership(self.educator)
        url = reverse("staff_category_edit", kwargs={"public_id": membership.public_id})
        self.login(self.admin)
        self.assertContains(self.client.get(url), "How Educator Test serves")
        response = self.client.post(url, {"staff_category": "missionary"})
        self.assertRedirects(response, reverse("staff_list"), fetch_redirect_response=False)
        self.assertEqual(Membership.objects.get(pk=membership.pk).staff_category, "missionary")
        response = self.client.post(url, {"staff_category": "cardinal"})
        self.assertEqual(response.status_code, 400)
        self.assertIn("staff_category", response.context["form"].errors)

    def test_another_organisations_membership_is_missing(self) -> None:
        url = reverse("staff_category_edit", kwargs={"public_id": self.membership(self.alice).public_id})
        self.login(self.other_admin)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {"staff_category": "missionary"}).status_code, 404)
        self.assertNotContains(self.client.get(reverse("staff_list")), "Alice")
        self.login(self.admin)
        foreign = reverse("staff_category_edit", kwargs={"public_id": self.membership(self.dave).public_id})
        self.assertEqual(self.client.get(foreign).status_code, 404)

    def test_staff_without_the_right_are_refused(self) -> None:
        for user in (self.manager, self.educator, self.alice, self.volunteer, self.viewer):
            self.login(user)
            self.assertEqual(self.client.get(reverse("staff_list")).status_code, 403)
