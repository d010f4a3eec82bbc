"""Envelope encryption: master key → organisation keys → person keys → values.

- AES-256-GCM everywhere (`cryptography`). Every ciphertext carries a format
  version and the id of its key; associated data binds it to its model,
  field, row and organisation, so a value copied into another row or field
  fails to decrypt.
- The master key lives in a file outside every database (`kujdes keys init`).
  Organisation and person keys live in the key store (`kujdes.core.keystore`),
  apart from the data.
- Blind indexes: HMAC-SHA256 with a per-organisation index key over
  normalised values, for exact-match search without decrypting.
Nothing here is derived from SECRET_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import threading
import unicodedata
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from kujdes.core.keystore import KEYSTORE, InstallationKey, OrganisationKey, SubjectKey

FORMAT = "k1"
NONCE_BYTES = 12


class DecryptionError(Exception):
    """A ciphertext that does not open: wrong row, wrong field, altered, or unknown key."""


class KeyDestroyed(DecryptionError):
    """The person's key was destroyed (erasure): the value is gone for good."""


# --- the master keyring -------------------------------------------------------


@dataclass(frozen=True)
class MasterKey:
    key_id: str
    key: bytes


_TEST_MASTER_KEY = MasterKey(key_id="test", key=os.urandom(32))
_lock = threading.Lock()
_master: list[MasterKey] | None = None
_organisation_keys: dict[tuple[int, int], tuple[bytes, bytes]] = {}
_organisation_ciphers: dict[tuple[int, int], AESGCM] = {}
# The index key never changes with rotation, so it is cached per organisation.
_index_keys: dict[int, bytes] = {}


