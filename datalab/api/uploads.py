"""A cohort file arrives in memory only, and never more of it than the lab takes.

Django's default upload handlers spill any file over FILE_UPLOAD_MAX_MEMORY_SIZE into a temporary file on disk; for
a cohort that would leave people's NHS numbers, dates of birth and postcodes in /tmp, where a crash or a backup keeps
them. The cohort endpoint installs :class:`MemoryOnlyUploadHandler` as the request's only handler before anything reads
the body (``CohortViewMixin.initialize_request``: DRF parses the body lazily, and Django refuses new handlers once it
has). The handler counts every byte of every file; past ``max_bytes`` it drops what it held and stops keeping
anything (the rest of the body is read and thrown away), and ``too_large`` tells the view to answer 413.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Every file of the request held in memory, at most ``max_bytes`` in all; nothing ever written to disk."""

    def __init__(self, request: Any = None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.too_large = False
        self.buffer = io.BytesIO()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.too_large = True
            self.buffer = io.BytesIO()  # what was held goes at once
            raise StopUpload(connection_reset=False)  # Django reads the rest of the body and keeps none of it
        self.buffer.write(raw_data)
        return None  # no other handler sees the data

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer, field_name=self.field_name, name=self.file_name, content_type=self.content_type,
            size=file_size, charset=self.charset, content_type_extra=self.content_type_extra,
        )  # fmt: skip
