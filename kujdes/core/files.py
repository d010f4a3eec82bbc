"""Encrypted file storage for documents and photos.

Files are encrypted with their person's key in 64 KiB AES-GCM chunks (the
associated data binds each chunk to its file, its position and whether it is
the last one: reordered, truncated or swapped files do not open). Types are
recognised by content, not by name; photos lose their EXIF/GPS data; files
are only ever served as attachments.
"""

from __future__ import annotations

import io
import os
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils.translation import gettext as _

from kujdes.core.crypto import DecryptionError, KeyHandle

MAGIC = b"KJF1"
CHUNK = 64 * 1024
TAG = 16

PDF, PNG, JPEG, WEBP = "application/pdf", "image/png", "image/jpeg", "image/webp"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT, ODS = "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet"
DOCUMENT_TYPES = frozenset({PDF, PNG, JPEG, WEBP, DOCX, XLSX, ODT, ODS})
IMAGE_TYPES = frozenset({PNG, JPEG, WEBP})
EXTENSIONS = {
    PDF: "pdf",
    PNG: "png",
    JPEG: "jpg",
    WEBP: "webp",
    DOCX: "docx",
    XLSX: "xlsx",
    ODT: "odt",
    ODS: "ods",
}


class UploadRefused(ValueError):
    """A file that may not be stored; the message is for the user, translated."""


def content_type_detect(head: bytes, stream: IO[bytes]) -> str | None:
    """The type of a file from its first bytes (and, for office files, its ZIP directory)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"PK\x03\x04"):
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as archive:
                names = set(archive.namelist())
                if "mimetype" in names:
                    declared = archive.read("mimetype").decode("ascii", errors="replace").strip()
                    return declared if declared in (ODT, ODS) else None
                if "[Content_Types].xml" in names:
                    if any(name.startswith("word/") for name in names):
                        return DOCX
                    if any(name.startswith("xl/") for name in names):
                        return XLSX
        except zipfile.BadZipFile:
            return None
    return None


def image_metadata_strip(data: bytes, content_type: str) -> bytes:
    """Re-encode an image without EXIF, GPS or other metadata (keeping its orientation)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            # Only the pixels are carried over: no EXIF, GPS, comments or profiles.
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            palette = image.getpalette() if image.mode == "P" else None
            if palette:
                clean.putpalette(palette)
            output = io.BytesIO()
            fmt = {PNG: "PNG", JPEG: "JPEG", WEBP: "WEBP"}[content_type]
            options = {"quality": 90} if fmt in {"JPEG", "WEBP"} else {}
            clean.save(output, format=fmt, **options)
            return output.getvalue()
    except (UnidentifiedImageError, OSError, ValueError):
        raise UploadRefused(_("This image is damaged and cannot be stored.")) from None


def _chunk_aad(file_id: uuid.UUID, index: int, last: bool) -> bytes:
    return f"kujdes/file|{file_id}|{index}|{'last' if last else 'more'}".encode()


def _storage_path(file_id: uuid.UUID) -> Path:
    root = Path(settings.STORAGES["default"]["OPTIONS"]["location"]) / "files"
    return root / file_id.hex[:2] / file_id.hex


def encrypted_file_write(*, handle: KeyHandle, file_id: uuid.UUID, source: IO[bytes]) -> int:
    """Encrypt `source` chunk by chunk to the file's place; returns the plaintext size."""
    aead = AESGCM(handle.key())
    prefix = os.urandom(8)
    path = _storage_path(file_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    size, index = 0, 0
    temporary = path.with_suffix(".part")
    with temporary.open("wb") as target:
        target.write(MAGIC + prefix)
        chunk = source.read(CHUNK)
        while True:
            following = source.read(CHUNK)
            last = not following
            nonce = prefix + index.to_bytes(4, "big")
            target.write(aead.encrypt(nonce, chunk, _chunk_aad(file_id, index, last)))
            size += len(chunk)
            if last:
                break
            chunk, index = following, index + 1
    temporary.replace(path)
    return size


def encrypted_file_read(*, handle: KeyHandle, file_id: uuid.UUID) -> Iterator[bytes]:
    """The plaintext, chunk by chunk. Raises DecryptionError if the file was altered or truncated."""
    aead = AESGCM(handle.key())
    with _storage_path(file_id).open("rb") as source:
        header = source.read(len(MAGIC) + 8)
        if header[: len(MAGIC)] != MAGIC:
            raise DecryptionError("not a Kujdes file")
        prefix, index = header[len(MAGIC) :], 0
        sealed = source.read(CHUNK + TAG)
        while True:
            following = source.read(CHUNK + TAG)
            last = not following
            try:
                yield aead.decrypt(
                    prefix + index.to_bytes(4, "big"), sealed, _chunk_aad(file_id, index, last)
                )
            except InvalidTag:
                raise DecryptionError("the file was altered, truncated or belongs elsewhere") from None
            if last:
                return
            sealed, index = following, index + 1


def encrypted_file_delete(*, file_id: uuid.UUID) -> None:
    _storage_path(file_id).unlink(missing_ok=True)


def upload_check(
    *, upload: IO[bytes], size: int, allowed: frozenset[str] = DOCUMENT_TYPES
) -> tuple[str, bytes | None]:
    """(content type, replacement bytes for images) for an acceptable upload; UploadRefused otherwise."""
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadRefused(
            _("The file is too large (%(size)s MB). The limit is %(limit)s MB.")
            % {"size": round(size / 1_000_000, 1), "limit": round(limit / 1_000_000)}
        )
    if size == 0:
        raise UploadRefused(_("The file is empty."))
    upload.seek(0)
    head = upload.read(16)
    content_type = content_type_detect(head, upload)
    upload.seek(0)
    if content_type is None or content_type not in allowed:
        raise UploadRefused(
            _("This kind of file cannot be stored. Use PDF, JPEG, PNG, WEBP, DOCX, XLSX, ODT or ODS.")
        )
    if content_type in IMAGE_TYPES:
        return content_type, image_metadata_strip(upload.read(), content_type)
    return content_type, None


def attachment_response(
    *, handle: KeyHandle, file_id: uuid.UUID, content_type: str, filename: str
) -> StreamingHttpResponse:
    """A download that the browser saves instead of rendering. The key is unwrapped before streaming
    starts, because the body is read after the request's tenant scope has closed."""
    handle.key()
    response = StreamingHttpResponse(
        encrypted_file_read(handle=handle, file_id=file_id), content_type=content_type
    )
    safe = "".join(ch for ch in filename if ch.isalnum() or ch in "._- ")[:100] or "document"
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
