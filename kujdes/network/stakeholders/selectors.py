"""Reads of the stakeholder directory, scoped by the actor.

- Every staff member of the network (NETWORK_READ) reads the shared copies of every partner.
- A private stakeholder (profile, agreements, documents) is read by the staff (NETWORK_READ) of
  its owner organisation only; anyone else gets DoesNotExist (→ 404), as for one that does not
  exist. The tenant scope (and row-level security on PostgreSQL) hides it as well.
- Writers are the owner organisation's administrators and programme managers (NETWORK_CONTRIBUTE).
Volunteers and viewers get PermissionDenied (→ 403) on everything here.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from kujdes.core.models import Organisation
from kujdes.core.roles import Perm
from kujdes.network.models import Partner
from kujdes.network.selectors import actor_organisation_ids, network_require, partner_for_organisation
from kujdes.network.stakeholders.models import (
    TYPE_FOR_HTCDS,
    Agreement,
    SharedAgreement,
    SharedStakeholder,
    StakeholderProfile,
    StakeholderType,
)
from kujdes.programme.models import Initiative, InitiativeAction
from kujdes.programme.selectors import initiatives_for_actor
from kujdes.referrals.models import ServiceProvider

if TYPE_CHECKING:
    from kujdes.accounts.models import User


# --- rights ----------------------------------------------------------------------------------------


def stakeholder_can_edit(*, actor: User, profile: StakeholderProfile) -> bool:
    """Administrators and programme managers of the owner organisation (NETWORK_CONTRIBUTE)."""
    return profile.organisation_id in actor_organisation_ids(actor=actor, perm=Perm.NETWORK_CONTRIBUTE)


def stakeholder_can_create(*, actor: User) -> bool:
    return bool(actor_organisation_ids(actor=actor, perm=Perm.NETWORK_CONTRIBUTE))


# --- private records -------------------------------------------------------------------------------


def profiles_for_actor(*, actor: User) -> QuerySet[StakeholderProfile]:
    """The private stakeholders of the organisations where the actor is staff (NETWORK_READ)."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    organisations = actor_organisation_ids(actor=actor, perm=Perm.NETWORK_READ)
    return StakeholderProfile.objects.filter(organisation_id__in=organisations).select_related("provider")


def profile_get(*, actor: User, public_id: str) -> StakeholderProfile:
    """One private stakeholder of the actor's organisation; DoesNotExist (→ 404) for any other."""
    return profiles_for_actor(actor=actor).prefetch_related("partners").get(public_id=public_id)


def profile_fresh(*, profile: StakeholderProfile) -> StakeholderProfile:
    """The record as saved now (after a stale save), with its directory entry."""
    return StakeholderProfile.objects.select_related("provider").get(pk=profile.pk)


def organisation_get(*, organisation_id: int) -> Organisation:
    return Organisation.objects.get(pk=organisation_id)


def providers_to_profile(*, actor: User) -> QuerySet[ServiceProvider]:
    """Entries of the actor's organisations' service directories not yet in the stakeholder directory."""
    organisations = actor_organisation_ids(actor=actor, perm=Perm.NETWORK_CONTRIBUTE)
    return ServiceProvider.objects.filter(
        organisation_id__in=organisations, stakeholder_profile__isnull=True
    ).order_by("name", "pk")


def provider_to_profile_get(*, actor: User, public_id: str) -> ServiceProvider:
    """A directory entry the actor may turn into a stakeholder; DoesNotExist (→ 404) otherwise."""
    return providers_to_profile(actor=actor).get(public_id=public_id)


def stakeholder_type_for_provider(*, provider: ServiceProvider) -> str:
    return TYPE_FOR_HTCDS.get(provider.provider_type, StakeholderType.OTHER)


def agreements_of(*, profile: StakeholderProfile) -> QuerySet[Agreement]:
    return Agreement.objects.filter(profile=profile).order_by("-signed_on", "title", "pk")


def agreement_get(*, actor: User, profile: StakeholderProfile, public_id: str) -> Agreement:
    return agreements_of(profile=profile).get(public_id=public_id)


def document_get(*, actor: User, public_id: str) -> Agreement | SharedAgreement:
    """An agreement's document the actor may download: of their organisation's private record, or
    shared with the network. DoesNotExist (→ 404) otherwise, and for an agreement without a file."""
    organisations = actor_organisation_ids(actor=actor, perm=Perm.NETWORK_READ)
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    private = Agreement.objects.filter(
        organisation_id__in=organisations, public_id=public_id, file_id__isnull=False
    ).first()
    if private is not None:
        return private
    return SharedAgreement.objects.get(public_id=public_id, file_id__isnull=False, file_key_id__isnull=False)


@dataclass(frozen=True)
class InvolvedIn:
    """The programme room's joint initiatives and advocacy actions that name the institution."""

    initiatives: list[Initiative]
    actions: list[InitiativeAction]


