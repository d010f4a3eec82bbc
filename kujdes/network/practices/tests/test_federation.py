"""Good practices across installations: a published practice reaches every peer's library.

The sending side is this installation with partner "al" local and two fake peers (real keys, cards
through `peer_add`) that open what is queued for them. The receiving side is this installation
with partner "al" remote, hosted by a fake installation that signs the very payloads the sending
side produced.
"""

from __future__ import annotations

import copy
import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from kujdes.network.federation.models import OutboxPackage
from kujdes.network.federation.services import peer_revoke
from kujdes.network.federation.tests.peers import installation_here, remote_installation
from kujdes.network.models import Partner
from kujdes.network.practices import federation, services
from kujdes.network.practices import selectors as sel
from kujdes.network.practices.models import Practice, PracticeOrigin, PracticeStatus, PracticeVersion
from kujdes.network.practices.tests.fixtures import PDF
from kujdes.network.practices.tests.test_workflow import LibraryTestCase
from kujdes.network.releases.tests.test_federation import PERSON_FIELDS, keys_of

CONTACT_NAME, CONTACT_EMAIL = "Zyxqwarnela Bllokuviqe", "zyxqwarnela@example.invalid"
TRANSLATOR = "Qyzqyrt Translatorova"
TEXT = {
    "title": "Kampet verore pa rrezik",
    "summary": "Rregulla të thjeshta sigurie për kampet verore.",
    "description": "Një udhëzues për **drejtuesit** e kampeve.",
}
ENGLISH = {
    "title": "Summer camps without risk",
    "summary": "Simple safety rules for summer camps.",
    "description": "A guide for camp leaders.",
}
BIG_PDF = PDF + b"%" + b"x" * 90_000 + b"\n"


class PracticeFederationCase(LibraryTestCase):
    def publish_new(self, *, documents: list[tuple[str, bytes]] = ()) -> Practice:  # type: ignore[assignment]
        practice = services.practice_create(
            actor=self.admin,
            partner=self.partner_al,
            texts=dict(TEXT),
            original_language="sq",
            themes=["child_protection", "prevention"],
            target_groups=["children"],
            country="AL",
            period_start=datetime.date(2025, 6, 1),
            contact_name=CONTACT_NAME,
            contact_email=CONTACT_EMAIL,
            tags=["kampe", "siguri"],
        )
        services.practice_text_save(
            actor=self.admin,
            practice=practice,
            language="en",
            fields=dict(ENGLISH),
            translator_name=TRANSLATOR,
        )
        for name, data in documents:
            services.attachment_store(
                actor=self.admin, practice=practice, upload=SimpleUploadedFile(name, data)
            )
        services.practice_submit(actor=self.admin, practice=practice)
        services.practice_publish(actor=self.coordinator, practice=practice)
        return Practice.objects.get(pk=practice.pk)

    def revise(self, practice: Practice) -> Practice:
        services.practice_text_save(
            actor=self.admin,
            practice=practice,
            language="sq",
            fields={**TEXT, "results": "Tetë kampe, asnjë incident."},
            version=practice.texts.get(language="sq").version,
        )
        services.practice_submit(actor=self.admin, practice=practice)
        services.practice_publish(actor=self.coordinator, practice=practice)
        return Practice.objects.get(pk=practice.pk)

    def sending_side(self):  # noqa: ANN201
        installation_here(name="Installation AL")
        coordinator = remote_installation(name="Coordinator installation", hosts_coordinator=True)
        coordinator.add(partners=[])
        return coordinator

    _payloads: list[dict[str, Any]] | None = None

    def payloads_made_on_the_partners_installation(self) -> list[dict[str, Any]]:
        """Version 1 (two languages, one document), version 2, the withdrawal: the payloads the
        partner's installation queued, as a peer opens them; then everything of it rolled back.
        (Made once: they are plain JSON.)"""
        if PracticeFederationCase._payloads is None:
            with transaction.atomic():
                peer = self.sending_side()
                practice = self.publish_new(documents=[("guide.pdf", PDF)])
                practice = self.revise(practice)
                services.practice_withdraw(actor=self.admin, practice=practice)
                PracticeFederationCase._payloads = [peer.open(p) for p in peer.outbox(type="practice")]
                transaction.set_rollback(True)
        return copy.deepcopy(PracticeFederationCase._payloads)


