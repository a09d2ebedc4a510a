"""Files to parsed records: a file, or every file under a folder (in name order), read by the chosen format."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from . import csv_rows, govuk, messages, ons
from .records import ParsedFile

PARSERS: dict[str, Callable[[str, bytes], ParsedFile]] = {
    "govuk": govuk.parse,
    "ons": ons.parse,
    "csv": csv_rows.parse,
}
FORMATS = tuple(PARSERS)


def files_under(path: Path) -> list[tuple[str, Path]]:
    """(name to report, file) for a file, or for every visible file under a folder."""
    if path.is_file():
        return [(path.name, path)]
    if path.is_dir():
        found = sorted(p for p in path.rglob("*") if p.is_file() and not any(part.startswith(".") for part in
                                                                               p.relative_to(path).parts))  # fmt: skip
        return [(str(p.relative_to(path)), p) for p in found]
    raise FileNotFoundError(messages.NOT_A_FILE.format(path=path))


def read_paths(format_name: str, paths: Iterable[str | Path]) -> list[ParsedFile]:
    if format_name not in PARSERS:
        raise ValueError(messages.UNKNOWN_FORMAT.format(format=format_name))
    parse = PARSERS[format_name]
    parsed = []
    for path in paths:
        for name, file in files_under(Path(path)):
            parsed.append(parse(name, file.read_bytes()))
    return parsed