def initiatives_involving(*, actor: User, profile: StakeholderProfile) -> InvolvedIn:
    """Initiatives and actions naming the stakeholder's directory entry, as far as the actor sees
    them through the programme room's selectors (programme.view over their units)."""
    visible = initiatives_for_actor(actor=actor)
    initiatives = list(visible.filter(partners=profile.provider).order_by("-started_on", "title"))
    actions = list(
        InitiativeAction.objects.filter(
            initiative__in=visible.order_by().values("pk"), partners=profile.provider
        )
        .select_related("initiative")
        .order_by("-date", "-pk")
    )
    return InvolvedIn(initiatives=initiatives, actions=actions)


# --- shared copies ---------------------------------------------------------------------------------


def shared_for_actor(*, actor: User) -> QuerySet[SharedStakeholder]:
    """Every shared copy of the network (NETWORK_READ)."""
    network_require(actor=actor, perm=Perm.NETWORK_READ)
    return SharedStakeholder.objects.select_related("owner")


def shared_get(*, actor: User, public_id: str) -> SharedStakeholder:
    return (
        shared_for_actor(actor=actor)
        .prefetch_related("related_partners", "agreements")
        .get(public_id=public_id)
    )


def shared_copy_of(*, profile: StakeholderProfile) -> SharedStakeholder | None:
    return SharedStakeholder.objects.filter(source_id=profile.public_id).first()


def owner_partner_of(*, profile: StakeholderProfile) -> Partner | None:
    return partner_for_organisation(organisation_id=profile.organisation_id)


def share_payload(
    *, profile: StakeholderProfile, include_contact: bool, include_documents: bool
) -> dict[str, Any]:
    """What sharing publishes (and nothing else): the values of the network's copy."""
    provider = profile.provider
    contact = {
        "contact_name": profile.contact_name if include_contact else "",
        "contact_role": profile.contact_role if include_contact else "",
        "contact_email": profile.contact_email if include_contact else "",
        "contact_phone": profile.contact_phone if include_contact else "",
    }
    return {
        "name": provider.name,
        "stakeholder_type": profile.stakeholder_type,
        "level": profile.level,
        "country": provider.country,
        "city": provider.municipality,
        "themes": list(profile.themes),
        "description": profile.description,
        "website": profile.website,
        "email": provider.email,
        "phone": provider.phone,
        **contact,
        "includes_contact": include_contact,
        "includes_documents": include_documents,
        "related_partners": sorted(p.code for p in profile.partners.all()),
        "agreements": [
            {
                "public_id": str(a.public_id),
                "kind": a.kind,
                "title": a.title,
                "signed_on": a.signed_on.isoformat() if a.signed_on else None,
                "valid_from": a.valid_from.isoformat() if a.valid_from else None,
                "valid_until": a.valid_until.isoformat() if a.valid_until else None,
                "file": str(a.file_id) if include_documents and a.file_id else None,
            }
            for a in agreements_of(profile=profile)
        ],
    }


