"""Encrypt a filled instance as ODK Collect does (test helper).

Written from the ODK encryption specification (https://getodk.github.io/xforms-spec/encryption) and
Collect's EncryptionUtils, independently of kujdes.fieldsync.encryption, so that the tests check the
server against the scheme rather than against itself:

- a random 256-bit AES key per instance, RSA-wrapped with "RSA/NONE/OAEPWithSHA256AndMGF1Padding"
  (BouncyCastle: SHA-256, MGF1 with SHA-256), base64;
- IV seed = MD5(instanceID bytes in UTF-8, then the key bytes); before each file the seed's byte at
  (counter mod 16) is incremented and the counter advanced; the IV is the seed at that moment;
- each file: AES/CFB/PKCS5Padding (PKCS#7 on 16-byte blocks, CFB-128), media files first in the
  manifest's order, `submission.xml` last; the encrypted files are named `<name>.enc`;
- signature: MD5 over "formId\\n[version\\n]base64Key\\ninstanceID\\n" + "name::md5hex\\n" for each
  plaintext file (no .enc suffix) in encryption order, RSA-wrapped like the key, base64;
- the manifest (envelope) is what Collect's kXML serializer writes: namespace
  http://www.opendatakit.org/xforms/encrypted, `orx:meta/orx:instanceID`, one `<media><file>` per file.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

try:  # ODK's CFB mode moved to the "decrepit" modules (cryptography 47); the same algorithm
    from cryptography.hazmat.decrepit.ciphers.modes import CFB
except ImportError:  # pragma: no cover
    from cryptography.hazmat.primitives.ciphers.modes import CFB  # type: ignore[assignment]

ENCRYPTED_NS = "http://www.opendatakit.org/xforms/encrypted"
OPENROSA_NS = "http://openrosa.org/xforms"


@dataclass
class EncryptedInstance:
    envelope: bytes
    # Encrypted file name → bytes, as the multipart parts Collect sends.
    files: dict[str, bytes]
    symmetric_key: bytes


def _public_key(base64_der: str) -> rsa.RSAPublicKey:
    key = serialization.load_der_public_key(base64.b64decode(base64_der))
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def _wrap(public: rsa.RSAPublicKey, data: bytes) -> bytes:
    return public.encrypt(
        data, padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    )


def _aes_cfb_pkcs5(key: bytes, iv: bytes, data: bytes) -> bytes:
    pad = 16 - len(data) % 16
    padded = data + bytes([pad]) * pad
    encryptor = Cipher(algorithms.AES(key), CFB(iv)).encryptor()
    return encryptor.update(padded) + encryptor.finalize()


def encrypt_instance(
    *,
    xml: bytes,
    form_id: str,
    version: str | None,
    instance_id: str,
    public_key: str,
    media: list[tuple[str, bytes]] | None = None,
    key: bytes | None = None,
) -> EncryptedInstance:
    """Encrypt `xml` (the filled instance) and its `media` files with the form's base64 DER key."""
    public = _public_key(public_key)
    key = key or os.urandom(32)
    base64_key = base64.b64encode(_wrap(public, key)).decode()

    digest = hashlib.md5(instance_id.encode("utf-8"), usedforsecurity=False)
    digest.update(key)
    seed = bytearray(digest.digest())

    signature_source = form_id + "\n"
    if version is not None:
        signature_source += version + "\n"
    signature_source += base64_key + "\n" + instance_id + "\n"

    files: dict[str, bytes] = {}
    ordered = [*(media or []), ("submission.xml", xml)]
    for counter, (name, content) in enumerate(ordered):
        signature_source += f"{name}::{hashlib.md5(content, usedforsecurity=False).hexdigest()}\n"
        seed[counter % 16] = (seed[counter % 16] + 1) & 0xFF
        files[name + ".enc"] = _aes_cfb_pkcs5(key, bytes(seed), content)

    signed = hashlib.md5(signature_source.encode("utf-8"), usedforsecurity=False).digest()
    signature = base64.b64encode(_wrap(public, signed)).decode()

    version_attr = f' version="{version}"' if version is not None else ""
    media_elements = "".join(f"<media><file>{name}.enc</file></media>\n" for name, _data in media or [])
    envelope = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>"
        f'<data xmlns="{ENCRYPTED_NS}" id="{form_id}"{version_attr} encrypted="yes">'
        f"<base64EncryptedKey>{base64_key}</base64EncryptedKey>"
        f'<orx:meta xmlns:orx="{OPENROSA_NS}"><orx:instanceID>{instance_id}</orx:instanceID></orx:meta>\n'
        f"{media_elements}"
        "<encryptedXmlFile>submission.xml.enc</encryptedXmlFile>"
        f"<base64EncryptedElementSignature>{signature}</base64EncryptedElementSignature>"
        "</data>"
    ).encode()
    return EncryptedInstance(envelope=envelope, files=files, symmetric_key=key)