class SendingTests(PracticeFederationCase):
    def test_a_published_practice_goes_to_every_active_peer_with_its_translations_and_documents(self) -> None:
        coordinator = self.sending_side()
        other = remote_installation(name="Installation UA")
        other.add(partners=["ua"])
        revoked = remote_installation(name="Installation BG")
        peer_revoke(actor=None, peer=revoked.add(partners=[]))
        practice = self.publish_new(documents=[("guide.pdf", PDF)])
        (to_coordinator,) = coordinator.outbox(type="practice")
        (to_other,) = other.outbox(type="practice")
        self.assertFalse(OutboxPackage.objects.filter(peer=revoked.peer).exists())
        payload = coordinator.open(to_coordinator)
        self.assertEqual(payload, other.open(to_other))
        self.assertEqual(
            (payload["practice"], payload["partner"], payload["status"], payload["version"]),
            (str(practice.public_id), "al", "published", 1),
        )
        self.assertEqual(set(payload["snapshot"]["texts"]), {"sq", "en"})
        self.assertEqual(payload["snapshot"]["texts"]["en"]["title"], ENGLISH["title"])
        (document,) = payload["documents"]
        self.assertEqual((document["name"], document["content_type"]), ("guide.pdf", "application/pdf"))
        self.assertEqual(federation.base64.b64decode(document["content"]), PDF)
        self.assertEqual(payload["documents_left_out"], [])

    def test_revisions_and_withdrawal_travel_too(self) -> None:
        coordinator = self.sending_side()
        practice = self.publish_new()
        self.revise(practice)
        services.practice_withdraw(actor=self.admin, practice=Practice.objects.get(pk=practice.pk))
        sent = [coordinator.open(p) for p in coordinator.outbox(type="practice")]
        self.assertEqual(
            [(p["status"], p["version"]) for p in sent],
            [("published", 1), ("published", 2), ("withdrawn", 2)],
        )
        self.assertEqual(sent[1]["snapshot"]["texts"]["sq"]["results"], "Tetë kampe, asnjë incident.")
        self.assertIsNone(sent[2]["snapshot"])

    def test_a_contributed_translation_published_by_the_coordinator_travels(self) -> None:
        coordinator = self.sending_side()
        practice = self.publish_new()
        text = services.practice_text_save(
            actor=self.other_admin,
            practice=practice,
            language="fr",
            fields={"title": "Camps", "summary": "Sûrs."},
        )
        services.translation_decide(actor=self.coordinator, text=text, publish=True)
        latest = coordinator.open(coordinator.outbox(type="practice")[-1])
        self.assertEqual((latest["version"], set(latest["snapshot"]["texts"])), (2, {"sq", "en", "fr"}))
        self.assertEqual(latest["snapshot"]["texts"]["fr"]["contributed_by"], "fr")

    def test_a_document_too_large_for_the_package_is_left_out_and_named(self) -> None:
        coordinator = self.sending_side()
        with override_settings(FEDERATION_MAX_PACKAGE_BYTES=65536):
            self.publish_new(documents=[("small.pdf", PDF), ("large.pdf", BIG_PDF)])
            (package,) = coordinator.outbox(type="practice")
        payload = coordinator.open(package)
        self.assertLess(package.size, 65536)
        self.assertEqual([d["name"] for d in payload["documents"]], ["small.pdf"])
        self.assertEqual(
            [(d["name"], d["reason"]) for d in payload["documents_left_out"]], [("large.pdf", "too_large")]
        )

    def test_a_practice_package_holds_nothing_about_a_person(self) -> None:
        coordinator = self.sending_side()
        practice = self.publish_new(documents=[("guide.pdf", PDF)])
        services.practice_withdraw(actor=self.admin, practice=practice)
        packages = coordinator.outbox(type="practice")
        wire = b"".join(bytes(p.envelope) for p in packages)
        for payload in (coordinator.open(p) for p in packages):
            self.assertEqual(set(payload), set(federation.PAYLOAD_FIELDS))
            if payload["snapshot"] is not None:
                self.assertEqual(set(payload["snapshot"]), set(federation.SNAPSHOT_FIELDS))
                for text in payload["snapshot"]["texts"].values():
                    self.assertEqual(set(text), set(federation.TEXT_PAYLOAD_FIELDS))
            for document in payload["documents"]:
                self.assertEqual(set(document), set(federation.DOCUMENT_FIELDS))
            fields = keys_of(payload) - {"name"}  # the partner's and the documents' names
            self.assertFalse(fields & (PERSON_FIELDS | {"contact_name", "contact_email", "translator_name"}))
        for canary in (CONTACT_NAME, CONTACT_EMAIL, TRANSLATOR, self.admin.username, self.admin.email):
            self.assertNotIn(canary.encode(), wire)

    def test_the_coordinator_publishes_another_organisations_practice_through_the_review_page(self) -> None:
        coordinator = self.sending_side()
        practice = services.practice_create(
            actor=self.other_admin,
            partner=self.partner_fr,
            texts={"title": "Maraudes", "summary": "Des équipes de rue."},
            original_language="fr",
            themes=["identification"],
            country="FR",
        )
        services.practice_submit(actor=self.other_admin, practice=practice)
        self.login(self.coordinator)
        answer = self.client.post(
            reverse("network_practice_review", args=[practice.public_id]), {"action": "publish", "body": ""}
        )
        self.assertEqual(answer.status_code, 302)
        (package,) = coordinator.outbox(type="practice")
        self.assertEqual(coordinator.open(package)["partner"], "fr")

    def test_a_standalone_installation_sends_nothing(self) -> None:
        self.publish_new()
        self.assertFalse(OutboxPackage.objects.exists())


