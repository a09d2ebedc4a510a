"""How the apps above the register react to its writes, without the register knowing them (docs/architecture.md).

The register's services call :func:`release_saved` at the end of ``_save_release``, inside the write's transaction;
the pages and the API call :func:`release_warnings` to show what other apps have to say about a release. Coordination,
alerts and the public calendar register their receivers in their ``AppConfig.ready()``. Receivers run in the fixed
order of ``RECEIVER_ORDER``, never in import order: the flags are brought up to date first (in the same transaction,
so a failing check rolls the write back), then the alerts outbox records the event (same transaction), then the public
calendar schedules its cache invalidation for after the commit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Release

RECEIVER_ORDER = ("coordination", "alerts", "public_calendar")


@dataclass(frozen=True)
class Change:
    """What a release service did, said by the service itself (never guessed from the data afterwards)."""

    kind: str  # a releases.choices.PublicChange: what the public hears about (announced, confirmed ...)
    previous: str = ""  # the old date in GOV.UK wording, for a reschedule
    reason: str = ""  # why it moved or was cancelled


@dataclass(frozen=True)
class ReleaseSaved:
    """One write of a release, as the receivers see it."""

    release: Release
    at: datetime
    old_days: list[date] = field(default_factory=list)  # the day it left, when it moved
    change: Change | None = None  # what the public should hear about, if anything


SavedReceiver = Callable[[ReleaseSaved], None]
WarningsProvider = Callable[[Sequence["Release"], bool], dict[int, list[str]]]

_saved: dict[str, SavedReceiver] = {}
_warnings: dict[str, WarningsProvider] = {}


def _check(app: str) -> None:
    if app not in RECEIVER_ORDER:
        raise ValueError(f"{app} is not in releases.hooks.RECEIVER_ORDER: add it there, in the order it must run.")


def on_release_saved(app: str, receiver: SavedReceiver) -> None:
    """Register ``app``'s receiver (one per app; registering again replaces it, so a reloaded app is not doubled)."""
    _check(app)
    _saved[app] = receiver


def on_release_warnings(app: str, provider: WarningsProvider) -> None:
    """Register what ``app`` says about releases on the producer pages and in API write responses."""
    _check(app)
    _warnings[app] = provider


def release_saved(event: ReleaseSaved) -> None:
    """Called by ``releases.services._save_release`` in the write's transaction."""
    for app in RECEIVER_ORDER:
        if app in _saved:
            _saved[app](event)


def release_warnings(releases: Sequence[Release], *, preview_drafts: bool = True) -> dict[int, list[str]]:
    """What every registered app says about each release, by release id, in ``RECEIVER_ORDER``.

    ``preview_drafts``: for a draft, say what would be raised if it were announced (the form and the API's single
    writes do; the bulk register reports only what was raised).
    """
    found: dict[int, list[str]] = {release.pk: [] for release in releases}
    for app in RECEIVER_ORDER:
        if app in _warnings and releases:
            for release_id, words in _warnings[app](releases, preview_drafts).items():
                found[release_id].extend(words)
    return found
