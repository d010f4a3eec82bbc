"""The package envelope on its own: canonical bytes, Ed25519 signatures, HPKE seals, fingerprints.

No database: the keys are made in the test (the remote installation's key type of `peers.py`).
Hypothesis draws the payloads and the byte that is flipped.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kujdes.network.federation import envelope as env
from kujdes.network.federation.tests.peers import RemoteKey

# JSON values as a payload may hold them (no NaN: it is not JSON).
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
payloads = st.dictionaries(st.text(max_size=12), json_values, max_size=6)

SENDER = RemoteKey.generate()
RECIPIENT = RemoteKey.generate()


def header(type_: str = "referral") -> dict[str, Any]:
    return {
        "format": env.FORMAT,
        "package_id": str(uuid.uuid4()),
        "type": type_,
        "sender": str(uuid.uuid4()),
        "recipient": str(uuid.uuid4()),
        "created_at": "2026-12-07T15:00:00+00:00",
        "signing_key": SENDER.key_id,
    }


def signed_body(payload: dict[str, Any], *, sealed: bool) -> bytes:
    envelope = header()
    if sealed:
        envelope["sealed"] = env.seal(
            header=envelope,
            payload=payload,
            recipient_key_id=RECIPIENT.key_id,
            recipient_public=RECIPIENT.encryption_public,
        )
    else:
        envelope["payload"] = payload
    return env.canonical(env.sign(envelope=envelope, key=SENDER.signing))


def verifies(body: bytes) -> bool:
    """What the inbox asks of the bytes before anything else: they parse and the signature holds."""
    try:
        envelope, _header = env.parse(body)
    except env.EnvelopeError:
        return False
    return env.signature_valid(envelope=envelope, public=SENDER.signing_public)


@settings(max_examples=60, deadline=None)
@given(payload=payloads, sealed=st.booleans())
def test_a_signed_envelope_verifies_and_parses_back_to_what_was_signed(payload: dict, sealed: bool) -> None:
    body = signed_body(payload, sealed=sealed)
    envelope, parsed = env.parse(body)
    assert verifies(body)
    assert parsed.signing_key == SENDER.key_id
    if sealed:
        assert env.unseal(envelope=envelope, private=RECIPIENT.encryption) == json.loads(
            env.canonical(payload)
        )
    else:
        assert envelope["payload"] == json.loads(env.canonical(payload))


@settings(max_examples=60, deadline=None)
@given(payload=payloads)
def test_a_sealed_payload_opens_only_with_the_recipients_key(payload: dict) -> None:
    envelope = header()
    envelope["sealed"] = env.seal(
        header=envelope,
        payload=payload,
        recipient_key_id=RECIPIENT.key_id,
        recipient_public=RECIPIENT.encryption_public,
    )
    assert env.unseal(envelope=envelope, private=RECIPIENT.encryption) == json.loads(env.canonical(payload))
    with pytest.raises(env.EnvelopeError) as refused:
        env.unseal(envelope=envelope, private=SENDER.encryption)
    assert refused.value.code == "undecryptable"


@pytest.mark.parametrize("member", env.HEADER_FIELDS)
def test_a_sealed_payload_does_not_open_under_another_header(member: str) -> None:
    envelope = header()
    envelope["sealed"] = env.seal(
        header=envelope,
        payload={"note": "x"},
        recipient_key_id="k",
        recipient_public=RECIPIENT.encryption_public,
    )
    moved = dict(envelope)
    moved[member] = str(uuid.uuid4()) if member != "created_at" else "2026-12-07T15:00:01+00:00"
    with pytest.raises(env.EnvelopeError):
        env.unseal(envelope=moved, private=RECIPIENT.encryption)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(payload=payloads, sealed=st.booleans(), data=st.data())
def test_any_single_byte_flipped_in_a_signed_envelope_is_refused(
    payload: dict, sealed: bool, data: st.DataObject
) -> None:
    body = signed_body(payload, sealed=sealed)
    position = data.draw(st.integers(min_value=0, max_value=len(body) - 1), label="position")
    value = data.draw(
        st.integers(min_value=0, max_value=255).filter(lambda v: v != body[position]), label="byte"
    )
    flipped = body[:position] + bytes([value]) + body[position + 1 :]
    assert not verifies(flipped)


def test_every_byte_of_a_package_with_escapes_and_padding_is_covered() -> None:
    """The bytes hypothesis is least likely to hit: a \\u escape's hex digits (their case) and the
    last base64 digit of the signature (its unused low bits)."""
    body = signed_body({"name": "Zoë Ψ"}, sealed=False)
    escapes = [m.start() + offset for m in re.finditer(rb"\\u[0-9a-f]{4}", body) for offset in range(2, 6)]
    signature_start = body.index(b'"signature":"') + len(b'"signature":"')
    signature_end = body.index(b'"', signature_start) - 1
    assert escapes
    for position in [*escapes, signature_end - 2, signature_end - 1, signature_end]:
        for value in range(256):
            if value == body[position]:
                continue
            flipped = body[:position] + bytes([value]) + body[position + 1 :]
            assert not verifies(flipped), (position, chr(body[position]), chr(value))


def test_the_signature_covers_every_member() -> None:
    body = signed_body({"figures": [1, 2, 3]}, sealed=False)
    envelope = json.loads(body)
    for member in (*env.HEADER_FIELDS, "payload"):
        changed = dict(envelope)
        changed[member] = {"figures": [1, 2, 4]} if member == "payload" else changed[member] + "0"
        assert not env.signature_valid(envelope=changed, public=SENDER.signing_public), member


def test_another_key_does_not_verify_the_signature() -> None:
    body = signed_body({"figures": [1]}, sealed=False)
    envelope, _header = env.parse(body)
    assert not env.signature_valid(envelope=envelope, public=RECIPIENT.signing_public)


def test_a_fingerprint_is_eight_groups_of_four_hex_digits_and_names_the_keys() -> None:
    installation_id = uuid.uuid4()
    printed = env.fingerprint(
        installation_id=installation_id,
        signing_public=SENDER.signing_public,
        encryption_public=SENDER.encryption_public,
    )
    assert re.fullmatch(r"[0-9A-F]{4}( [0-9A-F]{4}){7}", printed)
    other = env.fingerprint(
        installation_id=installation_id,
        signing_public=RECIPIENT.signing_public,
        encryption_public=SENDER.encryption_public,
    )
    assert other != printed


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'"a string"',
        b'{"format": "kujdes-package/9"}',
        b'{"format": "kujdes-package/1"}',
        b"\xff\xfe\x00",
    ],
)
def test_what_is_not_a_package_is_malformed(body: bytes) -> None:
    with pytest.raises(env.EnvelopeError) as refused:
        env.parse(body)
    assert refused.value.code == "malformed"


def test_a_package_with_both_payload_and_seal_or_neither_is_malformed() -> None:
    envelope = json.loads(signed_body({"a": 1}, sealed=True))
    both = dict(envelope, payload={"a": 1})
    neither = {key: value for key, value in envelope.items() if key != "sealed"}
    for broken in (both, neither):
        with pytest.raises(env.EnvelopeError):
            env.parse(env.canonical(broken))


def test_a_time_without_zone_or_a_bad_id_is_malformed() -> None:
    for member, value in (("created_at", "2026-12-07T15:00:00"), ("package_id", "not-a-uuid")):
        envelope = header()
        envelope[member] = value
        envelope["payload"] = {}
        with pytest.raises(env.EnvelopeError):
            env.parse(env.canonical(env.sign(envelope=envelope, key=SENDER.signing)))
