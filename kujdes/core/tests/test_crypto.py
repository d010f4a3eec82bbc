"""Envelope encryption, associated data, normalisers, rotation and crypto-shredding."""

from __future__ import annotations

import base64
import copy
import datetime
import pickle
import uuid

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st

from kujdes.core import crypto
from kujdes.core.crypto import (
    DecryptionError,
    KeyHandle,
    name_tokens,
    normalise_phone,
    normalise_text,
    open_sealed,
    seal,
    value_aad,
)
from kujdes.core.keystore import SubjectKey
from kujdes.core.scoping import system_scope
from kujdes.core.tests.base import BaseTestCase
from kujdes.people.models import Person
from kujdes.people.selectors import person_search, persons_with_keys
from kujdes.people.services import person_create, person_erase

ROW = uuid.UUID("00000000-0000-4000-8000-000000000001")


def _handle() -> KeyHandle:
    # A person key in memory: the properties of seal/open need no database.
    return KeyHandle(key_id=uuid.uuid4(), _key=AESGCM.generate_key(bit_length=256))


def _aad(field: str = "given_name", row: uuid.UUID = ROW, organisation_id: int = 1) -> bytes:
    return value_aad(label="people.person", field=field, row_id=row, organisation_id=organisation_id)


@settings(max_examples=80, deadline=None)
@given(plaintext=st.binary(max_size=2000))
def test_values_round_trip(plaintext: bytes) -> None:
    handle = _handle()
    token = seal(handle=handle, plaintext=plaintext, aad=_aad())
    assert token.startswith(f"k1:{handle.key_id.hex}:")
    assert open_sealed(handle=handle, token=token, aad=_aad()) == plaintext


@settings(max_examples=40, deadline=None)
@given(
    plaintext=st.text(min_size=1, max_size=200),
    field=st.sampled_from(["family_name", "address", "phones"]),
    organisation_id=st.integers(min_value=2, max_value=10**9),
)
def test_a_ciphertext_does_not_open_in_another_field_row_or_organisation(
    plaintext: str, field: str, organisation_id: int
) -> None:
    handle = _handle()
    token = seal(handle=handle, plaintext=plaintext.encode(), aad=_aad())
    for wrong in (_aad(field=field), _aad(row=uuid.uuid4()), _aad(organisation_id=organisation_id)):
        with pytest.raises(DecryptionError):
            open_sealed(handle=handle, token=token, aad=wrong)


def test_a_ciphertext_does_not_open_with_another_persons_key() -> None:
    token = seal(handle=_handle(), plaintext=b"Arta", aad=_aad())
    with pytest.raises(DecryptionError):
        open_sealed(handle=_handle(), token=token, aad=_aad())


@settings(max_examples=40, deadline=None)
@given(position=st.integers(min_value=0, max_value=40))
def test_an_altered_ciphertext_is_refused(position: int) -> None:
    handle = _handle()
    token = seal(handle=handle, plaintext=b"Arta Cela", aad=_aad())
    prefix, payload = token.rsplit(":", 1)
    raw = bytearray(base64.b64decode(payload))
    raw[position % len(raw)] ^= 0x01
    with pytest.raises(DecryptionError):
        open_sealed(handle=handle, token=f"{prefix}:{base64.b64encode(bytes(raw)).decode()}", aad=_aad())


def test_albanian_letters_fold_to_their_base() -> None:
    assert normalise_text("  Dëshirë   ÇELA ") == "deshire cela"
    assert name_tokens("Marie-Ëlla O’Çela") == ["cela", "ella", "marie", "o"]


def test_phone_numbers_compare_without_prefixes() -> None:
    assert normalise_phone("+355 69 123 4567") == normalise_phone("0691234567")
    assert normalise_phone("00355691234567") == normalise_phone("069 123 45 67")


@given(st.text(max_size=60))
def test_normalising_is_idempotent(text: str) -> None:
    once = normalise_text(text)
    assert normalise_text(once) == once
    assert once == " ".join(once.split())


