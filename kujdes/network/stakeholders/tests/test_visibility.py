"""Private until shared: who reads which stakeholder, on the pages, the API and in the database."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.urls import reverse

from kujdes.core.scoping import tenant_scope
from kujdes.network.stakeholders.models import Agreement, StakeholderProfile
from kujdes.network.stakeholders.tests.base import StakeholderTestCase


def _detail(public_id: object) -> str:
    return reverse("network_stakeholder_detail", kwargs={"public_id": public_id})


class PrivateStakeholderTests(StakeholderTestCase):
    def test_the_owners_staff_read_the_private_stakeholder(self) -> None:
        for user in (self.alice, self.educator, self.dpo, self.coordinator):
            self.login(user)
            response = self.client.get(_detail(self.stakeholder_al.public_id))
            self.assertContains(response, "Police Directorate Shkodër")
            self.assertContains(response, "private to your organisation")

    def test_another_organisations_private_stakeholder_is_missing(self) -> None:
        for user in (self.dave, self.other_admin):
            self.login(user)
            foreign = self.client.get(_detail(self.stakeholder_al.public_id))
            missing = self.client.get(_detail(uuid.uuid4()))
            self.assertEqual(foreign.status_code, 404)
            self.assertEqual(missing.status_code, 404)
            api = self.client.get(
                reverse(
                    "api:network_stakeholders_get", kwargs={"stakeholder_id": self.stakeholder_al.public_id}
                )
            )
            self.assertEqual(api.status_code, 404)

    def test_another_organisations_agreement_document_is_missing(self) -> None:
        url = reverse("network_stakeholder_document", kwargs={"public_id": self.agreement_al.public_id})
        self.login(self.dave)
        self.assertEqual(self.client.get(url).status_code, 404)
        self.login(self.alice)
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(b"".join(response.streaming_content).startswith(b"%PDF-"))

    def test_volunteers_and_viewers_are_refused(self) -> None:
        for user in (self.volunteer, self.viewer):
            self.login(user)
            self.assertEqual(self.client.get(reverse("network_stakeholder_list")).status_code, 403)
            self.assertEqual(self.client.get(_detail(self.shared_fr.public_id)).status_code, 403)

    def test_staff_who_only_read_may_not_edit_their_organisations_stakeholder(self) -> None:
        self.login(self.alice)
        url = reverse("network_stakeholder_edit", kwargs={"public_id": self.stakeholder_al.public_id})
        self.assertEqual(self.client.get(url).status_code, 403)
        self.login(self.coordinator)
        self.assertEqual(self.client.get(url).status_code, 403)


class DirectoryVisibilityTests(StakeholderTestCase):
    def test_the_directory_shows_the_shared_ones_and_the_organisations_own_private_ones(self) -> None:
        self.login(self.alice)
        response = self.client.get(reverse("network_stakeholder_list"))
        self.assertContains(response, "Police Directorate Shkodër")
        self.assertContains(response, "private to your organisation")
        self.assertContains(response, "Inspection du travail Marseille")

    def test_another_organisation_does_not_see_the_private_one_in_the_directory(self) -> None:
        self.login(self.dave)
        response = self.client.get(reverse("network_stakeholder_list"))
        self.assertNotContains(response, "Police Directorate Shkodër")
        # Its own shared stakeholder is listed once, as its own record.
        self.assertContains(response, "Inspection du travail Marseille", count=1)
        api = self.client.get(reverse("api:network_stakeholders_list")).json()
        self.assertEqual([row["name"] for row in api], ["Inspection du travail Marseille"])
        self.assertTrue(api[0]["private"] and api[0]["shared"])

    def test_every_staff_member_of_the_network_reads_a_shared_copy(self) -> None:
        self.login(self.charlie)
        response = self.client.get(_detail(self.shared_fr.public_id))
        self.assertContains(response, "Inspection du travail Marseille")
        self.assertContains(response, "inspectrice@example.invalid")
        self.assertContains(response, "Protocole d&#x27;orientation")
        document = self.client.get(
            reverse("network_stakeholder_document", kwargs={"public_id": self.shared_document_fr.public_id})
        )
        self.assertEqual(document.status_code, 200)
        self.assertTrue(b"".join(document.streaming_content).startswith(b"%PDF-"))

    def test_the_tenant_scope_hides_another_organisations_private_rows(self) -> None:
        with tenant_scope(organisation_ids=[self.other_org.pk]):
            self.assertFalse(StakeholderProfile.objects.filter(pk=self.stakeholder_al.pk).exists())
            self.assertFalse(Agreement.objects.filter(pk=self.agreement_al.pk).exists())


@pytest.mark.postgres_only
class RowLevelSecurityTests(StakeholderTestCase):
    """The second lock: raw SQL that forgot its filter still sees one organisation's stakeholders."""

    def _raw(self, table: str) -> set[int]:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT organisation_id FROM {table}")  # noqa: S608 - fixed table names
            return {row[0] for row in cursor.fetchall()}

    def test_raw_sql_sees_only_the_scopes_stakeholders_and_agreements(self) -> None:
        for table in ("network_stakeholders_stakeholderprofile", "network_stakeholders_agreement"):
            with tenant_scope(organisation_ids=[self.other_org.pk]):
                self.assertEqual(self._raw(table), {self.other_org.pk})
            with tenant_scope(organisation_ids=[self.org.pk]):
                self.assertEqual(self._raw(table), {self.org.pk})

    def test_another_organisation_gets_404_under_row_level_security(self) -> None:
        self.login(self.other_admin)
        self.assertEqual(self.client.get(_detail(self.stakeholder_al.public_id)).status_code, 404)
        self.assertEqual(self.client.get(_detail(self.stakeholder_fr.public_id)).status_code, 200)
