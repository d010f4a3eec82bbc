"""Preparing, releasing, superseding and withdrawing releases; immutability; re-authentication; the
audit of views by other organisations; the API's cell format. Counts come from a stand-in for the
reports room's release path here (test_release_path.py goes through the real one)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from kujdes.core.models import AuditEvent
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.network.releases import services
from kujdes.network.releases.forms import ReleaseForm
from kujdes.network.releases.models import Release, ReleaseCell, ReleaseImmutable, ReleaseStatus
from kujdes.network.releases.selectors import released_value, releases_current
from kujdes.network.releases.suppression import PRIMARY, quantity, table_equation
from kujdes.network.releases.tests.test_suppression import attacker_pins
from kujdes.network.tests.fixtures import network_fixtures
from kujdes.reports.catalogue import catalogue
from kujdes.reports.release_counts import ExactCell, ExactTable

START, END = datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)

# The organisation's exact counts, by (indicator, dim): {code: count}; "" is the total.
COUNTS = {
    ("direct_beneficiaries", "sex"): {"": 60, "female": 3, "male": 45, "other": 12},
    ("direct_beneficiaries", "age_group"): {"": 60, "child": 48, "adult": 12},
    ("cases_opened", ""): {"": 11},
    ("persons_screened", ""): {"": 10},
    ("persons_referred", ""): {"": 0},
}


def fake_figures(*, actor, organisation_id, period, tables):  # noqa: ANN001, ANN201
    services.release_scope(actor=actor, organisation_id=organisation_id)
    out = []
    for code, dim in tables:
        counts = COUNTS[(code, dim)]
        cells = tuple(
            ExactCell(code=c, label=c.title(), value=v, persons=None) for c, v in counts.items() if c
        )
        out.append(
            ExactTable(
                indicator=catalogue()[code],
                dim=dim,
                additive=True,
                total=counts[""],
                total_persons=None,
                cells=cells,
            )
        )
    return out


@contextmanager
def counts() -> Iterator[None]:
    with mock.patch.object(services, "release_figures", fake_figures):
        yield


class ReleaseServiceTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            network_fixtures(cls)

    def scope(self):  # noqa: ANN201
        return tenant_scope(organisation_ids=[self.org.pk], user_id=self.admin.pk)

    def draft(self, indicators: list[dict], **kw) -> Release:  # noqa: ANN003
        with self.scope():
            return services.release_draft_create(
                actor=self.admin,
                period_start=START,
                period_end=END,
                title="AL 2025",
                indicators=indicators,
                **kw,
            )

    def publish(self, release: Release, **kw) -> Release:  # noqa: ANN003
        with self.scope(), counts():
            return services.release_publish(
                actor=self.admin, release=release, version=None, recently_authenticated=True, **kw
            )

    def cells(self, release: Release) -> dict:
        with system_scope():
            return {
                quantity(c.table.indicator_code, c.key): c
                for c in ReleaseCell.objects.filter(table__release=release).select_related("table")
            }

    def test_10_is_withheld_11_and_0_are_released(self) -> None:
        release = self.publish(
            self.draft(
                [
                    {"code": "cases_opened", "dims": []},
                    {"code": "persons_screened"},
                    {"code": "persons_referred"},
                ]
            )
        )
        cells = self.cells(release)
        self.assertEqual(cells[quantity("cases_opened")].value, 11)
        self.assertEqual(cells[quantity("persons_referred")].value, 0)
        screened = cells[quantity("persons_screened")]
        self.assertTrue(screened.withheld)
        self.assertIsNone(screened.value)
        self.assertEqual(screened.reason, PRIMARY)

    def test_k_below_11_is_refused_by_the_service_and_the_form_and_above_11_is_allowed(self) -> None:
        with self.assertRaises(services.ReleaseError):
            self.draft([{"code": "cases_opened"}], k=10)
        release = self.draft([{"code": "cases_opened"}], k=12)
        with self.scope(), self.assertRaises(services.ReleaseError):
            services.release_draft_update(
                actor=self.admin, release=release, version=release.version, changes={"k": 5}
            )
        # k = 12 withholds the 11.
        published = self.publish(release)
        self.assertTrue(self.cells(published)[quantity("cases_opened")].withheld)
        form = ReleaseForm(
            {"title": "x", "period_kind": "year", "year": "2025", "indicators": ["cases_opened"], "k": "10"}
        )
        self.assertFalse(form.is_valid())
        self.assertIn("k", form.errors)

    def test_complementary_suppression_across_two_tables_of_one_release(self) -> None:
        release = self.publish(self.draft([{"code": "direct_beneficiaries", "dims": ["sex", "age_group"]}]))
        cells = self.cells(release)
        female = cells[quantity("direct_beneficiaries", {"sex": "female"})]
        self.assertTrue(female.withheld)
        self.assertIsNone(female.value)
        complementary = [c for c in cells.values() if c.reason == "complementary"]
        self.assertTrue(complementary)
        self.assertTrue(all(c.value is None for c in complementary))
        values = {q: COUNTS[(q[0], q[1][0][0] if q[1] else "sex")][q[1][0][1] if q[1] else ""] for q in cells}
        equations = [
            table_equation("direct_beneficiaries", "sex", ["female", "male", "other"]),
            table_equation("direct_beneficiaries", "age_group", ["child", "adult"]),
        ]
        withheld = {q: c.reason for q, c in cells.items() if c.withheld}
        self.assertFalse(attacker_pins(releases=[(values, withheld, 11)], equations=equations))

    def test_a_superseding_release_keeps_the_earlier_one_readable_and_protects_against_it(self) -> None:
        first = self.publish(self.draft([{"code": "direct_beneficiaries", "dims": ["sex"]}]))
        with self.scope():
            replacement = services.release_supersede_start(
                actor=self.admin, release=first, reason="Age added"
            )
            services.release_draft_update(
                actor=self.admin,
                release=replacement,
                version=replacement.version,
                changes={"indicators": [{"code": "direct_beneficiaries", "dims": ["sex", "age_group"]}]},
            )
            replacement.refresh_from_db()
        second = self.publish(replacement)
        first.refresh_from_db()
        self.assertEqual(first.status, ReleaseStatus.SUPERSEDED)
        self.assertEqual(
            (second.status, second.version_number, second.supersedes_id), ("released", 2, first.pk)
        )
        self.assertEqual(second.supersede_reason, "Age added")
        releases = []
        equations = []
        for release in (first, second):
            cells = self.cells(release)
            values = {}
            for q in cells:
                dim, code = q[1][0] if q[1] else ("sex", "")
                values[q] = COUNTS[("direct_beneficiaries", dim)][code]
            releases.append((values, {q: c.reason for q, c in cells.items() if c.withheld}, 11))
        equations = [
            table_equation("direct_beneficiaries", "sex", ["female", "male", "other"]),
            table_equation("direct_beneficiaries", "age_group", ["child", "adult"]),
        ]
        self.assertFalse(attacker_pins(releases=releases, equations=equations))
        with system_scope():
            got = released_value(
                partner=self.partner_al,
                indicator_code="direct_beneficiaries",
                period_start=START,
                period_end=END,
            )
            self.assertEqual((got.value, got.release_public_id), (60, str(second.public_id)))
            actions = set(
                AuditEvent.objects.filter(
                    organisation=self.org, action__startswith="network.release."
                ).values_list("action", flat=True)
            )
        self.assertTrue({"network.release.released", "network.release.superseded"} <= actions)

    def test_a_second_release_of_a_period_needs_a_reason(self) -> None:
        self.publish(self.draft([{"code": "cases_opened"}]))
        with self.assertRaises(services.ReleaseError):
            self.publish(self.draft([{"code": "cases_opened"}]))
        again = self.publish(self.draft([{"code": "cases_opened"}]), reason="Corrected a record")
        self.assertEqual(again.version_number, 2)

    def test_a_released_release_cannot_be_changed_by_a_service_or_the_models(self) -> None:
        release = self.publish(self.draft([{"code": "cases_opened"}]))
        with self.scope(), self.assertRaises(services.ReleaseError):
            services.release_draft_update(
                actor=self.admin, release=release, version=release.version, changes={"title": "other"}
            )
        with self.scope(), self.assertRaises(services.ReleaseError):
            services.release_draft_delete(actor=self.admin, release=release)
        cell = self.cells(release)[quantity("cases_opened")]
        cell.value = 12
        with self.assertRaises(ReleaseImmutable):
            cell.save()
        with self.assertRaises(ReleaseImmutable):
            cell.delete()
        if connection.vendor == "postgresql":
            with self.assertRaises(IntegrityError), transaction.atomic():
                ReleaseCell.objects.filter(pk=cell.pk).update(value=12)
        with system_scope():
            self.assertEqual(ReleaseCell.objects.get(pk=cell.pk).value, 11)

    def test_releasing_needs_a_recent_reauthentication(self) -> None:
        draft = self.draft([{"code": "cases_opened"}])
        with self.scope(), counts(), self.assertRaises(services.ReauthenticationNeeded):
            services.release_publish(
                actor=self.admin, release=draft, version=None, recently_authenticated=False
            )
        self.login(self.admin, recently_authenticated=False)
        with counts():
            response = self.client.post(
                reverse("network_release_publish", kwargs={"public_id": draft.public_id}),
                {"version": draft.version},
            )
        self.assertEqual(response.status_code, 302)
        self.assertIn("reauthenticate", response["Location"])
        with system_scope():
            self.assertEqual(Release.objects.get(pk=draft.pk).status, ReleaseStatus.DRAFT)
        self.login(self.admin)
        with counts():
            response = self.client.post(
                reverse("network_release_publish", kwargs={"public_id": draft.public_id}),
                {"version": draft.version},
            )
        self.assertRedirects(
            response,
            reverse("network_release_detail", kwargs={"public_id": draft.public_id}),
            fetch_redirect_response=False,
        )
        with system_scope():
            self.assertEqual(Release.objects.get(pk=draft.pk).status, ReleaseStatus.RELEASED)

    def test_withdrawing_needs_a_reason_and_leaves_no_current_release(self) -> None:
        release = self.publish(self.draft([{"code": "cases_opened"}]))
        with self.scope(), self.assertRaises(services.ReleaseError):
            services.release_withdraw(actor=self.admin, release=release, reason=" ")
        with self.scope():
            services.release_withdraw(actor=self.admin, release=release, reason="Wrong period")
        with system_scope():
            self.assertIsNone(
                released_value(
                    partner=self.partner_al, indicator_code="cases_opened", period_start=START, period_end=END
                )
            )

    def test_a_programme_manager_below_the_national_office_cannot_prepare_a_release(self) -> None:
        with (
            tenant_scope(organisation_ids=[self.org.pk], user_id=self.manager.pk),
            self.assertRaises(services.ReleaseError) as raised,
        ):
            services.release_draft_create(
                actor=self.manager,
                period_start=START,
                period_end=END,
                title="x",
                indicators=[{"code": "cases_opened"}],
            )
        self.assertEqual(str(raised.exception), str(services.WHOLE_ORGANISATION))
        self.login(self.manager)
        response = self.client.get(reverse("network_release_create"))
        self.assertTrue(response.context["blocked"])
        self.assertNotContains(response, 'name="indicators"')

    def test_the_preview_shows_what_leaves_and_never_a_withheld_number(self) -> None:
        draft = self.draft([{"code": "direct_beneficiaries", "dims": ["sex"]}])
        self.login(self.admin)
        with counts():
            response = self.client.get(
                reverse("network_release_preview", kwargs={"public_id": draft.public_id})
            )
        self.assertEqual(response.status_code, 200)
        rows = {cell.key.get("sex", ""): cell for t in response.context["preview"].tables for cell in t.cells}
        self.assertIsNone(rows["female"].value)
        self.assertIsNone(rows["other"].value)
        self.assertEqual(rows["male"].value, 45)
        self.assertContains(response, "&lt;11")
        self.assertNotContains(response, "<td>3</td>")
        self.assertNotContains(response, "<td>12</td>")

    def test_another_organisation_cannot_see_a_draft_and_its_view_of_a_release_is_audited_in_the_owners_chain(
        self,
    ) -> None:
        draft = self.draft([{"code": "direct_beneficiaries", "dims": ["sex"]}])
        release = self.publish(self.draft([{"code": "direct_beneficiaries", "dims": ["sex"]}]))
        self.login(self.other_admin)
        self.assertEqual(
            self.client.get(
                reverse("network_release_preview", kwargs={"public_id": draft.public_id})
            ).status_code,
            404,
        )
        self.assertEqual(
            self.client.get(
                reverse("network_release_detail", kwargs={"public_id": draft.public_id})
            ).status_code,
            404,
        )
        response = self.client.get(reverse("network_release_detail", kwargs={"public_id": release.public_id}))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "&lt;11")  # female: 3
        self.assertFalse(response.context["own"])
        self.assertNotContains(response, "<td>3</td>")
        self.assertNotContains(response, "<td>12</td>")
        with system_scope():
            owner = AuditEvent.objects.filter(
                organisation=self.org, action="network.release.viewed", actor=self.other_admin
            )
            viewer = AuditEvent.objects.filter(
                organisation=self.other_org, action="network.release.viewed", actor=self.other_admin
            )
            self.assertEqual(owner.count(), 1)
            self.assertEqual(owner.get().object_id, str(release.public_id))
            self.assertEqual(viewer.count(), 1)
        # Its own organisation's readers are not recorded as "another organisation".
        self.login(self.admin)
        self.client.get(reverse("network_release_detail", kwargs={"public_id": release.public_id}))
        with system_scope():
            self.assertEqual(
                AuditEvent.objects.filter(action="network.release.viewed", actor=self.admin).count(), 0
            )

    def test_the_dashboard_read_of_current_releases_is_audited(self) -> None:
        release = self.publish(self.draft([{"code": "cases_opened"}]))
        with tenant_scope(organisation_ids=[self.other_org.pk], user_id=self.other_admin.pk):
            current = releases_current(
                actor=self.other_admin, period_start=START, period_end=END, indicator_codes=["cases_opened"]
            )
        self.assertEqual([r.pk for r in current], [release.pk])
        self.assertEqual([t.indicator_code for t in current[0].tables.all()], ["cases_opened"])
        with system_scope():
            self.assertTrue(
                AuditEvent.objects.filter(
                    organisation=self.org, action="network.release.viewed", details__via="dashboard"
                ).exists()
            )

    def test_the_api_gives_a_withheld_cell_as_null_and_withheld_and_never_its_number(self) -> None:
        release = self.publish(self.draft([{"code": "direct_beneficiaries", "dims": ["sex"]}]))
        self.login(self.coordinator)
        response = self.client.get(
            reverse("api:network_releases_cells", kwargs={"release_id": release.public_id})
        )
        self.assertEqual(response.status_code, 200)
        cells = {c["key"].get("sex", ""): c for c in response.json()}
        self.assertEqual(
            {k: cells["female"][k] for k in ("key", "value", "withheld")},
            {"key": {"sex": "female"}, "value": None, "withheld": True},
        )
        self.assertEqual(cells["male"]["value"], 45)
        self.assertNotIn("reason", cells["female"])
        listed = self.client.get(reverse("api:network_releases_list"), {"partner": "al"}).json()
        self.assertEqual([r["id"] for r in listed], [str(release.public_id)])
        self.assertEqual(
            self.client.get(reverse("api:network_releases_list"), {"period_start": "2025-13"}).status_code,
            400,
        )
        self.login(self.alice)
        self.assertEqual(
            self.client.get(
                reverse("api:network_releases_cells", kwargs={"release_id": release.public_id})
            ).status_code,
            403,
        )


class ReleaseFormPageTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            network_fixtures(cls)

    def test_the_form_makes_a_draft_and_bad_input_keeps_what_was_typed(self) -> None:
        self.login(self.admin)
        url = reverse("network_release_create")
        bad = {
            "title": "Mine",
            "period_kind": "quarter",
            "year": "2025",
            "indicators": ["cases_opened"],
            "k": "9",
        }
        response = self.client.post(url, bad)
        self.assertEqual(response.status_code, 200)
        self.assertIn("k", response.context["form"].errors)
        self.assertIn("quarter", response.context["form"].errors)
        self.assertContains(response, 'value="Mine"')
        for garbage in ({"period_kind": "dates", "start": "2025-02-30", "end": "x"}, {"year": "99999999999"}):
            response = self.client.post(url, {**bad, "k": "11", **garbage})
            self.assertEqual(response.status_code, 200)
        good = {**bad, "k": "12", "quarter": "2", "dims": ["sex"]}
        response = self.client.post(url, good)
        with system_scope():
            draft = Release.objects.get(title="Mine")
        self.assertRedirects(
            response,
            reverse("network_release_preview", kwargs={"public_id": draft.public_id}),
            fetch_redirect_response=False,
        )
        self.assertEqual(
            (draft.period_start, draft.period_end, draft.k),
            (datetime.date(2025, 4, 1), datetime.date(2025, 6, 30), 12),
        )
        self.assertEqual(draft.spec, {"indicators": [{"code": "cases_opened", "dims": ["sex"]}]})
        edit = self.client.get(reverse("network_release_edit", kwargs={"public_id": draft.public_id}))
        self.assertEqual(edit.context["form"].initial["period_kind"], "quarter")
