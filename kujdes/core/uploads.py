"""Uploads stay in memory (a plaintext temporary file on disk would outlive an erasure), and a
file over the limit still reaches the form as an (empty) file of its true size, so that the
user reads "file too large (limit N MB)" instead of "This field is required".

Django's MemoryFileUploadHandler steps aside for a request over FILE_UPLOAD_MAX_MEMORY_SIZE,
and with no other handler the file silently disappears: this handler never steps aside; past
the limit it counts the bytes and keeps none of them.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers


class OversizeUploadedFile(InMemoryUploadedFile):
    """A file that was too large: its true size, none of its content."""

    oversize = True


class BoundedMemoryFileUploadHandler(FileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = BytesIO()
        self.received = 0
        raise StopFutureHandlers()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received <= settings.FILE_UPLOAD_MAX_MEMORY_SIZE:
            self.buffer.write(raw_data)
        elif self.buffer.tell():
            # Over the limit: let go of what was kept; only the count goes on.
            self.buffer = BytesIO()
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        oversize = self.received > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
        self.buffer.seek(0)
        file_class = OversizeUploadedFile if oversize else InMemoryUploadedFile
        return file_class(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )
