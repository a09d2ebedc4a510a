"""`python manage.py import_releases --format govuk|ons|csv --as USERNAME PATH...`: take in producers' own calendars.

See docs/import.md for the formats and mappings, and importing/ for the code.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from importing.producers import ProducerIndex
from importing.reading import FORMATS, read_paths
from importing.runner import import_files

_CONTACT = re.compile(r"^\s*(?P<name>[^<]*?)\s*<(?P<email>[^>]+)>\s*$")
BAR_WIDTH = 30


class Command(BaseCommand):
    help = "Import releases from GOV.UK statistics announcements, ONS release JSON or a CSV table (files or folders)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="Files, or folders whose files are all read.")
        parser.add_argument("--format", required=True, choices=FORMATS, dest="format_name")
        parser.add_argument(
            "--as", required=True, dest="username",
            help="Who is importing: an editor or Head of Profession of the records' producers, or the secretariat.",
        )  # fmt: skip
        parser.add_argument("--contact", help='Lead statistician for records that name none: "Name <e-mail>".')
        parser.add_argument("--producer", help="Producer (slug, abbreviation or name) for records that name none.")
        parser.add_argument("--progress", action="store_true", help="Show the progress bar even when not a terminal.")
        parser.add_argument("--no-progress", action="store_true", help="Never show the progress bar.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = get_user_model().objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"There is no user {options['username']!r}.")
        contact = None
        if options["contact"]:
            found = _CONTACT.match(options["contact"])
            if not found:
                raise CommandError('Give the contact as "Name <e-mail>".')
            contact = (found["name"] or found["email"], found["email"])
        producer = None
        if options["producer"]:
            producer = ProducerIndex().find([options["producer"]])
            if producer is None:
                raise CommandError(f"No producer matches {options['producer']!r}.")
        try:
            files = read_paths(options["format_name"], options["paths"])
        except (FileNotFoundError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        show = not options["no_progress"] and (options["progress"] or sys.stderr.isatty())
        summary = import_files(
            files, requester=user, contact=contact, default_producer=producer, progress=self._bar if show else None
        )
        if show:
            self.stderr.write("")
        for name, note in summary.files:
            self.stdout.write(f"{name}: {note}")
        for outcome in summary.outcomes:
            if outcome.result == "updated":
                self.stdout.write(f"Updated {outcome.identifier} ({', '.join(outcome.changed)})")
        for outcome in summary.rejected():
            self.stdout.write(f"Rejected {outcome.where} {outcome.identifier}".rstrip() + ":")
            for reason in outcome.reasons:
                self.stdout.write(f"  - {reason}")
        counts = summary.counts
        self.stdout.write(
            f"{counts['created']} created, {counts['updated']} updated, {counts['unchanged']} unchanged, "
            f"{counts['rejected']} rejected, from {len(files)} file(s)."
        )

    def _bar(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // max(total, 1)
        self.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total}", ending="")
        self.stderr.flush()
