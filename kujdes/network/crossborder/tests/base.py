"""The cast of cross-border referrals: two partners of ONE installation, through the real inbox.

"al" (Org AL) sends: Alice is a case worker of diocese A, "manager" its programme manager.
"fr" (Org FR) receives: "other_admin" assigns, "fr_manager" (Marseille) handles, "lyon_manager"
manages another unit and must not see what Marseille handles; Dave is a case worker in Marseille.
The person's identity holds unusual strings that a canary test looks for everywhere they must not be.
"""

from __future__ import annotations

import datetime
import tempfile
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from kujdes.cases.models import Case, CaseDocument, CaseNote
from kujdes.cases.services import case_create
from kujdes.cases.work import case_document_store, case_note_add
from kujdes.core.models import AuditEvent, UnitKind
from kujdes.core.roles import Role
from kujdes.core.scoping import system_scope, tenant_scope
from kujdes.core.services import unit_create
from kujdes.core.tests.base import user_create
from kujdes.network.crossborder import services
from kujdes.network.crossborder.models import IncomingReferral, OutgoingReferral
from kujdes.network.federation.services import installation_init, outbox_deliver_due
from kujdes.network.models import CrossBorderService, Partner
from kujdes.network.tests.base import NetworkTestCase
from kujdes.people.consent import consent_record
from kujdes.people.models import ConsentPurpose, Person
from kujdes.people.services import person_create

GIVEN = "Zyxqwerta"
FAMILY = "Qqvorlandë"
BIRTH = datetime.date(1994, 3, 17)
PHONE = "+355 69 777 4321"
ADDRESS = "Rruga Vxqplomb 77"
NOTE = "Shënim Kpzwyxtrö i fshehtë"
SUMMARY = "Përmbledhje Jjwqxlaskë"
PDF = b"%PDF-1.7\n1 0 obj << >> endobj\nDokument Wqxyzpasaport\n%%EOF\n"
# Strings that must never be found in clear outside the sealed envelope and encrypted fields.
CANARIES = (GIVEN, FAMILY, "1994-03-17", "Kpzwyxtr", "Jjwqxlask", "Vxqplomb", "Wqxyzpasaport", "777 4321")


@override_settings(
    STORAGES={
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tempfile.mkdtemp(prefix="kujdes-crossborder-")},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
)
class CrossBorderTestCase(NetworkTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with system_scope():
            cls.lyon = unit_create(actor=None, parent=cls.other_root, name="Lyon", kind=UnitKind.OFFICE)
            cls.fr_manager = user_create(
                username="fr_manager",
                organisation=cls.other_org,
                unit=cls.other_unit,
                role=Role.PROGRAMME_MANAGER,
            )
            cls.lyon_manager = user_create(
                username="lyon_manager",
                organisation=cls.other_org,
                unit=cls.lyon,
                role=Role.PROGRAMME_MANAGER,
            )
            cls.partner_al = Partner.objects.create(
                code="al", name="Caritas Albania", country="AL", organisation=cls.org, phone="+355 4 000 000"
            )
            cls.partner_fr = Partner.objects.create(
                code="fr",
                name="Secours France",
                country="FR",
                organisation=cls.other_org,
                cross_border_services=[
                    CrossBorderService.RETURN,
                    CrossBorderService.REINTEGRATION,
                    CrossBorderService.SHELTER,
                    CrossBorderService.PSYCHOSOCIAL,
                ],
            )
            installation_init(
                name="Test installation", base_url="https://here.example.invalid", hosts_coordinator=True
            )
            cls.person = person_create(
                actor=cls.alice,
                unit=cls.diocese_a,
                given_name=GIVEN,
                family_name=FAMILY,
                date_of_birth=BIRTH,
                phones=[PHONE],
                address=ADDRESS,
                sex="Feminine",
                citizenships=["AL"],
                languages=["sq"],
            )
            cls.case = case_create(
                actor=cls.alice,
                person=cls.person,
                unit=cls.diocese_a,
                case_type="victim_assistance",
                opened_on=datetime.date(2026, 1, 5),
                summary=SUMMARY,
                exploitation_types=["SexualExploitation"],
                trafficking_status="PossibleVictimOfTrafficking",
            )

    # --- helpers -----------------------------------------------------------------------------------

    def consent(self, person: Person | None = None) -> Any:
        with tenant_scope(organisation_ids=[self.org.pk]):
            return consent_record(
                actor=self.alice,
                person=person or self.person,
                purpose=ConsentPurpose.PARTNER_ABROAD,
                given_by="self",
                method="written",
                given_on=timezone.localdate(),
            )

    def document(self) -> CaseDocument:
        with tenant_scope(organisation_ids=[self.org.pk]):
            return case_document_store(
                actor=self.alice, case=self.case, title="Pasaporta", upload=SimpleUploadedFile("p.pdf", PDF)
            )

    def note(self) -> CaseNote:
        with tenant_scope(organisation_ids=[self.org.pk]):
            return case_note_add(actor=self.alice, case=self.case, body=NOTE)

    def refer(self, *, deliver: bool = True, **kwargs: Any) -> OutgoingReferral:
        values: dict[str, Any] = {
            "actor": self.alice,
            "case": self.case,
            "partner": self.partner_fr,
            "purpose": "return_reintegration",
            "services": ["return", "reintegration"],
            "fields": ["given_name", "family_name", "date_of_birth", "phone", "sex"],
        } | kwargs
        with tenant_scope(organisation_ids=[self.org.pk]):
            referral = services.referral_abroad_request(**values)
        if deliver:
            self.deliver()
        return self.fresh(referral)

    def deliver(self) -> None:
        """Run the outbox as the worker would, until every reply has come back."""
        for _round in range(10):
            if not outbox_deliver_due():
                return

    def fresh(self, row: Any) -> Any:
        with system_scope():
            return type(row).objects.get(pk=row.pk)

    def incoming(self) -> IncomingReferral:
        with system_scope():
            return IncomingReferral.objects.select_related(
                "sending_partner", "receiving_partner", "unit", "peer", "case", "person"
            ).get()

    def as_fr(self, fn: Any, **kwargs: Any) -> Any:
        with tenant_scope(organisation_ids=[self.other_org.pk]):
            return fn(**kwargs)

    def assigned(self) -> IncomingReferral:
        incoming = self.incoming()
        self.as_fr(services.incoming_assign, actor=self.other_admin, incoming=incoming, unit=self.other_unit)
        return self.incoming()

    def accepted(self) -> tuple[IncomingReferral, Case]:
        incoming = self.assigned()
        case, _refused = self.as_fr(
            services.incoming_accept, actor=self.fr_manager, incoming=incoming, unit=self.other_unit
        )
        self.deliver()
        return self.incoming(), case

    def events(self, action: str) -> list[AuditEvent]:
        with system_scope():
            return list(AuditEvent.objects.filter(action=action).order_by("organisation_id", "seq"))

    def timeline(self, referral: Any) -> list[str]:
        with system_scope():
            return list(referral.events.order_by("recorded_at", "pk").values_list("kind", flat=True))
