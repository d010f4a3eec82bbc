"""Encrypted file storage: round trips, tampering, type detection, EXIF removal, attachments."""

from __future__ import annotations

import io
import uuid
import zipfile

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.test import override_settings
from PIL import Image

from kujdes.core.crypto import DecryptionError, KeyHandle
from kujdes.core.files import (
    DOCX,
    JPEG,
    PDF,
    PNG,
    UploadRefused,
    _storage_path,
    attachment_response,
    encrypted_file_read,
    encrypted_file_write,
    upload_check,
)


@pytest.fixture(autouse=True)
def media_in_tmp(tmp_path, settings):  # type: ignore[no-untyped-def]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": tmp_path}},
    }


def handle() -> KeyHandle:
    return KeyHandle(key_id=uuid.uuid4(), _key=AESGCM.generate_key(bit_length=256))


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "CanaryCamera"  # Make
    gps = exif.get_ifd(0x8825)
    gps[2] = (41.0, 19.0, 30.0)  # latitude, near Shkodër
    output = io.BytesIO()
    image.save(output, format="JPEG", exif=exif)
    return output.getvalue()


def docx() -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return output.getvalue()


@pytest.mark.parametrize("size", [0, 1, 65535, 65536, 65537, 200_000])
def test_files_round_trip_at_every_chunk_boundary(size: int) -> None:
    key, file_id = handle(), uuid.uuid4()
    payload = bytes(range(256)) * (size // 256) + bytes(size % 256)
    assert encrypted_file_write(handle=key, file_id=file_id, source=io.BytesIO(payload)) == size
    assert b"".join(encrypted_file_read(handle=key, file_id=file_id)) == payload
    if size > 100:
        assert payload[:100] not in _storage_path(file_id).read_bytes()


def test_a_truncated_or_swapped_file_does_not_open() -> None:
    key, first, second = handle(), uuid.uuid4(), uuid.uuid4()
    encrypted_file_write(handle=key, file_id=first, source=io.BytesIO(b"x" * 150_000))
    encrypted_file_write(handle=key, file_id=second, source=io.BytesIO(b"y" * 150_000))
    path = _storage_path(first)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 30_000])
    with pytest.raises(DecryptionError):
        b"".join(encrypted_file_read(handle=key, file_id=first))
    _storage_path(first).write_bytes(_storage_path(second).read_bytes())
    with pytest.raises(DecryptionError):
        b"".join(encrypted_file_read(handle=key, file_id=first))


def test_another_key_does_not_open_a_file() -> None:
    file_id = uuid.uuid4()
    encrypted_file_write(handle=handle(), file_id=file_id, source=io.BytesIO(b"secret"))
    with pytest.raises(DecryptionError):
        b"".join(encrypted_file_read(handle=handle(), file_id=file_id))


def test_types_are_recognised_by_content_not_by_name() -> None:
    assert upload_check(upload=io.BytesIO(b"%PDF-1.7\n..."), size=12)[0] == PDF
    assert upload_check(upload=io.BytesIO(docx()), size=len(docx()))[0] == DOCX
    for disguised in (
        b"<html><script>alert(1)</script>",
        b"MZ\x90\x00 an executable",
        b"PK\x03\x04broken zip",
    ):
        with pytest.raises(UploadRefused):
            upload_check(upload=io.BytesIO(disguised), size=len(disguised))


def test_photos_lose_their_exif_and_gps_data() -> None:
    original = jpeg_with_gps()
    assert b"CanaryCamera" in original
    content_type, cleaned = upload_check(upload=io.BytesIO(original), size=len(original))
    assert content_type == JPEG and cleaned is not None
    assert b"CanaryCamera" not in cleaned
    with Image.open(io.BytesIO(cleaned)) as image:
        assert not image.getexif().get_ifd(0x8825)
        assert image.size == (40, 30)


def test_png_images_are_re_encoded_too() -> None:
    output = io.BytesIO()
    Image.new("P", (8, 8)).save(output, format="PNG")
    content_type, cleaned = upload_check(upload=io.BytesIO(output.getvalue()), size=len(output.getvalue()))
    assert content_type == PNG and cleaned


@override_settings(UPLOAD_MAX_BYTES=1000)
def test_too_large_and_empty_files_are_refused_with_a_message() -> None:
    with pytest.raises(UploadRefused, match="1 MB|0 MB"):
        upload_check(upload=io.BytesIO(b"%PDF-" + b"x" * 2000), size=2005)
    with pytest.raises(UploadRefused):
        upload_check(upload=io.BytesIO(b""), size=0)


def test_files_are_served_only_as_attachments() -> None:
    key, file_id = handle(), uuid.uuid4()
    encrypted_file_write(handle=key, file_id=file_id, source=io.BytesIO(b"%PDF-1.7 hello"))
    response = attachment_response(handle=key, file_id=file_id, content_type=PDF, filename='a"b<script>.pdf')
    assert response["Content-Disposition"] == 'attachment; filename="abscript.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response.streaming_content) == b"%PDF-1.7 hello"
