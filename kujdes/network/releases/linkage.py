"""Persons known to two or more partners, counted by the hub on cryptographic linkage keys.

How it goes (issue 16, item 4c):

1. Every partner installation holds the same **network-wide secret** (`LinkageSecret`, sealed by
   its master key), handed over by the operators out of band. It never travels through
   federation and never reaches a page, a log or an audit event.
2. `clk_submit` encodes the persons a partner knows at the end of a period as Bloom-filter CLKs
   (`kujdes.people.linkage.clk`: bigrams of the engine's name skeletons, the parts of the date of
   birth and the sex, keyed by the secret). Minimum data: no record id, no code, no statistics
   field; the filters are shuffled, so a filter's position is its only (meaningless) index. A
   partner hosted by the hub's installation stores its filters there; any other sends them as a
   signed `linkage-clks` package to the installations that host the coordinator.
3. `shared_persons_count` (the hub) links filters of different partners at Dice ≥
   `DICE_THRESHOLD`, within LSH blocks, and keeps **counts only**, each from 1 to k−1 withheld
   (k ≥ 11, the releases' rule): how many persons are known to two or more partners, how many of
   each partner's persons are known to another, how many to 2, 3, … partners. No pair, no filter,
   no index leaves the computation.

`kujdes clk …` runs these from the command line (and a timer); the hub's page of network
statistics shows the stored counts.
"""

from __future__ import annotations

import datetime
import random
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _

from kujdes.core.audit import audit_record
from kujdes.core.crypto import installation_secret_open, installation_secret_seal
from kujdes.core.scoping import system_scope
from kujdes.network.federation.handlers import PackageRejected, Received, handles
from kujdes.network.federation.services import installation_get, package_broadcast
from kujdes.network.models import Partner
from kujdes.network.releases.federation import coordinator_peers
from kujdes.network.releases.models import (
    K_MIN,
    ClkSubmission,
    LinkageSecret,
    ReleaseOrigin,
    SharedPersonsCount,
)
from kujdes.network.services import network_audit
from kujdes.people.linkage import clk

if TYPE_CHECKING:
    from kujdes.accounts.models import User

PACKAGE_TYPE = "linkage-clks"
SECRET_PURPOSE = "network-linkage-secret"
# The whole schema of a `linkage-clks` package (a test holds it): no name, no id, no statistics.
PAYLOAD_FIELDS = ("schema", "partner", "period_start", "period_end", "fingerprint", "bits", "clks")
# The largest submission accepted (filters): far above a partner's registry, far below the
# federation package limit (20 MB ≈ 120,000 filters in base64).
MAX_FILTERS = 100_000
CHUNK = 2_000


def _no_secret() -> str:
    return _("This installation has no network linkage secret: run `kujdes clk secret-import`.")


class LinkageError(Exception):
    """A linkage step that cannot be done; the message is for the operator (translated)."""


# --- the network-wide secret ----------------------------------------------------------------------


def linkage_secret_generate() -> str:
    """A new network-wide secret, as hex for the operators to hand to every partner (once)."""
    return secrets.token_bytes(32).hex()


def linkage_secret_import(*, secret_hex: str) -> str:
    """Store the network-wide secret (sealed by the master key), replacing any older; returns its
    fingerprint. The secret is never logged nor audited; the fingerprint is."""
    try:
        secret = bytes.fromhex(secret_hex.strip())
    except ValueError:
        raise LinkageError(_("The linkage secret must be hexadecimal text.")) from None
    if len(secret) < clk.MIN_SECRET_BYTES:
        raise LinkageError(_("The linkage secret must have at least 32 bytes (64 hexadecimal digits)."))
    fingerprint = clk.secret_fingerprint(secret)
    with transaction.atomic():
        LinkageSecret.objects.all().delete()
        LinkageSecret.objects.create(
            sealed=installation_secret_seal(plaintext=secret.hex(), purpose=SECRET_PURPOSE),
            fingerprint=fingerprint,
        )
    return fingerprint


def _linkage_secret() -> tuple[bytes, str]:
    row = LinkageSecret.objects.order_by("-pk").first()
    if row is None:
        raise LinkageError(_no_secret())
    return bytes.fromhex(installation_secret_open(token=row.sealed, purpose=SECRET_PURPOSE)), row.fingerprint


def linkage_secret_fingerprint() -> str | None:
    row = LinkageSecret.objects.order_by("-pk").first()
    return row.fingerprint if row else None


# --- a partner's filters ------------------------------------------------------------------------


