"""How a cohort file arrives in the web process: in memory only, never in a temporary file, and never over the limit.

Django's default upload handlers write any file over FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file on disk, which
for a cohort would be people's NHS numbers, dates of birth and postcodes left where a crash, a backup or another
process could find them. The upload page and the API's cohort endpoint replace the handlers with this one before
anything reads the request's body (datalab/views.py; datalab/api/views.py in ``initialize_request``, as DRF parses
lazily and Django refuses new handlers once it has; Django's "Modifying upload handlers on the fly"). It keeps every
file of the request in memory up to ``max_bytes`` in all, and past that stops keeping anything: the rest of the body
is read and thrown away, and the page (or the API, with a 413) says the file is too large.
"""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload


class MemoryOnlyUploadHandler(FileUploadHandler):
    """Files held in memory, at most ``max_bytes`` for the whole request; ``too_large`` says when that was passed."""

    def __init__(self, request: Any = None, *, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0
        self.too_large = False
        self.file = io.BytesIO()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.file = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.too_large = True
            self.file = io.BytesIO()  # what was kept of this file goes at once
            raise StopUpload(connection_reset=False)  # read the rest of the body and keep none of it
        self.file.write(raw_data)
        return None  # no other handler sees the data

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.file.seek(0)
        return InMemoryUploadedFile(
            file=self.file, field_name=self.field_name, name=self.file_name, content_type=self.content_type,
            size=file_size, charset=self.charset, content_type_extra=self.content_type_extra,
        )  # fmt: skip
