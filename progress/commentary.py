"""The secretariat's commentary as a reader sees it: paragraphs kept, nothing interpreted.

A browser sends a textarea's line breaks as CRLF, so a commentary written on the page had "\r\n\r\n" between its
paragraphs and a split on "\n\n" found one paragraph: the issued report ran them together. Here line endings are
made plain "\n" (when written, and again when shown, for reports issued before), a blank line (spaces allowed)
separates paragraphs, and a single line break stays a line break. The result is plain text: the template escapes it,
so no HTML or markdown in the commentary is ever interpreted.
"""

from __future__ import annotations

import re

BLANK_LINE = re.compile(r"\n[ \t\f\v]*\n")


def normalise(text: str) -> str:
    """Plain "\n" line endings, no spaces at the ends of lines or of the whole text."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def paragraphs(text: str) -> list[list[str]]:
    """The commentary's paragraphs, each a list of its lines (shown with a line break between them)."""
    return [
        [line.strip() for line in block.split("\n") if line.strip()]
        for block in BLANK_LINE.split(normalise(text))
        if block.strip()
    ]
