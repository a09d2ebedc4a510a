"""Importing the calendars producers already keep: GOV.UK statistics announcements, ONS release JSON, CSV tables.

Two halves. The parsers (:mod:`.govuk`, :mod:`.ons`, :mod:`.csv_rows`) are pure: bytes in, plain
:class:`.records.ImportRecord` values (or :class:`.records.Rejected` with reasons) out, no database. The runner
(:mod:`.runner`) applies each record through the release services in its own savepoint, so history, flags and alerts
behave as for a person's edit and a bad record saves nothing. See docs/import.md and docs/decisions/0003-importing.md.
"""
