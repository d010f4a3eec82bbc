"""What a practice's document may be: kujdes.core.files' checks, plus presentations (PPTX, ODP)."""

from __future__ import annotations

import zipfile
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _

from kujdes.core.files import IMAGE_TYPES, UploadRefused, content_type_detect, image_metadata_strip

PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODP = "application/vnd.oasis.opendocument.presentation"


def _presentation_detect(stream: IO[bytes]) -> str | None:
    stream.seek(0)
    if stream.read(4) != b"PK\x03\x04":
        return None
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "mimetype" in names and archive.read("mimetype").decode("ascii", "replace").strip() == ODP:
                return ODP
            if "[Content_Types].xml" in names and any(n.startswith("ppt/") for n in names):
                return PPTX
    except zipfile.BadZipFile:
        return None
    return None


def practice_upload_check(*, upload: IO[bytes], size: int) -> tuple[str, bytes | None]:
    """(content type, replacement bytes for images); UploadRefused with a message for the user.

    The type comes from the content (magic bytes, the ZIP's structure), never from the name."""
    limit = settings.UPLOAD_MAX_BYTES
    if size > limit:
        raise UploadRefused(_("File too large (limit %(limit)s MB).") % {"limit": round(limit / 1_000_000)})
    if size == 0:
        raise UploadRefused(_("The file is empty."))
    upload.seek(0)
    head = upload.read(16)
    content_type = content_type_detect(head, upload) or _presentation_detect(upload)
    upload.seek(0)
    if content_type is None:
        raise UploadRefused(
            _(
                "This kind of file cannot be added to a practice. Use PDF, an image (JPEG, PNG, WebP) "
                "or an office document (DOCX, XLSX, PPTX, ODT, ODS, ODP)."
            )
        )
    if content_type in IMAGE_TYPES:
        return content_type, image_metadata_strip(upload.read(), content_type)
    return content_type, None