@given(st.text(alphabet="abcçdeëfghijklmnopqrstuvxyzABCÇDEËFGHIJKLMNOPQRSTUVXYZ ", min_size=1, max_size=30))
def test_case_and_diacritics_do_not_matter(word: str) -> None:
    plain = word.replace("ë", "e").replace("Ë", "E").replace("ç", "c").replace("Ç", "C")
    assert normalise_text(word) == normalise_text(plain.upper())


class PersonEncryptionTests(BaseTestCase):
    def create(self, **identity):  # type: ignore[no-untyped-def]
        data = {
            "given_name": "Arta",
            "family_name": "Çela",
            "other_names": ["Artë Çeli"],
            "date_of_birth": datetime.date(2009, 4, 17),
            "id_documents": [{"type": "passport", "number": "BA 1234567"}],
            "phones": ["+355 69 123 4567"],
            "address": "Rruga e Kishës 7, Shkodër",
            "sex": "Feminine",
            "municipality": "Shkodër",
        }
        data.update(identity)
        with system_scope():
            return person_create(actor=self.alice, unit=self.diocese_a, **data)

    def reload(self, person: Person) -> Person:
        with system_scope():
            return Person.objects.get(pk=person.pk)

    def test_identity_is_stored_encrypted_and_read_back(self) -> None:
        person = self.create()
        with system_scope(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT given_name, family_name, address FROM people_person WHERE id = %s", [person.pk]
            )
            row = cursor.fetchone()
        for column in row:
            self.assertTrue(column.startswith("k1:"))
        self.assertNotIn("Arta", " ".join(row))
        loaded = self.reload(person)
        self.assertEqual(loaded.given_name, "Arta")
        self.assertEqual(loaded.date_of_birth, datetime.date(2009, 4, 17))
        self.assertEqual(loaded.id_documents, [{"number": "BA 1234567", "type": "passport"}])
        self.assertEqual((loaded.birth_year, loaded.sex), (2009, "Feminine"))

    def test_a_page_of_persons_decrypts_lazily_with_one_key_query(self) -> None:
        for index in range(5):
            self.create(given_name=f"Arta{index}")
        with system_scope():
            persons = list(Person.objects.filter(organisation=self.org))
        with self.assertNumQueries(1, using="keys"), self.assertNumQueries(0, using="default"):
            persons_with_keys(persons)
            names = sorted(person.given_name for person in persons)
        self.assertEqual(names, [f"Arta{index}" for index in range(5)])
        # Only what was read was opened.
        self.assertFalse(persons[0].__dict__["address"].opened)

    def test_search_finds_across_diacritics_phones_and_documents(self) -> None:
        person = self.create()
        self.create(
            given_name="Blerta", family_name="Hoxha", other_names=[], phones=["0682223333"], id_documents=[]
        )
        with system_scope():
            for query in ("cela", "ÇELA arta", "arte celi", "069 123 4567", "ba1234567"):
                with self.subTest(query=query):
                    self.assertEqual(list(person_search(actor=self.alice, query=query)), [person])
            self.assertEqual(list(person_search(actor=self.alice, query="arta hoxha")), [])

    def test_charlie_does_not_find_alices_person(self) -> None:
        self.create()
        with system_scope():
            self.assertEqual(list(person_search(actor=self.charlie, query="arta")), [])
            self.assertEqual(list(person_search(actor=self.dave, query="arta")), [])

    def test_rotation_keeps_every_value_readable(self) -> None:
        from io import StringIO

        from django.core.management import call_command

        person = self.create()
        call_command("keys", "rotate", "--organisation", "al", stdout=StringIO())
        crypto.caches_clear()
        later = self.create(given_name="Drita")
        self.assertEqual(self.reload(person).given_name, "Arta")
        self.assertEqual(self.reload(later).given_name, "Drita")
        with system_scope():
            self.assertEqual(list(person_search(actor=self.alice, query="arta")), [person])
        versions = set(
            SubjectKey.objects.filter(organisation_id=self.org.pk).values_list(
                "organisation_key_version", flat=True
            )
        )
        self.assertEqual(versions, {2})

    def test_erasure_makes_the_identity_unreadable_and_keeps_the_statistics(self) -> None:
        person = self.create()
        with system_scope(), connection.cursor() as cursor:
            cursor.execute("SELECT given_name FROM people_person WHERE id = %s", [person.pk])
            token_before = cursor.fetchone()[0]
        with system_scope():
            person_erase(actor=self.admin, person=self.reload(person), reason_code="subject_request")
        erased = self.reload(person)
        self.assertIsNone(erased.given_name)
        self.assertEqual((erased.sex, erased.birth_year, erased.municipality), ("Feminine", 2009, "Shkodër"))
        with system_scope():
            self.assertEqual(list(person_search(actor=self.alice, query="arta")), [])
        # A copy of the old ciphertext (as in a backup taken before) no longer opens.
        with self.assertRaises(crypto.KeyDestroyed):
            open_sealed(
                handle=KeyHandle(key_id=person.key_id),
                token=token_before,
                aad=value_aad(
                    label="people.person",
                    field="given_name",
                    row_id=person.public_id,
                    organisation_id=self.org.pk,
                ),
            )

    def test_reserved_keys_are_written_to_the_key_store_a_batch_at_a_time(self) -> None:
        keys = connections["keys"]
        with crypto.subject_keys_reserved(organisation_id=self.org.pk, count=4):
            with CaptureQueriesContext(keys) as first:
                persons = [self.create(given_name=f"Arta{index}") for index in range(4)]
            with CaptureQueriesContext(keys) as second:
                persons.append(self.create(given_name="Drita"))  # the next batch
        inserts = [[q for q in c if q["sql"].startswith("INSERT")] for c in (first, second)]
        self.assertEqual([len(found) for found in inserts], [1, 1])
        self.assertEqual(inserts[0][0]["sql"].count("), ("), 3)  # four keys in one insert
        self.assertEqual(len({person.key_id for person in persons}), 5)
        crypto.caches_clear()
        names = [self.reload(person).given_name for person in persons]
        self.assertEqual(names, ["Arta0", "Arta1", "Arta2", "Arta3", "Drita"])

    def test_keys_reserved_and_not_handed_out_are_deleted_when_the_block_ends(self) -> None:
        before = SubjectKey.objects.count()
        with crypto.subject_keys_reserved(organisation_id=self.org.pk, count=10):
            person = self.create()
            self.assertEqual(SubjectKey.objects.count(), before + 10)
        self.assertEqual(SubjectKey.objects.count(), before + 1)
        self.assertTrue(SubjectKey.objects.filter(public_id=person.key_id).exists())

    def test_a_reserve_serves_only_its_organisation_and_its_block(self) -> None:
        mine = SubjectKey.objects.filter(organisation_id=self.org.pk)
        theirs = SubjectKey.objects.filter(organisation_id=self.other_org.pk)
        before = (mine.count(), theirs.count())
        with crypto.subject_keys_reserved(organisation_id=self.other_org.pk, count=10):
            crypto.subject_key_create(organisation_id=self.org.pk)  # saved on its own, as always
            self.assertEqual((mine.count(), theirs.count()), (before[0] + 1, before[1]))
        crypto.subject_key_create(organisation_id=self.other_org.pk)
        self.assertEqual((mine.count(), theirs.count()), (before[0] + 1, before[1] + 1))
        self.assertEqual(crypto._reserves(), {})

    def test_erasing_a_person_registered_from_a_reserve_destroys_only_their_key(self) -> None:
        with crypto.subject_keys_reserved(organisation_id=self.org.pk, count=5):
            erased, kept = self.create(), self.create(given_name="Drita")
        with system_scope():
            person_erase(actor=self.admin, person=self.reload(erased), reason_code="subject_request")
        crypto.caches_clear()
        self.assertIsNone(self.reload(erased).given_name)
        self.assertEqual(self.reload(kept).given_name, "Drita")


def test_a_key_handle_is_copied_and_pickled_without_its_key():
    handle = KeyHandle(key_id=uuid.uuid4(), _key=AESGCM.generate_key(bit_length=256))
    handle.aead()
    for clone in (copy.deepcopy(handle), pickle.loads(pickle.dumps(handle))):  # noqa: S301 - our own bytes
        assert clone.key_id == handle.key_id
        assert clone._key is None and clone._aead is None
