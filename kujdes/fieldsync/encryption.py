"""ODK encrypted forms: the form's RSA key pair, the key in the XForm, and decrypting what phones send.

The scheme is ODK's (https://getodk.github.io/xforms-spec/encryption, as ODK Collect implements it):
the phone draws a random AES-256 key per instance, encrypts every media file and then the instance
XML (`submission.xml`) with AES/CFB and PKCS#7 padding, each file with its own initialisation
vector, and sends a plain *envelope* in place of the instance: the AES key wrapped with the form's
RSA public key (`base64EncryptedKey`), the instance id, the encrypted files' names in the order they
were encrypted, and a signature (an MD5 of the envelope's values and of each decrypted file,
wrapped with the same RSA key).

- RSA: "RSA/NONE/OAEPWithSHA256AndMGF1Padding" in Collect (BouncyCastle): OAEP with SHA-256 and
  MGF1 over SHA-256, as ODK Central reads it too. (Not SHA-1: the brief of this work said SHA-1; the
  specification and Collect's source say SHA-256.)
- IVs: seed = MD5(instanceID in UTF-8 + AES key); before each file i (0, 1, …), the seed's byte
  i mod 16 is incremented by one (wrapping at 256); the IV is the seed as it then is. Media files
  come first, in the envelope's order, then the XML.
- Signature: lines form id, version (when the form has one), base64EncryptedKey, instanceID, then
  `<file name without .enc>::<md5 hex of its plaintext>` for each media file and for the XML
  (`submission.xml::…`), each line ended by "\\n"; the MD5 of that text is what the RSA unwraps to.

Nothing here touches the disk or the database: decrypted bytes are handed back to the caller,
which seals them (receiving.py); the private key only ever exists sealed in `FormKey`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import struct
import time
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives import padding as symmetric_padding
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

try:  # ODK's CFB mode moved to the "decrepit" modules (cryptography 47); the same algorithm
    from cryptography.hazmat.decrepit.ciphers.modes import CFB
except ImportError:  # pragma: no cover
    from cryptography.hazmat.primitives.ciphers.modes import CFB  # type: ignore[assignment]
from defusedxml import ElementTree as SafeElementTree
from django.utils.translation import gettext as _

from kujdes.fieldsync.models import FormKey, FormVersion

RSA_BITS = 2048
AES_KEY_BYTES = 32
IV_BYTES = 16
ENCRYPTED_SUFFIX = ".enc"
XFORMS_NS = "http://www.w3.org/2002/xforms"
XHTML_NS = "http://www.w3.org/1999/xhtml"


class EncryptionError(Exception):
    """An encrypted submission or form that cannot be used; `message` is for the phone or the admin."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- the key pair --------------------------------------------------------------------------------