def persons_clks(*, organisation_id: int, period_end: datetime.date, secret: bytes) -> list[int]:
    """The filters of the persons an organisation knows at the end of a period (registered by then,
    neither erased nor merged into another record), shuffled. Decrypted names live in memory only,
    one chunk at a time."""
    from kujdes.people.models import Person
    from kujdes.people.selectors import persons_with_keys

    encoder = clk.Encoder(secret)
    out: list[int] = []
    with system_scope():
        persons = (
            Person.objects.filter(
                organisation_id=organisation_id,
                erased_at__isnull=True,
                merged_into__isnull=True,
                created_at__date__lte=period_end,
            )
            .only(
                "id",
                "key_id",
                "public_id",
                "organisation_id",
                "given_name",
                "family_name",
                "date_of_birth",
                "sex",
                "birth_date_estimated",
            )  # fmt: skip
            .order_by("pk")
        )
        last = 0
        while True:
            chunk = list(persons.filter(pk__gt=last)[:CHUNK])
            if not chunk:
                break
            last = chunk[-1].pk
            for person in persons_with_keys(chunk):
                dob = person.date_of_birth
                filter_ = encoder.encode(
                    given_name=person.given_name,
                    family_name=person.family_name,
                    dob=dob.isoformat() if dob else None,
                    sex=person.sex,
                    estimated=person.birth_date_estimated,
                )
                if filter_:
                    out.append(filter_)
    random.SystemRandom().shuffle(out)
    return out


@dataclass(frozen=True)
class Submitted:
    filters: int
    stored_here: bool
    packages: int


def clk_submit(
    *, partner: Partner, period_start: datetime.date, period_end: datetime.date, actor: User | None = None
) -> Submitted:
    """Encode a local partner's persons for a period and hand the filters to the hub: stored here
    when this installation hosts the coordinator (or stands alone), else sent as a signed package to
    the installations that host it. One audit event in the partner's chain (counts, no content)."""
    if partner.organisation_id is None:
        raise LinkageError(_("Only a partner hosted by this installation submits its persons."))
    if period_end < period_start:
        raise LinkageError(_("The period ends before it starts."))
    secret, fingerprint = _linkage_secret()
    filters = persons_clks(organisation_id=partner.organisation_id, period_end=period_end, secret=secret)
    del secret
    if len(filters) > MAX_FILTERS:
        raise LinkageError(_("Too many persons for one submission."))
    installation = installation_get()
    stored_here = installation is None or installation.hosts_coordinator
    packages = 0
    with transaction.atomic():
        if stored_here:
            _store(
                partner=partner,
                period_start=period_start,
                period_end=period_end,
                fingerprint=fingerprint,
                filters=filters,
                origin=ReleaseOrigin.LOCAL,
                package_id=None,
            )
        else:
            payload = {
                "schema": clk.SCHEMA,
                "partner": partner.code,
                "period_start": period_start.isoformat(),
                "period_end": period_end.isoformat(),
                "fingerprint": fingerprint,
                "bits": clk.BITS,
                "clks": clk.pack(filters),
            }
            packages = package_broadcast(
                type=PACKAGE_TYPE,
                payload=payload,
                peers=coordinator_peers(),
                actor=actor,
                organisation=partner.organisation_id,
                subject=f"{partner.code} {period_start}",
            )
        audit_record(
            actor=actor,
            organisation=partner.organisation_id,
            action="network.linkage.submitted",
            obj=partner,
            details={
                "period_start": period_start.isoformat(),
                "period_end": period_end.isoformat(),
                "filters": len(filters),
                "packages": packages,
            },
        )
    return Submitted(filters=len(filters), stored_here=stored_here, packages=packages)


def _store(
    *,
    partner: Partner,
    period_start: datetime.date,
    period_end: datetime.date,
    fingerprint: str,
    filters: list[int],
    origin: str,
    package_id: Any,
) -> ClkSubmission:
    raw = b"".join(f.to_bytes(clk.BYTES, "big") for f in filters)
    submission, _created = ClkSubmission.objects.update_or_create(
        partner=partner,
        period_start=period_start,
        period_end=period_end,
        defaults={
            "fingerprint": fingerprint,
            "count": len(filters),
            "filters": raw,
            "origin": origin,
            "package_id": package_id,
        },
    )
    return submission


