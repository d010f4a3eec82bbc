"""Sharing a stakeholder with the network: what the copy carries, audit, updates and withdrawal."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope
from kujdes.network.stakeholders import selectors, services
from kujdes.network.stakeholders.models import SharedAgreement, SharedStakeholder
from kujdes.network.stakeholders.tests.base import StakeholderTestCase


def _share_url(profile: object) -> str:
    return reverse("network_stakeholder_share", kwargs={"public_id": profile.public_id})  # type: ignore[attr-defined]


class ShareTests(StakeholderTestCase):
    def _events(self, action: str) -> list[AuditEvent]:
        with system_scope():
            return list(AuditEvent.objects.filter(action=action).order_by("seq"))

    def test_sharing_publishes_a_copy_without_the_contact_person_unless_ticked(self) -> None:
        self.login(self.manager)
        response = self.client.post(_share_url(self.stakeholder_al), {})
        self.assertEqual(response.status_code, 302)
        shared = SharedStakeholder.objects.get(source_id=self.stakeholder_al.public_id)
        self.assertEqual(shared.owner, self.partner_al)
        self.assertEqual(
            (shared.name, shared.stakeholder_type, shared.level),
            ("Police Directorate Shkodër", "police", "local"),
        )
        self.assertEqual((shared.contact_name, shared.contact_email), ("", ""))
        self.assertFalse(shared.includes_contact)
        # The agreement travels with its title and date, not its document.
        agreement = shared.agreements.get()
        self.assertEqual(agreement.title, "MoU on joint identification")
        self.assertIsNone(agreement.file_id)
        self.login(self.dave)
        page = self.client.get(reverse("network_stakeholder_detail", kwargs={"public_id": shared.public_id}))
        self.assertContains(page, "Police Directorate Shkodër")
        self.assertNotContains(page, "officer@example.invalid")
        self.assertNotContains(page, "Officer Contact")

    def test_the_contact_person_and_documents_are_shared_when_ticked(self) -> None:
        self.login(self.admin)
        self.client.post(
            _share_url(self.stakeholder_al), {"include_contact": "on", "include_documents": "on"}
        )
        shared = SharedStakeholder.objects.get(source_id=self.stakeholder_al.public_id)
        self.assertEqual(shared.contact_email, "officer@example.invalid")
        document = shared.agreements.get()
        self.assertIsNotNone(document.file_id)
        # A copy of its own, not the owner's file.
        self.assertNotEqual(document.file_id, self.agreement_al.file_id)
        self.login(self.dave)
        download = self.client.get(
            reverse("network_stakeholder_document", kwargs={"public_id": document.public_id})
        )
        self.assertEqual(download.status_code, 200)

    def test_sharing_and_unsharing_are_audited_with_ids_only(self) -> None:
        self.login(self.admin)
        self.client.post(_share_url(self.stakeholder_al), {"include_contact": "on"})
        shared = SharedStakeholder.objects.get(source_id=self.stakeholder_al.public_id)
        [event] = self._events("network.stakeholders.shared")[-1:]
        self.assertEqual(event.actor_id, self.admin.pk)
        self.assertEqual(event.object_id, str(shared.public_id))
        self.assertEqual(event.details["contact"], True)
        self.assertNotIn("officer", str(event.details))
        response = self.client.post(
            reverse("network_stakeholder_unshare", kwargs={"public_id": self.stakeholder_al.public_id})
        )
        self.assertEqual(response.status_code, 302)
        self.assertFalse(SharedStakeholder.objects.filter(source_id=self.stakeholder_al.public_id).exists())
        [event] = self._events("network.stakeholders.unshared")
        self.assertEqual(event.object_id, str(shared.public_id))
        # The private record stays, for its organisation.
        self.assertEqual(
            self.client.get(
                reverse("network_stakeholder_detail", kwargs={"public_id": self.stakeholder_al.public_id})
            ).status_code,
            200,
        )

    def test_unsharing_removes_the_copy_for_the_rest_of_the_network(self) -> None:
        document_id = self.shared_document_fr.public_id
        self.login(self.other_admin)
        self.client.post(
            reverse("network_stakeholder_unshare", kwargs={"public_id": self.stakeholder_fr.public_id})
        )
        self.assertFalse(SharedAgreement.objects.filter(public_id=document_id).exists())
        self.login(self.alice)
        self.assertEqual(
            self.client.get(
                reverse("network_stakeholder_detail", kwargs={"public_id": self.shared_fr.public_id})
            ).status_code,
            404,
        )
        self.assertEqual(
            self.client.get(
                reverse("network_stakeholder_document", kwargs={"public_id": document_id})
            ).status_code,
            404,
        )

    def test_a_change_to_the_private_record_offers_to_update_the_shared_copy(self) -> None:
        with system_scope():
            profile = selectors.profile_fresh(profile=self.stakeholder_fr)
            self.assertTrue(selectors.shared_copy_is_current(profile=profile, shared=self.shared_fr))
            services.stakeholder_update(
                actor=self.other_admin,
                profile=profile,
                version=profile.version,
                provider_version=profile.provider.version,
                provider_fields={"municipality": "Aix-en-Provence"},
                profile_fields={"level": "local"},
            )
            profile = selectors.profile_fresh(profile=profile)
            shared = SharedStakeholder.objects.get(pk=self.shared_fr.pk)
            self.assertFalse(selectors.shared_copy_is_current(profile=profile, shared=shared))
        self.login(self.other_admin)
        page = self.client.get(reverse("network_stakeholder_detail", kwargs={"public_id": profile.public_id}))
        self.assertContains(page, "the network still sees the older copy")
        self.client.post(_share_url(profile), {"include_contact": "on", "include_documents": "on"})
        shared.refresh_from_db()
        self.assertEqual((shared.city, shared.level, shared.version), ("Aix-en-Provence", "local", 2))
        self.assertEqual(len(self._events("network.stakeholders.share_updated")), 1)

    def test_the_edit_form_can_update_the_shared_copy_in_the_same_step(self) -> None:
        self.login(self.other_admin)
        url = reverse("network_stakeholder_edit", kwargs={"public_id": self.stakeholder_fr.public_id})
        form = self.client.get(url).context["form"]
        data = {k: v for k, v in form.initial.items() if v not in (None, [])}
        data.update(
            name="Inspection du travail – Marseille",
            themes=["labour_exploitation"],
            partners=[self.partner_fr.pk],
            update_shared="on",
        )
        response = self.client.post(url, data)
        self.assertEqual(
            response.status_code, 302, getattr(response, "context", None) and response.context["form"].errors
        )
        shared = SharedStakeholder.objects.get(pk=self.shared_fr.pk)
        self.assertEqual(shared.name, "Inspection du travail – Marseille")
        self.assertEqual([p.code for p in shared.related_partners.all()], ["fr"])

    def test_only_the_owners_writers_share(self) -> None:
        self.login(self.alice)
        self.assertEqual(self.client.post(_share_url(self.stakeholder_al), {}).status_code, 403)
        self.login(self.other_admin)
        self.assertEqual(self.client.post(_share_url(self.stakeholder_al), {}).status_code, 404)
        with system_scope(), self.assertRaises(PermissionDenied):
            services.stakeholder_share(actor=self.coordinator, profile=self.stakeholder_al)

    def test_the_shared_copy_holds_nothing_of_a_case(self) -> None:
        # No relation from the network's copy to people, cases or any tenant row.
        for model in (SharedStakeholder, SharedAgreement):
            for field in model._meta.get_fields():
                related = getattr(field, "related_model", None)
                if related is not None:
                    self.assertIn(
                        related._meta.app_label, {"network", "network_stakeholders", "accounts"}, field
                    )