class ReceivingTests(PracticeFederationCase):
    def receiving_side(self):  # noqa: ANN201
        """This installation's library gets partner "al"'s practices from the installation hosting it."""
        installation_here(name="Coordinator installation", hosts_coordinator=True)
        Partner.objects.filter(pk=self.partner_al.pk).update(organisation=None)
        remote = remote_installation(name="Installation AL", country="AL")
        remote.add(partners=["al"])
        return remote

    def test_a_received_practice_is_in_the_library_as_the_partners_read_only_and_searchable(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.receiving_side()
        result = remote.send(type="practice", payload=payloads[0])
        self.assertEqual(result.status, 202, result)
        practice = Practice.objects.get(public_id=payloads[0]["practice"])
        self.assertEqual((practice.origin, practice.partner_id), (PracticeOrigin.REMOTE, self.partner_al.pk))
        self.assertEqual((practice.status, practice.published_version), (PracticeStatus.PUBLISHED, 1))
        self.assertEqual(
            (practice.package_id, practice.sender_installation_id),
            (result.package_id, remote.installation_id),
        )
        self.assertEqual(set(practice.texts.values_list("language", flat=True)), {"sq", "en"})
        self.assertEqual(practice.contact_name, "")
        # Searchable like the others, in either language, marked with where it came from.
        for query in ("kampet verore", "summer camps"):
            (hit,) = sel.practice_search(actor=self.alice, query=query).hits
            self.assertEqual((hit.public_id, hit.is_remote), (str(practice.public_id), True))
            self.assertEqual(hit.origin_installation, "Installation AL")
        self.login(self.alice)
        listing = self.client.get(reverse("network_practice_list"), {"q": "kampet"})
        self.assertContains(listing, "from Installation AL")
        page = self.detail(practice, lang="en")
        self.assertIn("Summer camps without risk", page)
        self.assertIn("from Installation AL", page)
        self.assertIn("read-only here", page)
        # Its document came with it, encrypted here like every file, and reads back the same.
        document = practice.attachments.get()
        download = self.client.get(
            reverse("network_practice_attachment_download", args=[practice.public_id, document.public_id])
        )
        self.assertEqual(b"".join(download.streaming_content), PDF)

    def test_nobody_here_edits_translates_reviews_or_comments_a_received_practice(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.receiving_side()
        remote.send(type="practice", payload=payloads[0])
        practice = Practice.objects.get(public_id=payloads[0]["practice"])
        for user in (self.coordinator, self.other_admin, self.admin):
            self.assertFalse(sel.practice_can_translate(actor=user, practice=practice))
            self.assertFalse(sel.practice_can_review(actor=user, practice=practice))
            self.assertFalse(sel.practice_can_edit(actor=user, practice=practice))
        self.login(self.other_admin)
        page = self.detail(practice)
        self.assertNotIn(reverse("network_practice_text_edit", args=[practice.public_id, "fr"]), page)
        edit = self.client.post(
            reverse("network_practice_text_edit", args=[practice.public_id, "fr"]),
            {"title": "x", "summary": "y"},
        )
        self.assertEqual(edit.status_code, 403)
        self.login(self.coordinator)
        self.assertEqual(
            self.client.get(reverse("network_practice_review", args=[practice.public_id])).status_code, 403
        )
        comment = self.client.post(
            reverse("network_practice_comment", args=[practice.public_id]), {"body": "Nice"}
        )
        self.assertEqual(comment.status_code, 403)
        self.assertFalse(practice.comments.exists())
        self.assertEqual(set(practice.texts.values_list("language", flat=True)), {"sq", "en"})

    def test_a_revision_replaces_the_snapshot_and_a_withdrawal_takes_it_out_of_the_library(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.receiving_side()
        for payload in payloads[:2]:
            self.assertEqual(remote.send(type="practice", payload=payload).status, 202)
        practice = Practice.objects.get(public_id=payloads[0]["practice"])
        self.assertEqual(practice.published_version, 2)
        self.assertEqual(
            list(PracticeVersion.objects.filter(practice=practice).values_list("number", flat=True)), [2, 1]
        )
        self.login(self.alice)
        self.assertIn("Tetë kampe, asnjë incident.", self.detail(practice, lang="sq"))
        # A late copy of version 1 changes nothing.
        late = copy.deepcopy(payloads[0])
        self.assertEqual(remote.send(type="practice", payload=late).status, 202)
        self.assertEqual(Practice.objects.get(pk=practice.pk).published_version, 2)
        self.assertEqual(remote.send(type="practice", payload=payloads[2]).status, 202)
        practice.refresh_from_db()
        self.assertEqual(practice.status, PracticeStatus.WITHDRAWN)
        self.assertEqual(sel.practice_search(actor=self.alice, query="kampet").total, 0)
        self.assertEqual(
            self.client.get(reverse("network_practice_detail", args=[practice.public_id])).status_code, 404
        )

    def test_documents_left_out_are_named_on_the_page(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.receiving_side()
        payload = payloads[0]
        payload["documents_left_out"] = [
            {
                **{
                    k: v
                    for k, v in payload["documents"][0].items()
                    if k in ("id", "name", "content_type", "size")
                },
                "reason": "too_large",
            }
        ]
        payload["documents_left_out"][0]["name"] = "annual-report.pdf"
        payload["documents"] = []
        remote.send(type="practice", payload=payload)
        practice = Practice.objects.get(public_id=payload["practice"])
        self.assertFalse(practice.attachments.exists())
        self.login(self.alice)
        page = self.detail(practice)
        self.assertIn("One document was too large to travel", page)
        self.assertIn("annual-report.pdf", page)

    def test_a_practice_of_a_partner_the_sender_does_not_host_is_refused(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        self.receiving_side()
        stranger = remote_installation(name="Installation UA")
        stranger.add(partners=["ua"])
        result = stranger.send(type="practice", payload=payloads[0])
        self.assertEqual((result.status, result.error), (422, "unknown_partner"))
        self.assertFalse(Practice.objects.filter(public_id=payloads[0]["practice"]).exists())

    def test_a_package_cannot_touch_a_local_practice(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.receiving_side()
        hijack = copy.deepcopy(payloads[2])
        hijack["practice"] = str(self.practice_fr.public_id)
        result = remote.send(type="practice", payload=hijack)
        self.assertEqual((result.status, result.error), (422, "not_yours"))
        self.assertEqual(Practice.objects.get(pk=self.practice_fr.pk).status, PracticeStatus.PUBLISHED)

    def test_a_document_that_is_not_what_it_says_is_refused(self) -> None:
        payloads = self.payloads_made_on_the_partners_installation()
        remote = self.receiving_side()
        payload = payloads[0]
        payload["documents"][0]["content"] = federation.env.b64(b"MZ\x90\x00 not a pdf")
        result = remote.send(type="practice", payload=payload)
        self.assertEqual((result.status, result.error), (422, "invalid_content"))
        payload["documents"][0]["sha256"] = federation.hashlib.sha256(b"MZ\x90\x00 not a pdf").hexdigest()
        result = remote.send(type="practice", payload=payload)
        self.assertEqual((result.status, result.error), (422, "document_refused"))
        self.assertFalse(Practice.objects.filter(public_id=payload["practice"]).exists())
