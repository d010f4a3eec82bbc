"""The one envelope for everything that crosses between installations.

    {"format": "kujdes-package/1", "package_id": UUID, "type": "referral",
     "sender": UUID, "recipient": UUID, "created_at": "2026-12-07T15:00:00Z",
     "signing_key": "<sender key id>",
     "payload": {...}                                   (nothing personal), or
     "sealed": {"suite": ..., "key": "<recipient key id>", "ciphertext": base64},
     "signature": base64}

The signature (Ed25519) covers the canonical JSON of every other member, so nothing of the
header or payload can change unseen. A payload about a person is sealed with HPKE (RFC 9180:
DHKEM X25519, HKDF-SHA256, AES-256-GCM, base mode) to the recipient's encryption key, with the
header as HPKE `info`, so the ciphertext cannot be moved under another header. No primitive is
hand-made: `cryptography` provides them all.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

FORMAT = "kujdes-package/1"
SUITE_NAME = "HPKE-base/X25519-HKDF-SHA256/HKDF-SHA256/AES-256-GCM"
_SUITE = hpke.Suite(hpke.KEM.X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)
HEADER_FIELDS = ("format", "package_id", "type", "sender", "recipient", "created_at", "signing_key")


class EnvelopeError(Exception):
    """A package that cannot be read: `code` is the error code the inbox answers with."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def canonical(value: Any) -> bytes:
    """The one byte form that is signed and hashed: sorted keys, no spaces, ASCII."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: Any) -> bytes:
    if not isinstance(text, str):
        raise EnvelopeError("malformed", "a binary member is not base64 text")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise EnvelopeError("malformed", "a binary member is not valid base64") from None
    # One spelling per value: base64 with unused low bits set decodes to the same bytes, and would
    # make a second, different-looking copy of a signed package.
    if base64.b64encode(data).decode("ascii") != text:
        raise EnvelopeError("malformed", "a binary member is not canonical base64")
    return data


def timestamp(moment: datetime) -> str:
    """UTC, to the second, ISO 8601 (what `created_at` holds)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def fingerprint(*, installation_id: uuid.UUID | str, signing_public: bytes, encryption_public: bytes) -> str:
    """8 groups of 4 hex digits: what two coordinators read to each other over the phone."""
    digest = hashlib.sha256(
        b"kujdes-card|" + str(installation_id).encode() + b"|" + signing_public + b"|" + encryption_public
    ).hexdigest()[:32]
    return " ".join(digest[i : i + 4] for i in range(0, 32, 4)).upper()


def _header_info(header: dict[str, Any]) -> bytes:
    return b"kujdes-package|" + canonical({key: header[key] for key in HEADER_FIELDS})


def seal(
    *, header: dict[str, Any], payload: dict[str, Any], recipient_key_id: str, recipient_public: bytes
) -> dict[str, Any]:
    ciphertext = _SUITE.encrypt(
        canonical(payload), X25519PublicKey.from_public_bytes(recipient_public), info=_header_info(header)
    )
    return {"suite": SUITE_NAME, "key": recipient_key_id, "ciphertext": b64(ciphertext)}


def unseal(*, envelope: dict[str, Any], private: X25519PrivateKey) -> dict[str, Any]:
    sealed = envelope["sealed"]
    try:
        plain = _SUITE.decrypt(unb64(sealed.get("ciphertext")), private, info=_header_info(envelope))
    except (InvalidTag, ValueError):
        raise EnvelopeError(
            "undecryptable", "the payload does not open with this installation's key"
        ) from None
    try:
        payload = json.loads(plain)
    except ValueError:
        raise EnvelopeError("malformed", "the sealed payload is not JSON") from None
    if not isinstance(payload, dict):
        raise EnvelopeError("malformed", "the sealed payload is not an object")
    return payload


def sign(*, envelope: dict[str, Any], key: Ed25519PrivateKey) -> dict[str, Any]:
    signed = dict(envelope)
    signed["signature"] = b64(key.sign(canonical(envelope)))
    return signed


def signature_valid(*, envelope: dict[str, Any], public: bytes) -> bool:
    unsigned = {key: value for key, value in envelope.items() if key != "signature"}
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(
            unb64(envelope.get("signature")), canonical(unsigned)
        )
    except (InvalidSignature, EnvelopeError, ValueError):
        return False
    return True


@dataclass(frozen=True)
class Header:
    package_id: uuid.UUID
    type: str
    sender: uuid.UUID
    recipient: uuid.UUID
    created_at: datetime
    signing_key: str


def parse(body: bytes) -> tuple[dict[str, Any], Header]:
    """The envelope as a dict and its checked header; EnvelopeError("malformed") otherwise."""
    try:
        envelope = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise EnvelopeError("malformed", "the package is not JSON") from None
    if not isinstance(envelope, dict):
        raise EnvelopeError("malformed", "the package is not a JSON object")
    # The bytes that travel are the bytes that are signed: another spelling of the same JSON (the case
    # of a \u escape's hex digits, spaces, key order) would verify too, and would be a second copy of
    # one package with another digest (answered 409 instead of 200).
    if canonical(envelope) != body:
        raise EnvelopeError(
            "malformed", "the package is not in canonical form (sorted keys, no spaces, ASCII)"
        )
    if envelope.get("format") != FORMAT:
        raise EnvelopeError("malformed", f"unknown package format (expected {FORMAT})")
    missing = [key for key in (*HEADER_FIELDS, "signature") if not isinstance(envelope.get(key), str)]
    if missing:
        raise EnvelopeError("malformed", "missing or invalid members: " + ", ".join(missing))
    if ("payload" in envelope) == ("sealed" in envelope):
        raise EnvelopeError("malformed", "a package has either a payload or a sealed payload")
    if "payload" in envelope and not isinstance(envelope["payload"], dict):
        raise EnvelopeError("malformed", "the payload is not an object")
    if "sealed" in envelope and not (
        isinstance(envelope["sealed"], dict) and isinstance(envelope["sealed"].get("key"), str)
    ):
        raise EnvelopeError("malformed", "the sealed payload is incomplete")
    try:
        header = Header(
            package_id=uuid.UUID(envelope["package_id"]),
            type=envelope["type"],
            sender=uuid.UUID(envelope["sender"]),
            recipient=uuid.UUID(envelope["recipient"]),
            created_at=datetime.fromisoformat(envelope["created_at"]),
            signing_key=envelope["signing_key"],
        )
    except ValueError:
        raise EnvelopeError("malformed", "an id or the time is not valid") from None
    if header.created_at.tzinfo is None:
        raise EnvelopeError("malformed", "the time has no time zone")
    return envelope, header


def digest(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()