def master_key_file_create(path: Path) -> MasterKey:
    """Write a new master keyring file (mode 0600). Refuses to overwrite one."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = MasterKey(key_id=secrets.token_hex(4), key=AESGCM.generate_key(bit_length=256))
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write("# Kujdes master keyring: keep it outside the database and its backups.\n")
        handle.write(f"{key.key_id}:{base64.b64encode(key.key).decode()}\n")
    return key


def _master_keyring() -> list[MasterKey]:
    global _master
    if _master is None:
        with _lock:
            if _master is None:
                _master = _master_keyring_load()
    return _master


def _master_keyring_load() -> list[MasterKey]:
    path = Path(settings.MASTER_KEY_FILE)
    if not path.exists():
        if settings.TESTING:
            # Tests get a throwaway key that never touches the disk (one per process).
            return [_TEST_MASTER_KEY]
        raise ImproperlyConfigured(
            f"No master key at {path}. Create one with `kujdes keys init` or set KUJDES_MASTER_KEY_FILE."
        )
    keys = []
    for line in path.read_text(encoding="ascii").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        key_id, _sep, encoded = line.partition(":")
        key = base64.b64decode(encoded)
        if len(key) != 32:
            raise ImproperlyConfigured(f"The master key file {path} is damaged (key {key_id}).")
        keys.append(MasterKey(key_id=key_id, key=key))
    if not keys:
        raise ImproperlyConfigured(f"The master key file {path} holds no key.")
    return keys


def master_key_check() -> None:
    """Raise ImproperlyConfigured unless the master key can be read (start-up check)."""
    _master_keyring()


def _master_key(key_id: str | None = None) -> MasterKey:
    keyring = _master_keyring()
    if key_id is None:
        return keyring[-1]
    for key in keyring:
        if key.key_id == key_id:
            return key
    raise DecryptionError(f"master key {key_id} is not in the keyring")


def caches_clear() -> None:
    """Forget unwrapped keys (tests; after rotation or erasure in this process)."""
    global _master
    with _lock:
        _organisation_keys.clear()
        _organisation_ciphers.clear()
        _index_keys.clear()
        _master = None


# --- installation secrets (second-factor seeds) -------------------------------

_SECRET_FORMAT = "s1"


def _secrets_key(master: MasterKey) -> bytes:
    # A purpose-bound key from the master key (HKDF); never used for anything else.
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kujdes/installation-secrets").derive(
        master.key
    )


def installation_secret_seal(*, plaintext: str, purpose: str) -> str:
    """Encrypt a secret of the installation itself (e.g. a TOTP seed) under the master key."""
    master = _master_key()
    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(_secrets_key(master)).encrypt(nonce, plaintext.encode(), f"kujdes/{purpose}".encode())
    return f"{_SECRET_FORMAT}:{master.key_id}:{base64.b64encode(nonce + sealed).decode()}"


def installation_secret_open(*, token: str, purpose: str) -> str:
    """The plaintext of `installation_secret_seal`; values stored before encryption pass through."""
    if not token.startswith(f"{_SECRET_FORMAT}:"):
        return token
    _format, key_id, payload = token.split(":", 2)
    raw = base64.b64decode(payload)
    try:
        plain = AESGCM(_secrets_key(_master_key(key_id))).decrypt(
            raw[:NONCE_BYTES], raw[NONCE_BYTES:], f"kujdes/{purpose}".encode()
        )
    except InvalidTag:
        raise DecryptionError("an installation secret does not open") from None
    return plain.decode()


# --- organisation keys --------------------------------------------------------


def _org_aad(organisation_id: int, version: int, purpose: str) -> bytes:
    return f"kujdes/organisation-key|{purpose}|{organisation_id}|{version}".encode()


def _wrap(key: bytes, secret: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, secret, aad)


def _unwrap(key: bytes, wrapped: bytes, aad: bytes) -> bytes:
    try:
        return AESGCM(key).decrypt(bytes(wrapped[:NONCE_BYTES]), bytes(wrapped[NONCE_BYTES:]), aad)
    except InvalidTag:
        raise DecryptionError("a wrapped key does not open") from None


def organisation_key_create(*, organisation_id: int) -> OrganisationKey:
    """Version 1 of a new organisation's keys (idempotent)."""
    existing = OrganisationKey.objects.filter(organisation_id=organisation_id).order_by("-version").first()
    if existing is not None:
        return existing
    # A new key for an id whose keys are cached: the id was reused (a rolled-back test, a restore
    # into an emptied database). The cached keys are someone else's now.
    with _lock:
        for cache in (_organisation_keys, _organisation_ciphers):
            for cached in [k for k in cache if k[0] == organisation_id]:
                del cache[cached]
        _index_keys.pop(organisation_id, None)
    master = _master_key()
    return OrganisationKey.objects.create(
        organisation_id=organisation_id,
        version=1,
        master_key_id=master.key_id,
        wrapped_data_key=_wrap(master.key, AESGCM.generate_key(256), _org_aad(organisation_id, 1, "data")),
        wrapped_index_key=_wrap(master.key, secrets.token_bytes(32), _org_aad(organisation_id, 1, "index")),
    )


def _organisation_keys_get(organisation_id: int, version: int | None = None) -> tuple[int, bytes, bytes]:
    """(version, data key, index key); the newest version unless one is named."""
    if version is not None and (organisation_id, version) in _organisation_keys:
        return (version, *_organisation_keys[(organisation_id, version)])
    rows = OrganisationKey.objects.filter(organisation_id=organisation_id)
    row = rows.filter(version=version).first() if version is not None else rows.order_by("-version").first()
    if row is None:
        row = organisation_key_create(organisation_id=organisation_id) if version is None else None
        if row is None:
            raise DecryptionError(f"organisation {organisation_id} has no key version {version}")
    master = _master_key(row.master_key_id)
    keys = (
        _unwrap(master.key, row.wrapped_data_key, _org_aad(organisation_id, row.version, "data")),
        _unwrap(master.key, row.wrapped_index_key, _org_aad(organisation_id, row.version, "index")),
    )
    _organisation_keys[(organisation_id, row.version)] = keys
    return (row.version, *keys)


