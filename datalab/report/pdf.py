"""The report as a PDF: the same HTML as the page (its report body, in a print layout), laid out by WeasyPrint.

WeasyPrint needs no browser and runs no script (docs/decisions/0006-report-pdf-weasyprint.md). The document's
resources are only what the HTML holds inline (the style sheet and the SVG plots): the fetcher refuses every URL, so
a report can never make the server fetch anything.
"""

from __future__ import annotations

from typing import Any, NoReturn


def _no_fetching(url: str, *args: Any, **kwargs: Any) -> NoReturn:
    raise ValueError(f"the report's PDF fetches nothing ({url[:40]})")


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # imported here: only the PDF view needs it (and its Pango)

    document: bytes = HTML(string=html, url_fetcher=_no_fetching).write_pdf()
    return document