def key_pair_generate() -> tuple[str, str]:
    """(public, private): base64 of the DER SubjectPublicKeyInfo, as the XForm carries it (ODK Central
    strips the PEM envelope to the same thing), and the private key as unencrypted PKCS#8 PEM — to be
    sealed at once in FormKey.private_key."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)
    public_der = private.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return base64.b64encode(public_der).decode(), private_pem.decode()


def _oaep(mgf_hash: hashes.HashAlgorithm) -> padding.OAEP:
    return padding.OAEP(mgf=padding.MGF1(algorithm=mgf_hash), algorithm=hashes.SHA256(), label=None)


# Collect (BouncyCastle) uses MGF1 over SHA-256. Java's own provider reads the same algorithm name
# with MGF1 over SHA-1; a client built on it would be accepted too, at no cost to security.
_OAEP_VARIANTS = (_oaep(hashes.SHA256()), _oaep(hashes.SHA1()))  # noqa: S303


def _rsa_unwrap(private: rsa.RSAPrivateKey, data: bytes) -> bytes | None:
    for oaep in _OAEP_VARIANTS:
        try:
            return private.decrypt(data, oaep)
        except ValueError:
            continue
    return None


def _private_key_load(pem: str) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise EncryptionError(_("The form's key is not an RSA key."))
    return key


# --- the key in the XForm ------------------------------------------------------------------------

_PUBLIC_KEY = re.compile(r"""\bbase64RsaPublicKey\s*=\s*(["'])([^"']*)\1""")
_MODEL_OPEN = re.compile(r"<((?:[\w.-]+:)?)model\b[^>]*>")
_INSTANCE_OPEN = re.compile(r"<(?:[\w.-]+:)?instance\b[^>]*>")
_START_TAG = re.compile(r"<([\w.:-]+)\b([^>]*?)(/?)>")
_VERSION_ATTR = re.compile(r"""(?<![\w:.-])version\s*=\s*(["'])([^"']*)\1""")


def xform_public_key(xform: str) -> str | None:
    """The base64RsaPublicKey the XForm carries, if any."""
    found = _PUBLIC_KEY.search(xform)
    return found.group(2).strip() if found else None


def version_suffix_new() -> str:
    """A suffix that makes the encrypted form a new version, as ODK Central's `[encrypted:…]` (the
    time in milliseconds, six bytes, base64)."""
    millis = int(time.time() * 1000)
    return "[encrypted:" + base64.b64encode(struct.pack(">Q", millis)[2:]).decode() + "]"


def _unescape_attr(value: str) -> str:
    return (
        value.replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
    )


def xform_with_public_key(*, xform: str, public_key: str, version_suffix: str = "") -> str:
    """The XForm with `base64RsaPublicKey` on its `<submission>` element (added as the model's first
    child, where pyxform writes it from the settings sheet's `public_key`, when there is none) and,
    if given, `version_suffix` appended to the primary instance's version (added if it has none).

    Spliced into the text rather than re-serialised, as ODK Central does, so that everything else
    stays byte for byte what pyxform wrote. Raises EncryptionError if the XForm already has a key or
    its model cannot be found.
    """
    if xform_public_key(xform):
        raise EncryptionError(
            _(
                "This form already carries a public key of its own (public_key on the settings sheet): "
                "Kujdes cannot decrypt what phones send with it. Remove public_key and publish it again."
            )
        )
    model = _MODEL_OPEN.search(xform)
    if model is None:
        raise EncryptionError(_("The form has no model: it cannot be encrypted."))
    prefix = model.group(1)
    instance = _INSTANCE_OPEN.search(xform, model.end())
    if instance is None:
        raise EncryptionError(_("The form has no main instance: it cannot be encrypted."))
    text = xform
    if version_suffix:
        root = _START_TAG.search(text, instance.end())
        if root is None:
            raise EncryptionError(_("The form has no main instance: it cannot be encrypted."))
        attrs = root.group(2)
        version = _VERSION_ATTR.search(attrs)
        if version is not None:
            new_value = quoteattr(_unescape_attr(version.group(2)) + version_suffix)
            attrs = attrs[: version.start()] + "version=" + new_value + attrs[version.end() :]
        else:
            attrs = attrs + " version=" + quoteattr(version_suffix)
        tag = f"<{root.group(1)}{attrs}{root.group(3)}>"
        text = text[: root.start()] + tag + text[root.end() :]
    key_attr = f' base64RsaPublicKey="{escape(public_key)}"'
    submission = re.compile(rf"<{re.escape(prefix)}submission\b([^>]*?)(/?)>").search(
        text, model.end(), instance.start()
    )
    if submission is not None:
        tag = f"<{prefix}submission{submission.group(1)}{key_attr}{submission.group(2)}>"
        return text[: submission.start()] + tag + text[submission.end() :]
    # pyxform indents the model's children: the new first child gets the same indentation.
    indent = re.match(r"\s*", text[model.end() :])
    spacing = indent.group(0) if indent else ""
    return text[: model.end()] + f"{spacing}<{prefix}submission{key_attr}/>" + text[model.end() :]


def xform_encryption_check(*, xform: str, public_key: str, xml_form_id: str, version: str) -> None:
    """Parse the spliced XForm back: same form id, the expected version, the key on head/model/submission."""
    try:
        root = SafeElementTree.fromstring(xform.encode())
    except Exception:
        raise EncryptionError(_("The encrypted form is not well-formed XML.")) from None
    model = root.find(f"{{{XHTML_NS}}}head/{{{XFORMS_NS}}}model")
    if model is None:
        raise EncryptionError(_("The form has no model: it cannot be encrypted."))
    submission = model.find(f"{{{XFORMS_NS}}}submission")
    instance = model.find(f"{{{XFORMS_NS}}}instance")
    data = instance[0] if instance is not None and len(instance) else None
    if (
        submission is None
        or submission.get("base64RsaPublicKey") != public_key
        or data is None
        or data.get("id", "") != xml_form_id
        or data.get("version", "") != version
    ):
        raise EncryptionError(_("The public key could not be added to the form."))


def form_version_key(*, version: FormVersion) -> FormKey | None:
    """The Kujdes key whose public half this version carries (None: a version phones send in clear)."""
    public_key = xform_public_key(version.xform)
    if not public_key:
        return None
    return FormKey.objects.filter(form_id=version.form_id, public_key=public_key).first()


def form_current_key(*, form_id: int) -> FormKey | None:
    return FormKey.objects.filter(form_id=form_id, retired_at__isnull=True).order_by("-created_at").first()


# --- the envelope --------------------------------------------------------------------------------


@dataclass
class Envelope:
    """The plain part of an encrypted submission (ODK's "submission manifest")."""

    xml_form_id: str
    version: str | None
    instance_id: str
    encrypted_key: str
    xml_file: str
    media_files: list[str] = field(default_factory=list)
    signature: str = ""

    @property
    def files(self) -> list[str]:
        """Every encrypted file, in the order it was encrypted: media first, then the XML."""
        return [*self.media_files, self.xml_file]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _file_name_clean(name: str) -> str:
    cleaned = (name or "").strip()
    if (
        not cleaned
        or "/" in cleaned
        or "\\" in cleaned
        or cleaned.startswith(".")
        or not cleaned.endswith(ENCRYPTED_SUFFIX)
        or len(cleaned) > 200
        or len(cleaned) == len(ENCRYPTED_SUFFIX)
    ):
        raise EncryptionError(
            _("The encrypted submission names a file “%(name)s” that is not an encrypted file name.")
            % {"name": cleaned[:100]}
        )
    return cleaned


def envelope_read(xml: bytes) -> Envelope:
    """The envelope of an encrypted submission; EncryptionError if a required part is missing."""
    try:
        root = SafeElementTree.fromstring(xml)
    except Exception:
        raise EncryptionError(_("The submission is not well-formed XML.")) from None
    values: dict[str, str] = {}
    media: list[str] = []
    instance_id = ""
    for child in root:
        name = _local(child.tag)
        if name == "media":
            for file in child:
                if _local(file.tag) == "file":
                    media.append(_file_name_clean(file.text or ""))
        elif name == "meta":
            for item in child:
                if _local(item.tag) == "instanceID" and not instance_id:
                    instance_id = (item.text or "").strip()
        else:
            values.setdefault(name, (child.text or "").strip())
    missing = [
        name
        for name, value in (
            ("base64EncryptedKey", values.get("base64EncryptedKey")),
            ("encryptedXmlFile", values.get("encryptedXmlFile")),
            ("meta/instanceID", instance_id),
        )
        if not value
    ]
    if missing:
        raise EncryptionError(_("The encrypted submission lacks %(parts)s.") % {"parts": ", ".join(missing)})
    xml_file = _file_name_clean(values["encryptedXmlFile"])
    if xml_file in media or len(set(media)) != len(media):
        raise EncryptionError(_("The encrypted submission names the same file twice."))
    return Envelope(
        xml_form_id=root.get("id", "").strip(),
        version=root.get("version"),
        instance_id=instance_id,
        encrypted_key=values["base64EncryptedKey"],
        xml_file=xml_file,
        media_files=media,
        signature=values.get("base64EncryptedElementSignature", ""),
    )


# --- decryption ----------------------------------------------------------------------------------


@dataclass
class DecryptedInstance:
    xml: bytes
    # (original file name, plaintext) for each media file, in the envelope's order.
    media: list[tuple[str, bytes]]


def iv_sequence(*, instance_id: str, key: bytes, count: int) -> list[bytes]:
    """The IVs of the first `count` files of an instance, as ODK specifies them."""
    seed = bytearray(hashlib.md5(instance_id.encode() + key, usedforsecurity=False).digest())
    ivs = []
    for index in range(count):
        seed[index % IV_BYTES] = (seed[index % IV_BYTES] + 1) % 256
        ivs.append(bytes(seed))
    return ivs


def _file_decrypt(*, key: bytes, iv: bytes, data: bytes) -> bytes | None:
    if not data or len(data) % 16:
        return None  # PKCS#7 output is whole blocks; CFB keeps the length
    decryptor = Cipher(algorithms.AES(key), CFB(iv)).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = symmetric_padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        return None


def _b64decode(text: str) -> bytes | None:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def signature_source(*, envelope: Envelope, digests: list[tuple[str, str]], with_version: bool) -> bytes:
    """The text whose MD5 the phone signs (see the module's docstring)."""
    lines = [envelope.xml_form_id]
    if with_version:
        lines.append(envelope.version or "")
    lines += [envelope.encrypted_key, envelope.instance_id]
    lines += [f"{name}::{digest}" for name, digest in digests]
    return "".join(line + "\n" for line in lines).encode()


def instance_decrypt(
    *, envelope: Envelope, private_key_pem: str, files: dict[str, bytes]
) -> DecryptedInstance:
    """Decrypt the instance and its media, and check the signature. `files` maps each encrypted file
    name of the envelope to its bytes. Raises EncryptionError with a message for the phone."""
    try:
        private = _private_key_load(private_key_pem)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise EncryptionError(_("The form's key cannot be read.")) from None
    wrapped = _b64decode(envelope.encrypted_key)
    key = _rsa_unwrap(private, wrapped) if wrapped else None
    if key is None or len(key) != AES_KEY_BYTES:
        raise EncryptionError(
            _(
                "This submission was encrypted with another key than this form's. "
                "Download the form again; what was filled with the old form cannot be decrypted here."
            )
        )
    ivs = iv_sequence(instance_id=envelope.instance_id, key=key, count=len(envelope.files))
    plaintexts: list[tuple[str, bytes]] = []
    for name, iv in zip(envelope.files, ivs, strict=True):
        data = files.get(name)
        if data is None:
            raise EncryptionError(_("The encrypted file “%(name)s” is missing.") % {"name": name[:100]})
        plain = _file_decrypt(key=key, iv=iv, data=data)
        if plain is None:
            raise EncryptionError(
                _("The encrypted file “%(name)s” is damaged or truncated: send the form again.")
                % {"name": name[:100]}
            )
        plaintexts.append((name[: -len(ENCRYPTED_SUFFIX)], plain))
    _signature_check(envelope=envelope, private=private, plaintexts=plaintexts)
    *media, (_xml_name, xml) = plaintexts
    return DecryptedInstance(xml=xml, media=media)


def _signature_check(
    *, envelope: Envelope, private: rsa.RSAPrivateKey, plaintexts: list[tuple[str, bytes]]
) -> None:
    refused = EncryptionError(
        _("The encrypted submission's signature does not match its content: it was altered or damaged.")
    )
    wrapped = _b64decode(envelope.signature) if envelope.signature else None
    signed = _rsa_unwrap(private, wrapped) if wrapped else None
    if signed is None:
        raise refused
    digests = [(name, hashlib.md5(data, usedforsecurity=False).hexdigest()) for name, data in plaintexts]
    # Collect writes the version line only when the form has a version; an empty version attribute
    # is read both ways.
    variants = [envelope.version is not None]
    if envelope.version == "":
        variants.append(False)
    for with_version in variants:
        source = signature_source(envelope=envelope, digests=digests, with_version=with_version)
        if hmac.compare_digest(hashlib.md5(source, usedforsecurity=False).digest(), signed):
            return
    raise refused
