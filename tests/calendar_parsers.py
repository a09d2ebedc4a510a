"""Three independent iCalendar parsers for the feed tests: icalendar, libical (Evolution/KDE) and ical.js (Thunderbird)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import icalendar

from tests.conftest import skip_or_fail

ROOT = Path(__file__).resolve().parent.parent
SYSTEM_PYTHON = Path("/usr/bin/python3")


def parse_with_icalendar(body: bytes) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(body)
    errors = [(c.name, c.errors) for c in calendar.walk() if getattr(c, "errors", None)]
    assert not errors, errors
    return list(calendar.walk("VEVENT"))


def _run(argv: list[str], body: bytes) -> list[str]:
    with tempfile.NamedTemporaryFile(suffix=".ics") as handle:
        handle.write(body)
        handle.flush()
        result = subprocess.run(  # noqa: S603 - fixed interpreters and our own scripts
            [*argv, handle.name], capture_output=True, text=True, timeout=60, check=False, cwd=ROOT
        )
    assert result.returncode == 0, f"{argv[0]} rejected the calendar:\n{result.stdout}\n{result.stderr}"
    return result.stdout.splitlines()


def parse_with_libical(body: bytes) -> list[str]:
    probe = subprocess.run(  # noqa: S603
        [str(SYSTEM_PYTHON), "-c", "import gi; gi.require_version('ICalGLib', '3.0')"],
        capture_output=True,
        timeout=30,
        check=False,
    ) if SYSTEM_PYTHON.exists() else None  # fmt: skip
    if probe is None or probe.returncode != 0:
        skip_or_fail("libical needs Debian's packages gir1.2-ical-3.0 and python3-gi")
    return _run([str(SYSTEM_PYTHON), str(ROOT / "tests" / "parsers" / "libical_parse.py")], body)


def parse_with_icaljs(body: bytes) -> list[str]:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "ical.js").exists():
        skip_or_fail("ical.js needs Node.js and `npm ci` (the ical.js package from package.json)")
    return _run([str(node), str(ROOT / "tests" / "parsers" / "icaljs_parse.mjs")], body)


def parse_with_all(body: bytes) -> dict[str, list[str]]:
    """Parse with every parser; each must accept the calendar and see the same events."""
    events = parse_with_icalendar(body)
    libical = parse_with_libical(body)
    icaljs = parse_with_icaljs(body)
    assert libical[-1] == f"events {len(events)}"
    assert icaljs[-1] == f"events {len(events)}"
    return {"icalendar": [str(e["UID"]) for e in events], "libical": libical[:-1], "icaljs": icaljs[:-1]}