def payload_fingerprint(payload: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def shared_copy_is_current(*, profile: StakeholderProfile, shared: SharedStakeholder) -> bool:
    """False when the private record changed since its copy was shared (offer "update the shared copy")."""
    payload = share_payload(
        profile=profile, include_contact=shared.includes_contact, include_documents=shared.includes_documents
    )
    return payload_fingerprint(payload) == shared.fingerprint


# --- the directory ---------------------------------------------------------------------------------


@dataclass
class DirectoryEntry:
    """One row of the directory: a private record of the actor's organisation, or a shared copy."""

    public_id: str
    name: str
    stakeholder_type: str
    level: str
    country: str
    city: str
    themes: list[str]
    website: str
    email: str
    phone: str
    contact_name: str
    contact_role: str
    contact_email: str
    contact_phone: str
    owner: Partner | None
    private: bool  # a record of the actor's organisation
    shared: bool  # published to the network (a shared copy, or a private record that has one)
    description: str = ""
    related_partners: list[Partner] = field(default_factory=list)
    agreements: list[str] = field(default_factory=list)

    def type_label(self) -> str:
        return str(dict(StakeholderType.choices).get(self.stakeholder_type, self.stakeholder_type))


@dataclass(frozen=True)
class DirectoryFilters:
    country: str = ""
    stakeholder_type: str = ""
    level: str = ""
    theme: str = ""
    partner: str = ""  # a partner's code: stakeholders it shared or relates to
    query: str = ""

    def as_audit(self) -> dict[str, str]:
        """The filters for an audit event: codes only; a text search is recorded as such, not by its words."""
        values = {
            "country": self.country,
            "type": self.stakeholder_type,
            "level": self.level,
            "theme": self.theme,
            "partner": self.partner,
        }
        values = {k: v for k, v in values.items() if v}
        if self.query:
            values["search"] = "yes"
        return values


def _fold(text: str) -> str:
    """Case- and accent-free text (“Shkodër” and “shkoder” match)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _matches_text(entry: DirectoryEntry, query: str) -> bool:
    needle = _fold(query.strip())
    return any(needle in _fold(value) for value in (entry.name, entry.city, entry.description))


def stakeholder_directory(*, actor: User, filters: DirectoryFilters | None = None) -> list[DirectoryEntry]:
    """The network directory: every shared copy, and the actor's organisations' private records
    (shown once: a private record that has a shared copy replaces its copy). Filtered, by name."""
    filters = filters or DirectoryFilters()
    profiles = profiles_for_actor(actor=actor).prefetch_related("partners", "agreements")
    shared = shared_for_actor(actor=actor).prefetch_related("related_partners", "agreements")
    if filters.country:
        profiles = profiles.filter(provider__country=filters.country)
        shared = shared.filter(country=filters.country)
    if filters.stakeholder_type:
        profiles = profiles.filter(stakeholder_type=filters.stakeholder_type)
        shared = shared.filter(stakeholder_type=filters.stakeholder_type)
    if filters.level:
        profiles = profiles.filter(level=filters.level)
        shared = shared.filter(level=filters.level)
    if filters.partner:
        owner_organisation = Partner.objects.filter(code=filters.partner).values("organisation_id")
        profiles = profiles.filter(
            Q(partners__code=filters.partner) | Q(organisation_id__in=owner_organisation)
        )
        shared = shared.filter(Q(related_partners__code=filters.partner) | Q(owner__code=filters.partner))
    profiles, shared = profiles.distinct(), shared.distinct()
    own = list(profiles)
    copies = {
        s.source_id: s for s in SharedStakeholder.objects.filter(source_id__in=[p.public_id for p in own])
    }
    partners_by_org = {p.organisation_id: p for p in Partner.objects.filter(organisation_id__isnull=False)}
    entries: list[DirectoryEntry] = []
    for profile in own:
        provider = profile.provider
        entry = DirectoryEntry(
            public_id=str(profile.public_id),
            name=provider.name,
            stakeholder_type=profile.stakeholder_type,
            level=profile.level,
            country=provider.country,
            city=provider.municipality,
            themes=list(profile.themes),
            website=profile.website,
            email=provider.email,
            phone=provider.phone,
            contact_name=profile.contact_name,
            contact_role=profile.contact_role,
            contact_email=profile.contact_email,
            contact_phone=profile.contact_phone,
            owner=partners_by_org.get(profile.organisation_id),
            private=True,
            shared=profile.public_id in copies,
            description=profile.description,
            related_partners=list(profile.partners.all()),
            agreements=[_agreement_line(a) for a in profile.agreements.all()],
        )
        entries.append(entry)
    own_ids = {p.public_id for p in own}
    for copy in shared.exclude(source_id__in=own_ids) if own_ids else shared:
        entry = DirectoryEntry(
            public_id=str(copy.public_id),
            name=copy.name,
            stakeholder_type=copy.stakeholder_type,
            level=copy.level,
            country=copy.country,
            city=copy.city,
            themes=list(copy.themes),
            website=copy.website,
            email=copy.email,
            phone=copy.phone,
            contact_name=copy.contact_name,
            contact_role=copy.contact_role,
            contact_email=copy.contact_email,
            contact_phone=copy.contact_phone,
            owner=copy.owner,
            private=False,
            shared=True,
            description=copy.description,
            related_partners=list(copy.related_partners.all()),
            agreements=[_agreement_line(a) for a in copy.agreements.all()],
        )
        entries.append(entry)
    # JSON list membership and accent-free text: in Python, the same on SQLite and PostgreSQL
    # (the directory is hundreds of rows, not millions).
    if filters.theme:
        entries = [e for e in entries if filters.theme in e.themes]
    if filters.query:
        entries = [e for e in entries if _matches_text(e, filters.query)]
    return sorted(entries, key=lambda e: (e.name.casefold(), e.public_id))


def _agreement_line(agreement: Agreement | SharedAgreement) -> str:
    dates = " – ".join(d.isoformat() for d in (agreement.valid_from, agreement.valid_until) if d is not None)
    signed = agreement.signed_on.isoformat() if agreement.signed_on else ""
    return " · ".join(part for part in (agreement.title, signed, dates) if part)


def stakeholder_entry_get(*, actor: User, public_id: str) -> StakeholderProfile | SharedStakeholder:
    """A stakeholder page's record: a private record of the actor's organisation, else a shared
    copy. StakeholderProfile.DoesNotExist (→ 404) for anything else, another organisation's private
    record included."""
    try:
        return profile_get(actor=actor, public_id=public_id)
    except StakeholderProfile.DoesNotExist:
        pass
    try:
        return shared_get(actor=actor, public_id=public_id)
    except SharedStakeholder.DoesNotExist:
        raise StakeholderProfile.DoesNotExist from None


def stakeholders_of_partner(*, actor: User, partner: Partner) -> list[DirectoryEntry]:
    """The stakeholders a partner shared or works with, as far as the actor may read them."""
    return stakeholder_directory(actor=actor, filters=DirectoryFilters(partner=partner.code))
