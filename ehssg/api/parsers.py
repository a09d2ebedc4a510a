"""The API's JSON parser: refuses text no field can store, naming the field, before any view or service sees it.

JSON may carry a lone surrogate (``"\\ud800"``), which is not a character: it cannot be encoded as UTF-8, so storing it,
logging it or echoing it in an error message ("\\ud800 is not a valid choice") raised a 500. JSON may also carry a NUL,
which PostgreSQL text refuses (a 500 from a lookup such as a producer slug, which no field validator sees first).
Both are refused here with a 400 in the API's error shape, for every field of every write, nested ones included, so a
new field is covered without remembering to.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rest_framework import exceptions, parsers

from ehssg import messages


def _bad_text(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """(dotted path, message) for every string in ``value`` (keys too) that holds a NUL or a lone surrogate."""
    if isinstance(value, str):
        if "\x00" in value:
            yield path, messages.NULL_CHARACTER
        for char in value:
            if "\ud800" <= char <= "\udfff":
                yield path, messages.BROKEN_TEXT.format(code=ord(char))
                break
    elif isinstance(value, dict):
        for key, item in value.items():
            key_text = str(key)
            if list(_bad_text(key_text, path)):
                yield from _bad_text(key_text, path)
                continue
            yield from _bad_text(item, f"{path}.{key_text}" if path else key_text)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _bad_text(item, f"{path}.{index}" if path else str(index))


class StrictJSONParser(parsers.JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        problems: dict[str, list[str]] = {}
        for path, message in _bad_text(data, ""):
            problems.setdefault(path or "non_field_errors", []).append(message)
        if problems:
            raise exceptions.ValidationError(problems)
        return data
