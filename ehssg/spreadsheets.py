"""Every CSV the platform writes goes through here: safe to open in a spreadsheet, and opened as UTF-8 by Excel.

Formula injection (OWASP, "CSV Injection"): a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return is run as a formula by Excel, LibreOffice and Google Sheets. Titles, summaries, names and labels come from
producers and imports, so such a cell is written with a leading apostrophe: spreadsheets show it as text, and a person
reading the file sees the apostrophe and the original text. Numbers (negative ones too) are not text and stay numbers.

Excel reads a CSV without a byte-order mark in the machine's legacy code page (Windows-1252 in the UK), so "Café" and
"–" turn into mojibake; every file starts with the UTF-8 byte-order mark, which Excel, LibreOffice, pandas
(``encoding="utf-8-sig"``) and Python's ``csv`` module reading with ``utf-8-sig`` all understand (docs/open-data.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from django.http import HttpResponse

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
CONTENT_TYPE = "text/csv; charset=utf-8"


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet must see it: text that would start a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """A whole CSV file: byte-order mark, header row, then the rows, every cell made safe, CRLF line ends (RFC 4180)."""
    out = io.StringIO()
    out.write(BOM)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return out.getvalue().encode("utf-8")


def csv_download(body: bytes, filename: str) -> HttpResponse:
    """A CSV file as a download named ``filename``."""
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