def organisation_key_rotate(*, organisation_id: int) -> int:
    """A new data-key version; every person key is re-wrapped under it. Returns the new version.

    Values are encrypted with person keys, which do not change, so nothing
    needs re-encrypting and old ciphertexts stay readable throughout. The
    index key is carried over (blind indexes stay valid).
    """
    with transaction.atomic(using=KEYSTORE):
        current, _data_key, index_key = _organisation_keys_get(organisation_id)
        master = _master_key()
        version = current + 1
        new_data_key = AESGCM.generate_key(256)
        OrganisationKey.objects.create(
            organisation_id=organisation_id,
            version=version,
            master_key_id=master.key_id,
            wrapped_data_key=_wrap(master.key, new_data_key, _org_aad(organisation_id, version, "data")),
            wrapped_index_key=_wrap(master.key, index_key, _org_aad(organisation_id, version, "index")),
        )
        subject_keys = SubjectKey.objects.select_for_update().filter(
            organisation_id=organisation_id, destroyed_at__isnull=True
        )
        for subject in subject_keys.iterator(chunk_size=1000):
            key = _subject_key_unwrap(subject)
            subject.wrapped_key = _wrap(new_data_key, key, _subject_aad(subject))
            subject.organisation_key_version = version
            subject.save(update_fields=["wrapped_key", "organisation_key_version"])
    return version


# --- person (subject) keys ----------------------------------------------------


def _subject_aad(subject: SubjectKey) -> bytes:
    return f"kujdes/subject-key|{subject.organisation_id}|{subject.public_id}".encode()


def _subject_key_new(*, organisation_id: int, version: int, data_key: bytes) -> SubjectKey:
    subject = SubjectKey(organisation_id=organisation_id, organisation_key_version=version)
    subject.wrapped_key = _wrap(data_key, AESGCM.generate_key(256), _subject_aad(subject))
    return subject


def subject_key_create(*, organisation_id: int) -> SubjectKey:
    """A new person key, saved in the key store (inside `subject_keys_reserved`: one made beforehand)."""
    reserve = _reserves().get(organisation_id)
    if reserve is not None:
        return reserve.take()
    version, data_key, _index_key = _organisation_keys_get(organisation_id)
    subject = _subject_key_new(organisation_id=organisation_id, version=version, data_key=data_key)
    subject.save(using=KEYSTORE)
    return subject


class _Reserve:
    """Person keys of one organisation made ahead, `count` at a time, for one thread."""

    def __init__(self, organisation_id: int, count: int) -> None:
        self.organisation_id, self.count = organisation_id, count
        self.ready: list[SubjectKey] = []

    def take(self) -> SubjectKey:
        if not self.ready:
            self.ready = subject_keys_create(organisation_id=self.organisation_id, count=self.count)
            self.ready.reverse()
        return self.ready.pop()


_reserve_state = threading.local()


def _reserves() -> dict[int, _Reserve]:
    reserves = getattr(_reserve_state, "reserves", None)
    if reserves is None:
        reserves = _reserve_state.reserves = {}
    return reserves


@contextmanager
def subject_keys_reserved(*, organisation_id: int, count: int = 100) -> Iterator[None]:
    """Inside the block, `subject_key_create` for the organisation (in this thread) hands out keys
    made `count` at a time, in one write to the key store, instead of one write and one key-store
    commit per key: an import registers thousands of persons, and on a SQLite key store each commit
    waits for the disk.

    Nothing else changes: every person still gets a fresh key of their own, and each key is in the
    key store (committed) before the row that names it is written, as with one key at a time. Keys
    not handed out are deleted when the block ends; nothing was ever encrypted with them.
    """
    reserves = _reserves()
    if organisation_id in reserves:  # nested: the outer block's reserve serves
        yield
        return
    reserve = reserves[organisation_id] = _Reserve(organisation_id, max(1, count))
    try:
        yield
    finally:
        del reserves[organisation_id]
        unused = [subject.public_id for subject in reserve.ready]
        if unused:
            SubjectKey.objects.filter(public_id__in=unused, destroyed_at__isnull=True).delete()


def subject_keys_create(*, organisation_id: int, count: int) -> list[SubjectKey]:
    """`count` new person keys of one organisation, saved in bulk (seeding and imports)."""
    version, data_key, _index_key = _organisation_keys_get(organisation_id)
    subjects = [
        _subject_key_new(organisation_id=organisation_id, version=version, data_key=data_key)
        for _ in range(count)
    ]
    with transaction.atomic(using=KEYSTORE):
        SubjectKey.objects.bulk_create(subjects, batch_size=1000)
    return subjects


