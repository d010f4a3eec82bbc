"""The reflection's test cast: the network's partners, a working group convened by "al" with "fr"."""

from __future__ import annotations

import datetime

from django.utils import timezone

from kujdes.core.scoping import system_scope
from kujdes.network.reflection import services
from kujdes.network.reflection.models import Meeting, MeetingStatus, WorkingGroup
from kujdes.network.tests.base import NetworkTestCase
from kujdes.network.tests.fixtures import network_fixtures


class ReflectionTestCase(NetworkTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            network_fixtures(cls)
            cls.group = services.working_group_create(
                actor=cls.coordinator,
                name="Prevention in schools",
                purpose="Share what works in schools.",
                convenor=cls.partner_al,
                partners=[cls.partner_fr],
                started_on=datetime.date(2026, 1, 15),
            )
            cls.group_meeting = services.meeting_create(
                actor=cls.coordinator,
                working_group=cls.group,
                title="Schools: first meeting",
                starts_at=timezone.now() - datetime.timedelta(days=3),
                status=MeetingStatus.HELD,
            )
            cls.plenary = services.meeting_create(
                actor=cls.coordinator,
                working_group=None,
                title="Network meeting",
                starts_at=timezone.now() - datetime.timedelta(days=30),
                status=MeetingStatus.HELD,
            )

    def fresh(self, obj: Meeting | WorkingGroup):  # type: ignore[no-untyped-def]
        return type(obj).objects.get(pk=obj.pk)