@handles(PACKAGE_TYPE)
def clks_received(received: Received) -> None:
    """A remote partner's filters arrive at the hub: checked (schema, sending partner, sizes) and
    stored in place of that partner's earlier filters for the period."""
    installation = installation_get()
    if installation is None or not installation.hosts_coordinator:
        raise PackageRejected("not_coordinator", "this installation does not host the network coordinator")
    payload = received.payload
    if set(payload) != set(PAYLOAD_FIELDS) or payload.get("schema") != clk.SCHEMA:
        raise PackageRejected("invalid_content", f"not a linkage package (expected {clk.SCHEMA})")
    if payload.get("bits") != clk.BITS:
        raise PackageRejected("invalid_content", f"filters must have {clk.BITS} bits")
    partner = received.sender_partner(payload.get("partner"))
    if received.peer is not None and partner.organisation_id is not None:
        raise PackageRejected("local_partner", "the partner is an organisation of this installation")
    try:
        start = datetime.date.fromisoformat(str(payload.get("period_start")))
        end = datetime.date.fromisoformat(str(payload.get("period_end")))
    except ValueError:
        raise PackageRejected("invalid_content", "a period date is not valid") from None
    if end < start:
        raise PackageRejected("invalid_content", "the period ends before it starts")
    fingerprint = payload.get("fingerprint")
    if not isinstance(fingerprint, str) or len(fingerprint) != 16:
        raise PackageRejected("invalid_content", "the secret fingerprint is missing")
    clks_text = payload.get("clks")
    if not isinstance(clks_text, str):
        raise PackageRejected("invalid_content", "the filters are missing")
    try:
        filters = clk.unpack(clks_text)
    except clk.ClkError as exc:
        raise PackageRejected("invalid_content", str(exc)) from None
    if len(filters) > MAX_FILTERS:
        raise PackageRejected("invalid_content", "too many filters")
    _store(
        partner=partner,
        period_start=start,
        period_end=end,
        fingerprint=fingerprint,
        filters=filters,
        origin=ReleaseOrigin.REMOTE,
        package_id=received.package_id,
    )


# --- the hub's count ------------------------------------------------------------------------------


def _withheld(value: int, k: int) -> int | None:
    return None if 0 < value < k else value


def shared_persons_count(
    *, period_start: datetime.date, period_end: datetime.date, k: int = K_MIN, actor: User | None = None
) -> SharedPersonsCount:
    """Count, on the filters submitted for the period, the persons known to two or more partners;
    store and return the figures with every count from 1 to k−1 withheld (None). Filters made with
    different secrets cannot be compared: only those of the hub's own secret (by fingerprint)
    are counted, and at least two partners are needed."""
    k = max(int(k), K_MIN)
    fingerprint = linkage_secret_fingerprint()
    if fingerprint is None:
        raise LinkageError(_no_secret())
    submissions = list(
        ClkSubmission.objects.filter(period_start=period_start, period_end=period_end).select_related(
            "partner"
        )
    )
    usable = [s for s in submissions if s.fingerprint == fingerprint]
    if len(usable) < 2:
        raise LinkageError(
            _("Filters of at least two partners with this installation's secret are needed for the period.")
        )
    by_partner = {}
    for submission in usable:
        raw = bytes(submission.filters)
        by_partner[submission.partner.code] = [
            int.from_bytes(raw[i : i + clk.BYTES], "big") for i in range(0, len(raw), clk.BYTES)
        ]
    result = clk.shared_count(by_partner)
    del by_partner
    by_partner_count = {str(n): _withheld(c, k) for n, c in sorted(result.by_partner_count.items())}
    if None in by_partner_count.values():
        # This breakdown adds up to the total: one withheld cell would be the total minus the
        # others, so the whole breakdown is withheld (complementary suppression at its simplest).
        by_partner_count = dict.fromkeys(by_partner_count)
    figures = {
        "persons_shared": _withheld(result.persons_shared, k),
        # Not additive (a person known to A and B counts for both), so no complement is needed.
        "by_partner": {code: _withheld(n, k) for code, n in sorted(result.by_partner.items())},
        "by_partner_count": by_partner_count,
    }
    count, _created = SharedPersonsCount.objects.update_or_create(
        period_start=period_start,
        period_end=period_end,
        defaults={
            "k": k,
            "threshold": clk.DICE_THRESHOLD,
            "figures": figures,
            "partners": sorted(s.partner.code for s in usable),
            "filters": result.filters,
        },
    )
    network_audit(
        actor=actor,
        action="network.linkage.counted",
        obj=count,
        details={"period_start": period_start.isoformat(), "partners": len(usable)},
    )
    return count


def shared_counts_shown() -> list[SharedPersonsCount]:
    """The stored counts, newest period first (figures already withheld below k)."""
    return list(SharedPersonsCount.objects.all())