def _subject_key_unwrap(subject: SubjectKey) -> bytes:
    if subject.destroyed_at is not None or subject.wrapped_key is None:
        raise KeyDestroyed(f"key {subject.public_id} was destroyed")
    cache_key = (subject.organisation_id, subject.organisation_key_version)
    aead = _organisation_ciphers.get(cache_key)
    if aead is None:
        _version, data_key, _index_key = _organisation_keys_get(*cache_key)
        aead = _organisation_ciphers[cache_key] = AESGCM(data_key)
    wrapped = bytes(subject.wrapped_key)
    try:
        return aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], _subject_aad(subject))
    except InvalidTag:
        raise DecryptionError("a wrapped key does not open") from None


def subject_keys_load(key_ids: set[uuid.UUID]) -> dict[uuid.UUID, SubjectKey]:
    """The subject keys with these ids, in one query (a page of 50 rows → one query)."""
    return {key.public_id: key for key in SubjectKey.objects.filter(public_id__in=key_ids)}


def subject_key_destroy(*, key_id: uuid.UUID) -> None:
    """Crypto-shredding: the wrapped key is overwritten and gone, here and for every backup of the data."""
    SubjectKey.objects.filter(public_id=key_id).update(wrapped_key=None, destroyed_at=timezone.now())


# --- values -------------------------------------------------------------------


@dataclass
class KeyHandle:
    """A person key as a value needs it: loaded lazily, unwrapped once."""

    key_id: uuid.UUID
    record: SubjectKey | None = None
    _key: bytes | None = None
    _aead: AESGCM | None = None

    def key(self) -> bytes:
        if self._key is None:
            record = self.record or SubjectKey.objects.filter(public_id=self.key_id).first()
            if record is None:
                raise KeyDestroyed(f"key {self.key_id} does not exist")
            self._key = _subject_key_unwrap(record)
        return self._key

    def __getstate__(self) -> dict[str, object]:
        # Copies and pickles (test data, caches) never carry an unwrapped key.
        return {"key_id": self.key_id, "record": self.record, "_key": None, "_aead": None}

    def aead(self) -> AESGCM:
        """The cipher for this key, built once (a page decrypts several values per person)."""
        if self._aead is None:
            self._aead = AESGCM(self.key())
        return self._aead


def seal(*, handle: KeyHandle, plaintext: bytes, aad: bytes) -> str:
    nonce = os.urandom(NONCE_BYTES)
    ciphertext = handle.aead().encrypt(nonce, plaintext, aad)
    return f"{FORMAT}:{handle.key_id.hex}:{base64.b64encode(nonce + ciphertext).decode()}"


def token_key_id(token: str) -> uuid.UUID:
    try:
        version, key_hex, _payload = token.split(":", 2)
        if version != FORMAT:
            raise ValueError(version)
        return uuid.UUID(hex=key_hex)
    except ValueError:
        raise DecryptionError("not a Kujdes ciphertext") from None


def open_sealed(*, handle: KeyHandle, token: str, aad: bytes) -> bytes:
    if token_key_id(token) != handle.key_id:
        raise DecryptionError("the ciphertext belongs to another key")
    raw = base64.b64decode(token.split(":", 2)[2])
    try:
        return handle.aead().decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], aad)
    except InvalidTag:
        raise DecryptionError("the ciphertext does not belong here or was altered") from None


def value_aad(*, label: str, field: str, row_id: uuid.UUID, organisation_id: int) -> bytes:
    return f"kujdes/value|{label}|{field}|{row_id}|{organisation_id}".encode()


# --- blind indexes ------------------------------------------------------------


def normalise_text(value: str) -> str:
    """NFKC, case-folded, diacritics removed (ë→e, ç→c), whitespace collapsed."""
    text = unicodedata.normalize("NFKC", value).casefold()
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    # ß and the like survive NFKD: casefold already mapped them; ø, đ, ł have no decomposition.
    stripped = stripped.translate(_EXTRA_FOLDS)
    return " ".join(unicodedata.normalize("NFKC", stripped).split())


_EXTRA_FOLDS = str.maketrans({"ø": "o", "đ": "d", "ł": "l", "ı": "i", "æ": "ae", "œ": "oe"})


