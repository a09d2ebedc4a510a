"""Where a request's person-level (pseudonymised) files live, and their deletion.

Each request has one folder, ``DATALAB_DATA_DIR/requests/<reference>/`` (0700), holding for each upload the
pseudonymised cohort (``upload-<n>-cohort.parquet``) and, once linked, the links to national person ids
(``upload-<n>-links.parquet``), each 0600. Files are written to a temporary name in the same folder and renamed, so
a crash leaves no half file, and a temporary file holds only what the final one would: pseudonyms, never identifiers.
Deleting a request's data removes its folder and checks it is gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .extract import data_dir, private_dir


@dataclass(frozen=True)
class DeletedFile:
    name: str
    bytes: int
    rows: int

    def as_dict(self) -> dict[str, object]:
        return {"name": self.name, "bytes": self.bytes, "rows": self.rows}


def request_dir(reference: str) -> Path:
    return data_dir() / "requests" / reference


def cohort_name(number: int) -> str:
    return f"upload-{number}-cohort.parquet"


def links_name(number: int) -> str:
    return f"upload-{number}-links.parquet"


def write_table(reference: str, name: str, table: pa.Table) -> str:
    """Write ``table`` privately into the request's folder; the name relative to DATALAB_DATA_DIR."""
    private_dir(request_dir(reference).parent)  # the folder of every request's folder too: 0700
    folder = private_dir(request_dir(reference))
    descriptor, temporary = tempfile.mkstemp(dir=folder, prefix=".writing-", suffix=".parquet")
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            pq.write_table(table, handle)
        os.replace(temporary, folder / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return str((folder / name).relative_to(data_dir()))


def read_table(relative: str) -> pa.Table:
    return pq.read_table(data_dir() / relative)


def _describe(path: Path) -> DeletedFile:
    try:
        rows = pq.ParquetFile(path).metadata.num_rows
    except Exception:  # noqa: BLE001 - a file that is not Parquet is still deleted; its rows are unknown
        rows = 0
    return DeletedFile(name=path.name, bytes=path.stat().st_size, rows=rows)


def delete_files(reference: str, names: list[str]) -> list[DeletedFile]:
    """Delete these files of the request's folder (those that exist), saying what each was."""
    folder = request_dir(reference)
    deleted = []
    for name in names:
        path = folder / name
        if path.exists():
            deleted.append(_describe(path))
            path.unlink()
    return deleted


def delete_request_data(reference: str) -> list[DeletedFile]:
    """Delete the request's whole folder (every upload, every link, any leftover temporary file)."""
    folder = request_dir(reference)
    if not folder.exists():
        return []
    deleted = [_describe(path) for path in sorted(folder.iterdir()) if path.is_file()]
    shutil.rmtree(folder)
    return deleted


def holds_files(reference: str) -> bool:
    folder = request_dir(reference)
    return folder.exists() and any(folder.iterdir())
