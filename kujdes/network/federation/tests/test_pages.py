"""The federation pages: this installation's card, adding a peer with its fingerprint confirmed,
a peer's traffic and actions, and package files by upload.

Peers belong to the installation: whoever manages the federation (the network coordinator, an
organisation admin) sees every peer; everyone else gets 403, whatever their organisation.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.network.federation.demo import SyntheticInstallation
from kujdes.network.federation.envelope import canonical
from kujdes.network.federation.models import (
    InboxPackage,
    InboxVia,
    Installation,
    OutboxPackage,
    OutboxState,
    Peer,
    PeerStatus,
)
from kujdes.network.federation.services import (
    FILE_FORMAT,
    card_read,
    inbox_receive,
    installation_init,
    package_send,
    peer_add,
)
from kujdes.network.models import Partner
from kujdes.network.tests.base import NetworkTestCase
from kujdes.network.tests.fixtures import network_fixtures

# Unusual strings that must never show on a page (a payload is not for the admin's eyes).
CANARY = "Zqxv-Kanarinë-7731"


def kpkg(*packages: bytes) -> bytes:
    """A package file as `kujdes federation export` writes it."""
    return json.dumps({"format": FILE_FORMAT, "packages": [json.loads(p) for p in packages]}).encode()


class FederationPageTestCase(NetworkTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            network_fixtures(cls)
            cls.installation = installation_init(
                name="Kujdes Tirana", base_url="https://kujdes.al.example", country="AL", operator=cls.org
            )
            # A peer already linked, hosting no partner yet.
            cls.remote = SyntheticInstallation(
                name="Kujdes Sofia", base_url="http://127.0.0.1:9", country="BG"
            )
            cls.peer = peer_add(actor=None, card=card_read(cls.remote.card()), partner_codes=[])
        # A second installation whose card is pasted in the tests.
        cls.kyiv = SyntheticInstallation(
            name="Kujdes Kyiv", base_url="https://kujdes.ua.example", country="UA"
        )

    def queue(self, *, peer: Peer | None = None, payload: dict[str, Any] | None = None) -> OutboxPackage:
        with system_scope(), transaction.atomic():
            return package_send(type="ping", payload=payload or {}, peer=peer or self.peer, deliver=False)

    def peer_url(self, name: str = "federation_peer_detail", peer: Peer | None = None, **kw: Any) -> str:
        return reverse(name, kwargs={"public_id": (peer or self.peer).public_id, **kw})


class HomeTests(FederationPageTestCase):
    def test_the_home_page_shows_this_installations_card_and_fingerprint(self) -> None:
        self.login(self.coordinator)
        response = self.client.get(reverse("federation_home"))
        self.assertContains(response, "Kujdes Tirana")
        self.assertContains(response, str(self.installation.installation_id))
        self.assertContains(response, "https://kujdes.al.example")
        self.assertContains(response, "Albania")
        from kujdes.network.federation.selectors import installation_identity

        identity = installation_identity()
        self.assertIsNotNone(identity)
        groups = identity.fingerprint.split()
        self.assertEqual(len(groups), 8)
        self.assertContains(
            response,
            '<ol class="fingerprint" aria-label="Fingerprint">' + "".join(f"<li>{g}</li>" for g in groups),
        )
        self.assertContains(response, identity.keys[0].key_id)
        self.assertContains(response, reverse("federation_card_download"))

    def test_the_peers_table_lists_each_peer_with_its_partners_and_counts(self) -> None:
        with system_scope():
            Partner.objects.filter(code="ua").update(installation_id=self.peer.installation_id)
        self.queue()
        self.login(self.admin)
        response = self.client.get(reverse("federation_home"))
        self.assertContains(response, self.peer_url())
        self.assertContains(response, "Kujdes Sofia")
        self.assertContains(response, "Org UA")
        self.assertContains(response, "Bulgaria")
        self.assertContains(response, '<td class="number">1</td>', count=1)
        self.assertContains(response, "never")

    def test_the_health_banner_reports_failed_packages(self) -> None:
        package = self.queue()
        OutboxPackage.objects.filter(pk=package.pk).update(state=OutboxState.FAILED)
        self.login(self.coordinator)
        response = self.client.get(reverse("federation_home"))
        self.assertContains(response, "Needs attention")
        self.assertContains(response, "1 package(s) for Kujdes Sofia failed.")

    def test_without_an_identity_the_home_page_says_how_to_create_one(self) -> None:
        Installation.objects.all().delete()
        self.login(self.coordinator)
        response = self.client.get(reverse("federation_home"))
        self.assertContains(response, "This installation has no federation identity yet")
        self.assertContains(response, "kujdes federation init")
        self.assertEqual(self.client.get(reverse("federation_card_download")).status_code, 404)
        response = self.client.get(reverse("federation_peer_add"))
        self.assertContains(response, "kujdes federation init")
        self.assertNotContains(response, 'name="card"')

    def test_the_card_downloads_as_a_json_file_another_installation_can_read(self) -> None:
        self.login(self.other_admin)
        response = self.client.get(reverse("federation_card_download"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Disposition"], 'attachment; filename="kujdes-card-kujdes-tirana.json"'
        )
        card = card_read(json.loads(response.content))
        self.assertEqual(card.installation_id, self.installation.installation_id)

    def test_the_network_home_links_the_federation_for_those_who_manage_it_only(self) -> None:
        self.login(self.coordinator)
        self.assertContains(self.client.get(reverse("network_home")), reverse("federation_home"))
        self.login(self.alice)
        self.assertNotContains(self.client.get(reverse("network_home")), reverse("federation_home"))


class AccessTests(FederationPageTestCase):
    def urls(self) -> list[tuple[str, str]]:
        package = self.queue()
        return [
            ("GET", reverse("federation_home")),
            ("GET", reverse("federation_card_download")),
            ("GET", reverse("federation_peer_add")),
            ("POST", reverse("federation_peer_add")),
            ("POST", reverse("federation_peer_confirm")),
            ("GET", self.peer_url()),
            ("POST", self.peer_url("federation_peer_ping")),
            ("POST", self.peer_url("federation_peer_export")),
            ("GET", self.peer_url("federation_peer_revoke")),
            ("POST", self.peer_url("federation_peer_revoke")),
            ("POST", self.peer_url("federation_package_retry", package_id=package.package_id)),
            ("GET", reverse("federation_import")),
            ("POST", reverse("federation_import")),
        ]

    def test_charlie_and_every_role_without_the_permission_get_403_on_every_page(self) -> None:
        urls = self.urls()
        for user in (
            self.charlie,
            self.dave,
            self.manager,
            self.dpo,
            self.viewer,
            self.volunteer,
            self.educator,
        ):
            self.login(user)
            for method, url in urls:
                with self.subTest(user=user.username, url=url):
                    response = self.client.generic(method, url)
                    self.assertEqual(response.status_code, 403)
        self.assertEqual(Peer.objects.get(pk=self.peer.pk).status, PeerStatus.ACTIVE)
        self.assertFalse(OutboxPackage.objects.filter(type="ping").exclude(state=OutboxState.QUEUED).exists())

    def test_charlie_is_refused_before_being_asked_to_reauthenticate(self) -> None:
        self.login(self.charlie, recently_authenticated=False)
        self.assertEqual(self.client.post(self.peer_url("federation_peer_revoke")).status_code, 403)

    def test_a_visitor_is_sent_to_sign_in(self) -> None:
        response = self.client.get(reverse("federation_home"))
        self.assertEqual(response.status_code, 302)

    def test_an_unknown_peer_or_package_is_404(self) -> None:
        self.login(self.coordinator)
        missing = reverse("federation_peer_detail", kwargs={"public_id": uuid.uuid4()})
        self.assertEqual(self.client.get(missing).status_code, 404)
        retry = self.peer_url("federation_package_retry", package_id=uuid.uuid4())
        self.assertEqual(self.client.post(retry).status_code, 404)

    def test_another_peers_package_cannot_be_retried_through_this_peer(self) -> None:
        with system_scope():
            other = peer_add(
                actor=None,
                card=card_read(SyntheticInstallation(name="Other", base_url="http://127.0.0.1:9").card()),
                partner_codes=[],
            )
        package = self.queue(peer=other)
        OutboxPackage.objects.filter(pk=package.pk).update(state=OutboxState.FAILED)
        self.login(self.coordinator)
        response = self.client.post(self.peer_url("federation_package_retry", package_id=package.package_id))
        self.assertEqual(response.status_code, 404)
        self.assertEqual(OutboxPackage.objects.get(pk=package.pk).state, OutboxState.FAILED)


class AddPeerTests(FederationPageTestCase):
    def read(self, text: str) -> Any:
        return self.client.post(reverse("federation_peer_add"), {"card": text})

    def confirm(self, text: str, **data: Any) -> Any:
        return self.client.post(reverse("federation_peer_confirm"), {"card": text, **data})

    def test_the_card_is_shown_with_its_fingerprint_and_the_instruction_to_compare_it_by_phone(self) -> None:
        self.login(self.coordinator)
        response = self.read(json.dumps(self.kyiv.card()))
        self.assertContains(response, "Compare the fingerprint")
        self.assertContains(response, "Kujdes Kyiv")
        self.assertContains(response, str(self.kyiv.installation_id))
        self.assertContains(response, "https://kujdes.ua.example")
        self.assertContains(response, "".join(f"<li>{g}</li>" for g in self.kyiv.fingerprint.split()))
        self.assertContains(response, "Call the other coordinator")
        self.assertContains(response, "The fingerprints match")
        # Only partners that are not organisations of this installation can be hosted by a peer.
        self.assertContains(response, 'name="partners" value="ua"')
        self.assertNotContains(response, 'name="partners" value="al"')
        self.assertNotContains(response, 'name="partners" value="fr"')
        self.assertFalse(Peer.objects.filter(installation_id=self.kyiv.installation_id).exists())

    def test_the_peer_is_not_added_without_the_fingerprints_tick(self) -> None:
        self.login(self.coordinator)
        response = self.confirm(json.dumps(self.kyiv.card()), partners=["ua"])
        self.assertContains(response, "Compare the fingerprint with the other coordinator and tick the box")
        self.assertContains(response, "Kujdes Kyiv")
        self.assertFalse(Peer.objects.filter(installation_id=self.kyiv.installation_id).exists())
        self.assertIsNone(Partner.objects.get(code="ua").installation_id)

    def test_with_the_tick_the_peer_is_added_hosting_the_chosen_partner(self) -> None:
        self.login(self.admin)
        response = self.confirm(json.dumps(self.kyiv.card()), partners=["ua"], fingerprints_match="on")
        peer = Peer.objects.get(installation_id=self.kyiv.installation_id)
        self.assertRedirects(response, self.peer_url(peer=peer), fetch_redirect_response=False)
        self.assertEqual(peer.fingerprint, self.kyiv.fingerprint)
        self.assertEqual(peer.added_by, self.admin)
        self.assertEqual(Partner.objects.get(code="ua").installation_id, self.kyiv.installation_id)
        with system_scope():
            event = AuditEvent.objects.get(action="federation.peer.added", object_id=str(peer.public_id))
        self.assertEqual(event.actor, self.admin)
        page = self.client.get(self.peer_url(peer=peer))
        self.assertContains(page, "Kujdes Kyiv is now a peer of this installation.")
        self.assertContains(page, "Org UA")

    def test_an_admin_of_another_organisation_adds_a_peer_recorded_in_the_operators_chain(self) -> None:
        # Peers belong to the installation: the event goes to the chain of the organisation running it.
        self.login(self.other_admin)
        response = self.confirm(json.dumps(self.kyiv.card()), fingerprints_match="on")
        peer = Peer.objects.get(installation_id=self.kyiv.installation_id)
        self.assertRedirects(response, self.peer_url(peer=peer), fetch_redirect_response=False)
        with system_scope():
            event = AuditEvent.objects.get(action="federation.peer.added", object_id=str(peer.public_id))
        self.assertEqual((event.organisation_id, event.actor), (self.org.pk, self.other_admin))
        self.assertEqual(self.client.post(self.peer_url("federation_peer_ping", peer=peer)).status_code, 302)

    def test_a_local_partner_cannot_be_chosen(self) -> None:
        self.login(self.coordinator)
        response = self.confirm(json.dumps(self.kyiv.card()), partners=["al"], fingerprints_match="on")
        self.assertContains(response, "Select a valid choice")
        self.assertFalse(Peer.objects.filter(installation_id=self.kyiv.installation_id).exists())

    def test_an_altered_card_is_refused_and_the_pasted_text_kept(self) -> None:
        card = self.kyiv.card()
        card["base_url"] = "https://attacker.example"
        text = json.dumps(card, indent=2)
        self.login(self.coordinator)
        response = self.read(text)
        self.assertContains(response, "The card&#x27;s signature does not verify: it was altered.")
        self.assertContains(response, "https://attacker.example")
        self.assertEqual(response.context["form"]["card"].value(), text)
        self.assertNotContains(response, "Compare the fingerprint with")

    def test_a_card_with_another_fingerprint_is_refused(self) -> None:
        card = self.kyiv.card()
        card["fingerprint"] = self.remote.fingerprint
        self.login(self.coordinator)
        response = self.read(json.dumps(card))
        self.assertContains(response, "fingerprint does not match its keys")

    def test_text_that_is_not_json_is_refused_and_kept(self) -> None:
        self.login(self.coordinator)
        text = json.dumps(self.kyiv.card())[:-40]
        response = self.read(text)
        self.assertContains(response, "This is not an installation card: the text is not JSON.")
        self.assertEqual(response.context["form"]["card"].value(), text)

    def test_an_empty_form_asks_for_the_card(self) -> None:
        self.login(self.coordinator)
        response = self.read("")
        self.assertContains(response, "Paste the other installation&#x27;s card, or choose its file.")

    def test_the_card_can_be_uploaded_as_a_file(self) -> None:
        self.login(self.coordinator)
        upload = SimpleUploadedFile("kyiv.json", json.dumps(self.kyiv.card()).encode(), "application/json")
        response = self.client.post(reverse("federation_peer_add"), {"card": "", "card_file": upload})
        self.assertContains(response, "Compare the fingerprint")
        self.assertContains(response, "Kujdes Kyiv")

    def test_an_uploaded_file_that_is_not_a_card_is_refused_with_its_text_shown(self) -> None:
        self.login(self.coordinator)
        upload = SimpleUploadedFile("notes.json", b'{"hello": "world"}', "application/json")
        response = self.client.post(reverse("federation_peer_add"), {"card_file": upload})
        self.assertContains(response, "This is not a Kujdes installation card.")
        self.assertContains(response, "hello")

    def test_this_installations_own_card_is_refused(self) -> None:
        from kujdes.network.federation.services import installation_card

        with system_scope():
            own = installation_card()
        self.login(self.coordinator)
        response = self.read(json.dumps(own))
        self.assertContains(response, "This card is this installation&#x27;s own")

    def test_a_card_altered_between_the_two_steps_is_refused(self) -> None:
        card = self.kyiv.card()
        card["name"] = "Kujdes Kyiv (forged)"
        self.login(self.coordinator)
        response = self.confirm(json.dumps(card), partners=["ua"], fingerprints_match="on")
        self.assertContains(response, "it was altered")
        self.assertContains(response, "Kujdes Kyiv (forged)")
        self.assertFalse(Peer.objects.filter(installation_id=self.kyiv.installation_id).exists())

    def test_a_known_peers_card_again_updates_it_and_says_so(self) -> None:
        self.login(self.coordinator)
        response = self.read(json.dumps(self.remote.card()))
        self.assertContains(response, "This installation is already a peer (Kujdes Sofia)")


class PeerPageTests(FederationPageTestCase):
    def test_the_peer_page_shows_its_card_keys_and_traffic_but_no_payload(self) -> None:
        package = self.queue(payload={"note": CANARY})
        self.login(self.coordinator)
        response = self.client.get(self.peer_url())
        self.assertContains(response, "Kujdes Sofia")
        self.assertContains(response, str(self.peer.installation_id))
        self.assertContains(response, "".join(f"<li>{g}</li>" for g in self.remote.fingerprint.split()))
        self.assertContains(response, self.remote.key_id)
        self.assertContains(response, str(package.package_id))
        self.assertContains(response, "Queued")
        self.assertNotContains(response, CANARY)

    def test_received_packages_and_refusals_show_with_their_reason(self) -> None:
        good = self.remote.package(type="pong", payload={}, recipient=self.installation.installation_id)
        forged = json.loads(
            self.remote.package(type="pong", payload={}, recipient=self.installation.installation_id)
        )
        forged["payload"] = {"note": CANARY}
        self.assertEqual(inbox_receive(body=good, via=InboxVia.HTTPS).status, 202)
        self.assertEqual(inbox_receive(body=canonical(forged), via=InboxVia.HTTPS).status, 401)
        self.login(self.coordinator)
        response = self.client.get(self.peer_url())
        self.assertContains(response, str(InboxPackage.objects.get().package_id))
        self.assertContains(response, "The signature does not verify: the package was altered or forged.")
        self.assertNotContains(response, CANARY)

    def test_ping_queues_a_ping_and_its_pong_marks_it_acknowledged(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(self.peer_url("federation_peer_ping"))
        self.assertRedirects(response, self.peer_url(), fetch_redirect_response=False)
        ping = OutboxPackage.objects.get(peer=self.peer, type="ping")
        self.assertEqual(ping.state, OutboxState.QUEUED)
        pong = self.remote.package(
            type="pong",
            payload={"in_reply_to": str(ping.package_id)},
            recipient=self.installation.installation_id,
        )
        self.assertEqual(inbox_receive(body=pong, via=InboxVia.HTTPS).status, 202)
        page = self.client.get(self.peer_url())
        self.assertContains(page, "A ping was queued for Kujdes Sofia.")
        self.assertContains(page, "Acknowledged")

    def test_a_revoked_peer_is_not_pinged(self) -> None:
        Peer.objects.filter(pk=self.peer.pk).update(status=PeerStatus.REVOKED)
        self.login(self.coordinator)
        response = self.client.post(self.peer_url("federation_peer_ping"), follow=True)
        self.assertContains(response, "Kujdes Sofia is revoked: nothing is sent to it.")
        self.assertFalse(OutboxPackage.objects.filter(peer=self.peer).exists())

    def test_retry_puts_a_failed_package_back_in_the_queue(self) -> None:
        package = self.queue()
        OutboxPackage.objects.filter(pk=package.pk).update(state=OutboxState.FAILED, attempts=12)
        self.login(self.coordinator)
        page = self.client.get(self.peer_url())
        retry = self.peer_url("federation_package_retry", package_id=package.package_id)
        self.assertContains(page, f'action="{retry}"')
        response = self.client.post(retry, follow=True)
        self.assertContains(response, "The package is queued again.")
        package.refresh_from_db()
        self.assertEqual((package.state, package.attempts), (OutboxState.QUEUED, 0))

    def test_a_package_that_did_not_fail_is_not_retried(self) -> None:
        package = self.queue()
        self.login(self.coordinator)
        response = self.client.post(
            self.peer_url("federation_package_retry", package_id=package.package_id), follow=True
        )
        self.assertContains(response, "Only a failed package can be sent again.")

    def test_the_waiting_packages_download_as_a_file_the_peer_can_import(self) -> None:
        first, second = self.queue(), self.queue()
        self.login(self.coordinator)
        response = self.client.post(self.peer_url("federation_peer_export"))
        self.assertEqual(response.status_code, 200)
        self.assertRegex(
            response["Content-Disposition"], r'^attachment; filename="kujdes-kujdes-sofia-\d{8}-\d{4}\.kpkg"$'
        )
        document = json.loads(response.content)
        self.assertEqual(document["format"], FILE_FORMAT)
        self.assertEqual(document["recipient"], str(self.peer.installation_id))
        self.assertEqual(
            {p["package_id"] for p in document["packages"]}, {str(first.package_id), str(second.package_id)}
        )
        # They stay queued (HTTPS may still deliver them), marked as exported.
        self.assertEqual(
            OutboxPackage.objects.filter(state=OutboxState.QUEUED, exported_at__isnull=False).count(), 2
        )

    def test_with_nothing_waiting_no_file_is_made(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(self.peer_url("federation_peer_export"), follow=True)
        self.assertContains(response, "Nothing is waiting for Kujdes Sofia: no file was made.")


class RevokeTests(FederationPageTestCase):
    def test_revoke_asks_for_confirmation_then_stops_all_traffic(self) -> None:
        package = self.queue()
        self.login(self.coordinator)
        page = self.client.get(self.peer_url("federation_peer_revoke"))
        self.assertContains(page, "All traffic with Kujdes Sofia stops")
        self.assertContains(page, "The package still queued for it is cancelled.")
        self.assertEqual(Peer.objects.get(pk=self.peer.pk).status, PeerStatus.ACTIVE)
        response = self.client.post(self.peer_url("federation_peer_revoke"), follow=True)
        self.assertContains(response, "Kujdes Sofia is revoked")
        self.assertEqual(Peer.objects.get(pk=self.peer.pk).status, PeerStatus.REVOKED)
        self.assertEqual(OutboxPackage.objects.get(pk=package.pk).state, OutboxState.CANCELLED)
        # What it sends now is refused.
        body = self.remote.package(type="pong", payload={}, recipient=self.installation.installation_id)
        self.assertEqual(inbox_receive(body=body, via=InboxVia.HTTPS).status, 401)

    def test_revoking_needs_a_recent_password_or_second_factor(self) -> None:
        self.login(self.coordinator, recently_authenticated=False)
        self.assertEqual(self.client.get(self.peer_url("federation_peer_revoke")).status_code, 200)
        response = self.client.post(self.peer_url("federation_peer_revoke"))
        self.assertEqual(response.status_code, 302)
        self.assertIn("reauthenticate", response["Location"])
        self.assertEqual(Peer.objects.get(pk=self.peer.pk).status, PeerStatus.ACTIVE)


class ImportTests(FederationPageTestCase):
    def upload(self, data: bytes) -> Any:
        return self.client.post(
            reverse("federation_import"), {"file": SimpleUploadedFile("sofia.kpkg", data, "application/json")}
        )

    def pongs(self, count: int = 2) -> list[bytes]:
        return [
            self.remote.package(type="pong", payload={}, recipient=self.installation.installation_id)
            for _ in range(count)
        ]

    def test_a_good_file_answers_202_for_each_package(self) -> None:
        packages = self.pongs()
        self.login(self.coordinator)
        response = self.upload(kpkg(*packages))
        self.assertContains(response, "2 answer(s): 2 accepted, 0 already received, 0 refused.")
        self.assertContains(response, '<span class="badge">202</span>', count=2)
        for package in packages:
            self.assertContains(response, json.loads(package)["package_id"])
        self.assertEqual(InboxPackage.objects.filter(via=InboxVia.FILE).count(), 2)

    def test_the_same_file_again_answers_200_already_received(self) -> None:
        data = kpkg(*self.pongs())
        self.login(self.coordinator)
        self.upload(data)
        response = self.upload(data)
        self.assertContains(response, "2 answer(s): 0 accepted, 2 already received, 0 refused.")
        self.assertContains(response, "Already received: applied once, earlier", count=2)
        self.assertEqual(InboxPackage.objects.count(), 2)

    def test_a_truncated_file_gives_one_refusal_line(self) -> None:
        data = kpkg(*self.pongs())
        self.login(self.coordinator)
        response = self.upload(data[: len(data) // 2])
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "1 answer(s): 0 accepted, 0 already received, 1 refused.")
        self.assertContains(response, '<span class="badge urgent">400</span>', count=1)
        self.assertContains(response, "Damaged, truncated or not a Kujdes package.")
        self.assertFalse(InboxPackage.objects.exists())

    def test_a_file_that_is_not_json_gives_one_refusal_line(self) -> None:
        self.login(self.coordinator)
        response = self.upload(b"\x89PNG\r\n\x1a\n not a package")
        self.assertContains(response, '<span class="badge urgent">400</span>', count=1)

    def test_packages_from_an_unknown_sender_are_refused_each_with_its_reason(self) -> None:
        stranger = SyntheticInstallation(name="Stranger", base_url="https://stranger.example")
        package = stranger.package(type="pong", payload={}, recipient=self.installation.installation_id)
        self.login(self.coordinator)
        response = self.upload(kpkg(package))
        self.assertContains(response, '<span class="badge urgent">401</span>')
        self.assertContains(response, "The sender is not a peer of this installation.")

    def test_an_empty_upload_is_refused_by_the_form(self) -> None:
        self.login(self.coordinator)
        response = self.upload(b"")
        self.assertContains(response, "The submitted file is empty.")