def name_tokens(value: str) -> list[str]:
    """Searchable tokens of a name: normalised words, split on spaces, hyphens and apostrophes."""
    text = normalise_text(value)
    for separator in "-'’.,":
        text = text.replace(separator, " ")
    return sorted({token for token in text.split() if token})


def normalise_phone(value: str) -> str:
    """Digits only, without an international prefix or trunk zero; the last 9 digits compared."""
    digits = "".join(ch for ch in unicodedata.normalize("NFKC", value) if ch.isdigit())
    if digits.startswith("00"):
        digits = digits[2:]
    return digits.lstrip("0")[-9:]


def normalise_identifier(value: str) -> str:
    """ID and passport numbers: letters and digits only, upper case."""
    return "".join(ch for ch in normalise_text(value) if ch.isalnum()).upper()


def blind_index(*, organisation_id: int, kind: str, normalised: str) -> str:
    """Keyed HMAC of a normalised value, per organisation and kind. Never for low-entropy fields."""
    index_key = _index_keys.get(organisation_id)
    if index_key is None:
        _version, _data_key, index_key = _organisation_keys_get(organisation_id)
        _index_keys[organisation_id] = index_key
    message = f"{kind}\x00{normalised}".encode()
    return hmac.new(index_key, message, hashlib.sha256).hexdigest()


# --- installation keys (federation) -------------------------------------------


def _installation_aad(key_id: str, purpose: str) -> bytes:
    return f"kujdes/installation-key|{purpose}|{key_id}".encode()


@dataclass(frozen=True)
class InstallationKeyPair:
    """One generation of the installation's keys, private halves unwrapped (in memory only)."""

    key_id: str
    signing: Ed25519PrivateKey
    encryption: X25519PrivateKey


def installation_key_create() -> InstallationKey:
    """A new generation of the installation's Ed25519 signing and X25519 encryption keys."""
    master = _master_key()
    key_id = secrets.token_hex(8)
    signing = Ed25519PrivateKey.generate()
    encryption = X25519PrivateKey.generate()
    raw = serialization.Encoding.Raw
    private = serialization.PrivateFormat.Raw
    public = serialization.PublicFormat.Raw
    none = serialization.NoEncryption()
    return InstallationKey.objects.create(
        key_id=key_id,
        master_key_id=master.key_id,
        signing_public=signing.public_key().public_bytes(raw, public),
        encryption_public=encryption.public_key().public_bytes(raw, public),
        wrapped_signing_private=_wrap(
            master.key, signing.private_bytes(raw, private, none), _installation_aad(key_id, "signing")
        ),
        wrapped_encryption_private=_wrap(
            master.key, encryption.private_bytes(raw, private, none), _installation_aad(key_id, "encryption")
        ),
    )


def installation_keys() -> list[InstallationKey]:
    """Every generation still usable, newest first (the first is the current one)."""
    now = timezone.now()
    rows = InstallationKey.objects.filter(wrapped_signing_private__isnull=False).order_by(
        "-created_at", "-pk"
    )
    return [row for row in rows if row.usable_until is None or row.usable_until > now]


def installation_key_unwrap(row: InstallationKey) -> InstallationKeyPair:
    """The private halves of one generation (never written anywhere unwrapped)."""
    if row.wrapped_signing_private is None or row.wrapped_encryption_private is None:
        raise KeyDestroyed(f"installation key {row.key_id} was retired")
    master = _master_key(row.master_key_id)
    signing = _unwrap(
        master.key, bytes(row.wrapped_signing_private), _installation_aad(row.key_id, "signing")
    )
    encryption = _unwrap(
        master.key, bytes(row.wrapped_encryption_private), _installation_aad(row.key_id, "encryption")
    )
    return InstallationKeyPair(
        key_id=row.key_id,
        signing=Ed25519PrivateKey.from_private_bytes(signing),
        encryption=X25519PrivateKey.from_private_bytes(encryption),
    )


def installation_keys_retire_expired() -> int:
    """Destroy the private halves of generations past their grace period. Returns how many."""
    return InstallationKey.objects.filter(
        usable_until__lte=timezone.now(), wrapped_signing_private__isnull=False
    ).update(wrapped_signing_private=None, wrapped_encryption_private=None)
