"""Minutes written by two people at once: the second keeps what they typed and sees the difference."""

from __future__ import annotations

from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.network.reflection import services
from kujdes.network.reflection.tests.base import ReflectionTestCase
from kujdes.network.reflection.views import minutes_diff


class MinutesTests(ReflectionTestCase):
    def url(self) -> str:
        return reverse("network_meeting_minutes", kwargs={"public_id": self.group_meeting.public_id})

    def test_a_stale_save_keeps_the_typed_text_and_shows_what_differs(self) -> None:
        version = self.group_meeting.version
        # The manager saves first, from the same version the admin started from.
        self.login(self.manager)
        first = self.client.post(
            self.url(), {"minutes": "Opening.\nThe pilot is agreed.", "version": version}
        )
        self.assertEqual(first.status_code, 302)
        self.login(self.admin)
        typed = "Opening.\nThe pilot is postponed to spring."
        response = self.client.post(self.url(), {"minutes": typed, "version": version})
        self.assertEqual(response.status_code, 409)
        self.assertContains(response, "Someone else saved this", status_code=409)
        self.assertContains(response, "The pilot is postponed to spring.</textarea>", status_code=409)
        self.assertContains(response, "<del>The pilot is agreed.</del>", status_code=409)
        self.assertContains(response, "<ins>The pilot is postponed to spring.</ins>", status_code=409)
        self.assertEqual(self.fresh(self.group_meeting).minutes, "Opening.\nThe pilot is agreed.")
        # Saving again (the form now carries the current version) replaces the other text knowingly.
        current = self.fresh(self.group_meeting).version
        self.assertContains(response, f'name="version" value="{current}"', status_code=409)
        again = self.client.post(self.url(), {"minutes": typed, "version": current})
        self.assertEqual(again.status_code, 302)
        self.assertEqual(self.fresh(self.group_meeting).minutes, typed)

    def test_changed_minutes_lose_their_approval(self) -> None:
        with system_scope():
            meeting = services.meeting_minutes_save(
                actor=self.coordinator, meeting=self.group_meeting, version=None, minutes="Text"
            )
            meeting = services.meeting_minutes_approve(actor=self.coordinator, meeting=meeting)
            self.assertTrue(meeting.minutes_approved)
            meeting = services.meeting_minutes_save(
                actor=self.coordinator, meeting=meeting, version=meeting.version, minutes="Text, corrected"
            )
        self.assertFalse(meeting.minutes_approved)
        self.assertIsNone(meeting.minutes_approved_on)

    def test_empty_minutes_cannot_be_approved(self) -> None:
        self.login(self.coordinator)
        url = reverse("network_meeting_minutes_approve", kwargs={"public_id": self.plenary.public_id})
        response = self.client.post(url, {"approved_on": ""}, follow=True)
        self.assertContains(response, "There are no minutes to approve yet.")
        self.assertFalse(self.fresh(self.plenary).minutes_approved)

    def test_the_difference_marks_lines_on_each_side(self) -> None:
        self.assertEqual(
            minutes_diff(saved="a\nb", typed="a\nc"), [("same", "a"), ("saved", "b"), ("typed", "c")]
        )
