"""Where a request's person-level (pseudonymised) files live, and their deletion.

Each request has one folder, ``DATALAB_DATA_DIR/requests/<reference>/`` (0700), holding for each upload the
pseudonymised cohort (``upload-<n>-cohort.parquet``) and, once linked, the links to national person ids
(``upload-<n>-links.parquet``), each 0600. Files are written to a temporary name in the same folder and renamed, so
a crash leaves no half file, and a temporary file holds only what the final one would: pseudonyms, never identifiers.
Deleting a request's data removes its folder and checks it is gone.

An analysis run leaves, beside them, its cohort's differencing tokens (``run-<v>-members.parquet``: opaque HMACs of
the analysed and matched people, never an id). The differencing ledger of each organisation's published cohorts is
kept here too, never in the web database: ``DATALAB_DATA_DIR/ledger/organisation-<id>.parquet`` (0600; one row a
token: request, run, set, token), outliving the requests' folders.
"""

from __future__ import annotations

import fcntl
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


def members_name(version: int) -> str:
    return f"run-{version}-members.parquet"


def links_name_of(reference: str, number: int) -> str:
    """The linked cohort of a request's upload, relative to DATALAB_DATA_DIR (for ``read_table``)."""
    return str(Path("requests") / reference / links_name(number))


def members_name_of(reference: str, version: int) -> str:
    return str(Path("requests") / reference / members_name(version))


def write_table(reference: str, name: str, table: pa.Table) -> str:
    """Write ``table`` privately into the request's folder; the name relative to DATALAB_DATA_DIR."""
    private_dir(request_dir(reference).parent)  # the folder of every request's folder too: 0700
    return _write_private(private_dir(request_dir(reference)), name, table)


def _write_private(folder: Path, name: str, table: pa.Table) -> str:
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


LEDGER_SCHEMA = pa.schema([("request", pa.string()), ("run", pa.int32()), ("set", pa.string()), ("token", pa.string())])


def ledger_path(organisation_id: int) -> Path:
    return data_dir() / "ledger" / f"organisation-{organisation_id}.parquet"


def read_ledger(organisation_id: int) -> pa.Table:
    """Every published cohort's tokens for the organisation (an empty table when it has published none)."""
    path = ledger_path(organisation_id)
    return pq.read_table(path) if path.exists() else LEDGER_SCHEMA.empty_table()


def append_ledger(organisation_id: int, rows: pa.Table) -> None:
    """Add a published cohort's rows to the organisation's ledger (read, extend and rename, under a file lock)."""
    folder = private_dir(ledger_path(organisation_id).parent)
    lock = os.open(folder / f".organisation-{organisation_id}.lock", os.O_CREAT | os.O_RDWR, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        table = pa.concat_tables([read_ledger(organisation_id), rows.select(LEDGER_SCHEMA.names).cast(LEDGER_SCHEMA)])
        _write_private(folder, ledger_path(organisation_id).name, table)
    finally:
        os.close(lock)  # releases the lock


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
