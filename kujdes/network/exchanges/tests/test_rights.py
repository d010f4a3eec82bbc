"""Who may change an exchange: the host's focal points edit it, visitors add their own, others get 403."""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kujdes.core.scoping import system_scope
from kujdes.network.exchanges import services
from kujdes.network.exchanges.models import Exchange, ExchangeParticipant, FollowUpAction
from kujdes.network.exchanges.tests.base import ExchangeTestCase


def exchange_post(exchange: Exchange, **changes: object) -> dict[str, object]:
    data = {
        "kind": exchange.kind,
        "title": exchange.title,
        "host": exchange.host_id,
        "visitors": [v.pk for v in exchange.visitors.all()],
        "starts_on": exchange.starts_on.isoformat(),
        "ends_on": exchange.ends_on.isoformat(),
        "place": exchange.place,
        "online_link": exchange.online_link,
        "objectives": exchange.objectives,
        "agenda": exchange.agenda,
        "status": exchange.status,
        "version": exchange.version,
    }
    if exchange.is_online:
        data["is_online"] = "on"
    data.update(changes)
    return data


class ExchangeEditRightsTests(ExchangeTestCase):
    def edit(self, user: object, **changes: object) -> object:
        self.login(user)  # type: ignore[arg-type]
        return self.client.post(
            reverse("network_exchange_edit", args=[self.exchange.public_id]),
            exchange_post(self.exchange, **changes),
        )

    def test_a_focal_point_of_the_host_edits_the_exchange(self) -> None:
        response = self.edit(self.manager, objectives="Learn the intake steps")
        self.assertEqual(response.status_code, 302)  # type: ignore[attr-defined]
        self.exchange.refresh_from_db()
        self.assertEqual(self.exchange.objectives, "Learn the intake steps")
        self.assertEqual(self.exchange.version, 2)

    def test_the_visiting_focal_point_and_staff_cannot_edit_it(self) -> None:
        for user in (self.other_admin, self.alice, self.dpo):
            with self.subTest(user=user.username):
                self.assertEqual(self.edit(user, title="Changed").status_code, 403)  # type: ignore[attr-defined]
        self.exchange.refresh_from_db()
        self.assertEqual(self.exchange.title, "Study visit to Org AL")

    def test_volunteers_and_viewers_cannot_even_read_it(self) -> None:
        for user in (self.volunteer, self.viewer):
            self.login(user)
            response = self.client.get(reverse("network_exchange_detail", args=[self.exchange.public_id]))
            self.assertEqual(response.status_code, 403)

    def test_a_missing_exchange_is_404_for_everyone(self) -> None:
        self.login(self.coordinator)
        for name in ("network_exchange_detail", "network_exchange_edit", "network_exchange_participant_add"):
            response = self.client.get(reverse(name, args=[uuid.uuid4()]))
            self.assertEqual(response.status_code, 404)

    def test_a_stale_edit_is_refused_and_keeps_what_was_typed(self) -> None:
        self.edit(self.coordinator, objectives="First")
        response = self.edit(self.manager, objectives="Second", version=1)
        self.assertEqual(response.status_code, 200)  # type: ignore[attr-defined]
        self.assertContains(response, "Someone else saved this exchange")
        self.assertContains(response, "Second")
        self.exchange.refresh_from_db()
        self.assertEqual(self.exchange.objectives, "First")

    def test_a_host_focal_point_cannot_give_the_exchange_to_another_partner(self) -> None:
        response = self.edit(self.admin, host=self.partner_ua.pk)
        self.assertIn(response.status_code, {200, 403})  # type: ignore[attr-defined]
        self.exchange.refresh_from_db()
        self.assertEqual(self.exchange.host, self.partner_al)

    def test_the_host_cannot_be_a_visitor_too(self) -> None:
        response = self.edit(self.coordinator, visitors=[self.partner_fr.pk, self.partner_al.pk])
        self.assertContains(response, "cannot also be a visiting partner")

    def test_an_online_exchange_needs_its_link_and_dates_must_be_in_order(self) -> None:
        response = self.edit(self.coordinator, is_online="on", online_link="", ends_on="2026-03-01")
        self.assertContains(response, "Give the link to join")
        self.assertContains(response, "The last day cannot be before the first day")

    def test_a_focal_point_records_an_exchange_for_their_own_partner_only(self) -> None:
        self.login(self.other_admin)
        data = exchange_post(self.exchange, host=self.partner_al.pk, visitors=[], title="Visit")
        response = self.client.post(reverse("network_exchange_create"), data)
        self.assertIn("host", response.context["form"].errors)
        data["host"] = self.partner_fr.pk
        response = self.client.post(reverse("network_exchange_create"), data)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Exchange.objects.get(title="Visit").host, self.partner_fr)


