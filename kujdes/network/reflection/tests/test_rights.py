"""Who may change what: the coordinator, the convenor's focal points, a member's focal points, other staff."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.network.reflection import services
from kujdes.network.reflection.models import ActionItem, Method
from kujdes.network.reflection.tests.base import ReflectionTestCase


class MeetingRightsTests(ReflectionTestCase):
    def test_the_convenors_focal_point_writes_the_minutes_of_its_groups_meeting(self) -> None:
        self.login(self.admin)  # focal point of "al", the convenor
        url = reverse("network_meeting_minutes", kwargs={"public_id": self.group_meeting.public_id})
        response = self.client.post(
            url, {"minutes": "Agreed on a pilot.", "version": self.group_meeting.version}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.fresh(self.group_meeting).minutes, "Agreed on a pilot.")

    def test_a_members_focal_point_reads_the_meeting_but_may_not_write_its_minutes(self) -> None:
        self.login(self.other_admin)  # focal point of "fr", a member, not the convenor
        detail = reverse("network_meeting_detail", kwargs={"public_id": self.group_meeting.public_id})
        self.assertEqual(self.client.get(detail).status_code, 200)
        url = reverse("network_meeting_minutes", kwargs={"public_id": self.group_meeting.public_id})
        response = self.client.post(url, {"minutes": "Mine.", "version": 1})
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.fresh(self.group_meeting).minutes, "")

    def test_the_convenors_focal_point_may_not_manage_a_plenary(self) -> None:
        self.login(self.admin)
        url = reverse("network_meeting_minutes", kwargs={"public_id": self.plenary.public_id})
        self.assertEqual(self.client.get(url).status_code, 403)
        with system_scope(), self.assertRaises(PermissionDenied):
            services.meeting_create(
                actor=self.admin, working_group=None, title="Mine", starts_at=self.plenary.starts_at
            )

    def test_the_coordinator_manages_every_meeting_and_records_decisions(self) -> None:
        self.login(self.coordinator)
        for meeting in (self.plenary, self.group_meeting):
            url = reverse("network_meeting_minutes", kwargs={"public_id": meeting.public_id})
            self.assertEqual(self.client.get(url).status_code, 200)
        url = reverse("network_decision_create", kwargs={"public_id": self.plenary.public_id})
        response = self.client.post(
            url, {"number": "2026-01/1", "text": "Adopt it.", "scope": "network", "status": "in_force"}
        )
        self.assertEqual(response.status_code, 302)

    def test_a_convenors_focal_point_does_not_record_decisions(self) -> None:
        self.login(self.manager)
        url = reverse("network_decision_create", kwargs={"public_id": self.group_meeting.public_id})
        self.assertEqual(self.client.get(url).status_code, 403)

    def test_a_case_worker_reads_but_changes_nothing(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("network_meeting_list")).status_code, 200)
        url = reverse("network_meeting_edit", kwargs={"public_id": self.group_meeting.public_id})
        self.assertEqual(self.client.get(url).status_code, 403)

    def test_volunteers_and_viewers_get_403_everywhere(self) -> None:
        for user in (self.volunteer, self.viewer):
            self.login(user)
            for name in ("network_meeting_list", "network_decision_list", "network_method_list"):
                self.assertEqual(self.client.get(reverse(name)).status_code, 403, (user, name))

    def test_a_missing_meeting_decision_or_method_is_a_404(self) -> None:
        self.login(self.coordinator)
        for name in (
            "network_meeting_detail",
            "network_meeting_minutes",
            "network_decision_detail",
            "network_method_detail",
            "network_working_group_detail",
            "network_action_update",
        ):
            self.assertEqual(
                self.client.get(reverse(name, kwargs={"public_id": uuid.uuid4()})).status_code, 404, name
            )

    def test_meeting_creation_offers_a_convenor_only_its_own_groups(self) -> None:
        self.login(self.manager)
        response = self.client.get(reverse("network_meeting_create"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, self.group.name)
        self.login(self.other_admin)
        self.assertEqual(self.client.get(reverse("network_meeting_create")).status_code, 403)


class ActionRightsTests(ReflectionTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.action = services.action_item_create(
                actor=cls.admin,
                meeting=cls.group_meeting,
                description="Translate the leaflet",
                owner_partner=cls.partner_fr,
                owner_name="Claire",
                due_on=datetime.date(2026, 1, 10),
            )

    def test_the_owner_partners_focal_point_updates_the_status_but_not_the_description(self) -> None:
        self.login(self.other_admin)
        url = reverse("network_action_update", kwargs={"public_id": self.action.public_id})
        response = self.client.post(
            url, {"status": "done", "done_note": "Sent.", "version": self.action.version}
        )
        self.assertEqual(response.status_code, 302)
        action = ActionItem.objects.get(pk=self.action.pk)
        self.assertEqual((action.status, action.done_note), ("done", "Sent."))
        with system_scope(), self.assertRaises(PermissionDenied):
            services.action_item_update(
                actor=self.other_admin,
                action=action,
                version=action.version,
                changes={"description": "Other"},
            )

    def test_done_needs_a_word_on_what_was_done(self) -> None:
        self.login(self.other_admin)
        url = reverse("network_action_update", kwargs={"public_id": self.action.public_id})
        response = self.client.post(url, {"status": "done", "done_note": " ", "version": self.action.version})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Say in a few words what was done.", status_code=400)

    def test_another_staff_member_may_not_update_the_action(self) -> None:
        self.login(self.dave)
        url = reverse("network_action_update", kwargs={"public_id": self.action.public_id})
        self.assertEqual(
            self.client.post(url, {"status": "done", "done_note": "x", "version": 1}).status_code, 403
        )

    def test_the_overdue_filter_lists_only_open_actions_past_their_date(self) -> None:
        with system_scope():
            services.action_item_create(
                actor=self.coordinator,
                meeting=self.plenary,
                description="Far in the future",
                due_on=datetime.date(2099, 1, 1),
            )
        self.login(self.alice)
        response = self.client.get(reverse("network_action_list"), {"overdue": "on"})
        self.assertContains(response, "Translate the leaflet")
        self.assertNotContains(response, "Far in the future")


class MethodApplicationRightsTests(ReflectionTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.method = services.method_create(
                actor=cls.coordinator,
                title="Common screening",
                summary="Screen the same way.",
                version_label="1.0",
            )

    def test_a_focal_point_records_its_own_partners_application(self) -> None:
        self.login(self.other_admin)
        url = reverse("network_method_apply", kwargs={"public_id": self.method.public_id})
        response = self.client.post(url, {"partner": self.partner_fr.public_id, "extent": "partial"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.method.applications.get().partner, self.partner_fr)

    def test_a_focal_point_may_not_record_for_another_partner(self) -> None:
        self.login(self.other_admin)
        url = reverse("network_method_apply", kwargs={"public_id": self.method.public_id})
        response = self.client.post(url, {"partner": self.partner_al.public_id, "extent": "full"})
        self.assertEqual(response.status_code, 400)  # not among the form's choices
        with system_scope(), self.assertRaises(PermissionDenied):
            services.method_application_record(
                actor=self.other_admin, method=self.method, partner=self.partner_al, extent="full"
            )
        self.assertFalse(self.method.applications.exists())

    def test_only_the_coordinator_keeps_the_register(self) -> None:
        with system_scope(), self.assertRaises(PermissionDenied):
            services.method_create(actor=self.admin, title="Mine", summary="x", version_label="1")
        self.login(self.admin)
        self.assertEqual(self.client.get(reverse("network_method_create")).status_code, 403)
        self.assertEqual(Method.objects.count(), 1)
