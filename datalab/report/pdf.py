"""The report as a PDF: the same HTML as the page (its report body, in a print layout), laid out by WeasyPrint.

WeasyPrint needs no browser and runs no script (docs/decisions/0006-report-pdf-weasyprint.md). The document's
resources are only what the HTML holds inline (the style sheet and the SVG plots): the URL fetcher refuses every
URL, so a report can never make the server read a file or request an address.
"""

from __future__ import annotations

import logging
from typing import Any, NoReturn

REFUSED = "the report's PDF fetches nothing"


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> NoReturn:
            raise ValueError(REFUSED)

    return NoFetching()


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: only the PDF view needs it (and its Pango)

    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # a line per layout step otherwise
    document: bytes = HTML(string=html, url_fetcher=_fetcher()).write_pdf()
    return document