class ParticipantRightsTests(ExchangeTestCase):
    def add(self, user: object, partner: object, name: str = "New Colleague") -> object:
        self.login(user)  # type: ignore[arg-type]
        return self.client.post(
            reverse("network_exchange_participant_add", args=[self.exchange.public_id]),
            {"partner": partner.pk, "name": name, "role": "Educator"},  # type: ignore[attr-defined]
        )

    def test_the_visiting_focal_point_adds_their_own_partner_s_participants(self) -> None:
        response = self.add(self.other_admin, self.partner_fr)
        self.assertEqual(response.status_code, 302)  # type: ignore[attr-defined]
        self.assertTrue(
            ExchangeParticipant.objects.filter(name="New Colleague", partner=self.partner_fr).exists()
        )

    def test_the_visiting_focal_point_cannot_add_the_host_s_participants(self) -> None:
        response = self.add(self.other_admin, self.partner_al)
        self.assertEqual(response.status_code, 400)  # type: ignore[attr-defined]
        self.assertFalse(ExchangeParticipant.objects.filter(name="New Colleague").exists())
        with system_scope(), self.assertRaises(PermissionDenied):
            services.participant_add(
                actor=self.other_admin, exchange=self.exchange, partner=self.partner_al, name="X"
            )

    def test_the_visiting_focal_point_edits_only_their_own_participants(self) -> None:
        self.login(self.other_admin)
        own = reverse(
            "network_exchange_participant_edit",
            args=[self.exchange.public_id, self.exchange_participant_fr.public_id],
        )
        host = reverse(
            "network_exchange_participant_edit",
            args=[self.exchange.public_id, self.exchange_participant_al.public_id],
        )
        response = self.client.post(
            own, {"name": "Visiting Colleague", "learning_outcomes": "Case conferences"}
        )
        self.assertEqual(response.status_code, 302)
        self.exchange_participant_fr.refresh_from_db()
        self.assertEqual(self.exchange_participant_fr.learning_outcomes, "Case conferences")
        self.assertEqual(self.client.post(host, {"name": "Changed"}).status_code, 403)

    def test_staff_without_the_right_get_403(self) -> None:
        for user in (self.alice, self.dave, self.educator):
            with self.subTest(user=user.username):
                self.assertEqual(self.add(user, self.partner_fr).status_code, 403)  # type: ignore[attr-defined]

    def test_a_participant_of_another_exchange_answers_404(self) -> None:
        with system_scope():
            other = services.exchange_create(
                actor=self.coordinator,
                visitors=[self.partner_fr],
                kind="peer_exchange",
                title="Another",
                host=self.partner_ua,
                starts_on=datetime.date(2026, 5, 1),
                ends_on=datetime.date(2026, 5, 1),
                place="Kyiv",
            )
        self.login(self.coordinator)
        url = reverse(
            "network_exchange_participant_edit",
            args=[other.public_id, self.exchange_participant_fr.public_id],
        )
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_the_account_linked_to_a_participant_must_be_of_their_partner(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(
            reverse("network_exchange_participant_add", args=[self.exchange.public_id]),
            {"partner": self.partner_fr.pk, "name": "Someone", "user": self.alice.pk},
        )
        self.assertContains(response, "must be one of this partner", status_code=400)

    def test_the_evaluation_form_records_ratings_and_refuses_out_of_range(self) -> None:
        self.login(self.other_admin)
        url = reverse(
            "network_exchange_participant_evaluate",
            args=[self.exchange.public_id, self.exchange_participant_fr.public_id],
        )
        response = self.client.post(url, {"rating_overall": "9", "will_apply": "Daily huddles"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Daily huddles", status_code=400)
        response = self.client.post(
            url, {"rating_overall": "5", "rating_usefulness": "4", "will_apply": "Huddles"}
        )
        self.assertEqual(response.status_code, 302)
        self.exchange_participant_fr.refresh_from_db()
        self.assertEqual(
            (self.exchange_participant_fr.rating_overall, self.exchange_participant_fr.rating_usefulness),
            (5, 4),
        )
        self.assertTrue(self.exchange_participant_fr.has_evaluation)


class FollowUpActionRightsTests(ExchangeTestCase):
    def url(self) -> str:
        return reverse(
            "network_exchange_action_edit", args=[self.exchange.public_id, self.exchange_action.public_id]
        )

    def test_the_owner_partner_s_focal_point_updates_the_status_only(self) -> None:
        self.login(self.other_admin)
        response = self.client.post(
            self.url(),
            {
                "status": "done",
                "done_on": "2026-04-20",
                "note": "Sent",
                "description": "Changed",
                "version": 1,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.exchange_action.refresh_from_db()
        self.assertEqual(self.exchange_action.status, "done")
        self.assertEqual(self.exchange_action.description, "Share the intake checklist")
        with system_scope(), self.assertRaises(PermissionDenied):
            services.action_update(
                actor=self.other_admin,
                action=self.exchange_action,
                version=None,
                changes={"description": "X"},
            )

    def test_the_owner_s_account_may_update_it(self) -> None:
        FollowUpAction.objects.filter(pk=self.exchange_action.pk).update(owner_user=self.dave)
        self.exchange_action.refresh_from_db()
        with system_scope():
            updated = services.action_update(
                actor=self.dave, action=self.exchange_action, version=None, changes={"status": "in_progress"}
            )
        self.assertEqual(updated.status, "in_progress")

    def test_others_get_403(self) -> None:
        for user in (self.alice, self.dave, self.dpo):
            with self.subTest(user=user.username):
                self.login(user)
                self.assertEqual(self.client.post(self.url(), {"status": "dropped"}).status_code, 403)

    def test_a_done_action_needs_its_day(self) -> None:
        self.login(self.other_admin)
        response = self.client.post(self.url(), {"status": "done", "note": "Sent", "version": 1})
        self.assertContains(response, "Give the day the action was done", status_code=400)
        self.assertContains(response, "Sent", status_code=400)
