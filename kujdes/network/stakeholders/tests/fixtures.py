"""The stakeholders of the tests: a private one of "al" (with an agreement and its document) and
one of "fr" shared with the network (contact person and documents shared)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from kujdes.network.stakeholders.services import agreement_add, stakeholder_create, stakeholder_share
from kujdes.network.tests.fixtures import network_fixtures

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def pdf(name: str = "mou.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def stakeholder_fixtures(t: Any) -> None:
    """Create the stakeholders once on the test class `t` (call inside a system scope)."""
    network_fixtures(t)
    t.stakeholder_al = stakeholder_create(
        actor=t.admin,
        organisation=t.org,
        provider_fields={"name": "Police Directorate Shkodër", "country": "AL", "municipality": "Shkodër"},
        profile_fields={
            "stakeholder_type": "police",
            "level": "local",
            "themes": ["identification"],
            "contact_name": "Officer Contact",
            "contact_email": "officer@example.invalid",
        },
        partners=[t.partner_al],
    )
    t.agreement_al = agreement_add(
        actor=t.admin,
        profile=t.stakeholder_al,
        kind="mou",
        title="MoU on joint identification",
        signed_on=datetime.date(2025, 3, 1),
        upload=pdf(),
    )
    t.stakeholder_fr = stakeholder_create(
        actor=t.other_admin,
        organisation=t.other_org,
        provider_fields={
            "name": "Inspection du travail Marseille",
            "country": "FR",
            "municipality": "Marseille",
        },
        profile_fields={
            "stakeholder_type": "labour_inspectorate",
            "level": "national",
            "themes": ["labour_exploitation"],
            "contact_name": "Inspectrice Contact",
            "contact_email": "inspectrice@example.invalid",
        },
        partners=[t.partner_fr, t.partner_al],
    )
    t.agreement_fr = agreement_add(
        actor=t.other_admin,
        profile=t.stakeholder_fr,
        kind="protocol",
        title="Protocole d'orientation",
        signed_on=datetime.date(2024, 9, 1),
        upload=pdf("protocole.pdf"),
    )
    t.shared_fr = stakeholder_share(
        actor=t.other_admin, profile=t.stakeholder_fr, include_contact=True, include_documents=True
    )
    t.shared_document_fr = t.shared_fr.agreements.get()
