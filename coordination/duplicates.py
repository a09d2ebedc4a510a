"""Duplicate-release detection: pure functions over plain facts.

Two releases publish the same statistics when their titles match once punctuation, case and period words are set aside,
their reference periods overlap, their geographies overlap, and they share a topic network, a series or a measure. The
period words are compared through the reference period, not the title, so "... April 2021 - May 2021" and "... April
2021, May 2021" match while the quarterly COVER releases, whose titles are identical year-round, do not.

Blocking keeps a check cheap: candidates are indexed by the rarer words of their normalised title, so a new release is
compared only with releases that share such a word (and, in the database query that feeds this module, an overlapping
reference period).
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz

DEFAULT_THRESHOLD = 85.0

_MONTHS = frozenset(
    {
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    }
)  # fmt: skip
_PERIOD_WORDS = _MONTHS | {
    "week", "weeks", "weekly", "ending", "quarter", "quarters", "quarterly", "q1", "q2", "q3", "q4", "year", "years",
    "annual", "month", "months", "monthly", "financial", "calendar", "to", "data", "update", "release", "edition",
    "final", "provisional", "performance", "season", "winter", "summer", "spring", "autumn",
}  # fmt: skip
_STOP_WORDS = {"the", "of", "for", "and", "in", "on", "a", "an", "by", "with", "at", "uk", "england", "statistics"}
_NUMBER = re.compile(r"^\d+(st|nd|rd|th)?$")
_SEPARATORS = re.compile(r"[^a-z0-9]+")

# Geographies that contain others: a UK release overlaps an England release.
_ENGLAND = {"england", "england_regions", "england_local"}
_GEOGRAPHY_PARTS = {
    "uk": {"uk", "gb", "england_wales", "wales", "scotland", "northern_ireland", *_ENGLAND},
    "gb": {"gb", "england_wales", "wales", "scotland", *_ENGLAND},
    "england_wales": {"england_wales", "wales", *_ENGLAND},
    **{part: set(_ENGLAND) for part in _ENGLAND},
}


def normalise(title: str) -> str:
    """Lower case, ASCII, "&" as "and", punctuation as spaces, single spaces."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower().replace("&", " and ")
    return " ".join(_SEPARATORS.split(text)).strip()


def title_core(title: str) -> str:
    """The title without dates and period words: what the release is about, not when."""
    words = [w for w in normalise(title).split() if w not in _PERIOD_WORDS and not _NUMBER.match(w)]
    return " ".join(words)


def block_keys(core: str) -> frozenset[str]:
    """Distinctive words of a title core, used to index candidates."""
    return frozenset(w for w in core.split() if w not in _STOP_WORDS and len(w) > 2)


def title_similarity(a: str, b: str) -> float:
    """0-100 similarity of two title cores; word order does not matter."""
    return float(fuzz.token_sort_ratio(a, b))


def periods_overlap(a_start: date | None, a_end: date | None, b_start: date | None, b_end: date | None) -> bool:
    if a_start is None or b_start is None:
        return False
    return a_start <= (b_end or b_start) and b_start <= (a_end or a_start)


def geographies_overlap(a: str, b: str) -> bool:
    return b in _GEOGRAPHY_PARTS.get(a, {a}) or a in _GEOGRAPHY_PARTS.get(b, {b})


@dataclass(frozen=True)
class ReleaseFacts:
    """What the duplicate check needs to know about a release."""

    pk: int
    title: str
    producer_ids: frozenset[int]
    network_ids: frozenset[int] = frozenset()
    measure_ids: frozenset[int] = frozenset()
    series_id: int | None = None
    reference_period_start: date | None = None
    reference_period_end: date | None = None
    geography: str = "england"
    core: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not self.core:
            object.__setattr__(self, "core", title_core(self.title))


@dataclass(frozen=True)
class DuplicateMatch:
    """A likely duplicate pair, with the evidence in words a person can check."""

    a: int
    b: int
    similarity: float
    shared: str

    @property
    def key(self) -> tuple[int, int]:
        return (min(self.a, self.b), max(self.a, self.b))


def match(a: ReleaseFacts, b: ReleaseFacts, threshold: float = DEFAULT_THRESHOLD) -> DuplicateMatch | None:
    """The evidence that ``a`` and ``b`` are the same statistics, or None."""
    if a.pk == b.pk:
        return None
    if not (a.network_ids & b.network_ids or a.measure_ids & b.measure_ids or a.series_id == b.series_id):
        return None
    if not periods_overlap(a.reference_period_start, a.reference_period_end, b.reference_period_start,
                           b.reference_period_end):  # fmt: skip
        return None
    if not geographies_overlap(a.geography, b.geography):
        return None
    same_series = a.series_id is not None and a.series_id == b.series_id
    if same_series and (a.reference_period_start, a.reference_period_end) != (
        b.reference_period_start,
        b.reference_period_end,
    ):
        # Successive releases of one series overlap by design ("final April, provisional May" then "final May,
        # provisional June"): only the same period twice is a duplicate.
        return None
    if a.network_ids & b.network_ids:
        shared = "the same topic network"
    elif a.measure_ids & b.measure_ids:
        shared = "the same measure"
    elif same_series:
        shared = "the same series"
    else:
        return None
    similarity = title_similarity(a.core, b.core)
    if similarity < threshold:
        return None
    return DuplicateMatch(a=a.pk, b=b.pk, similarity=round(similarity, 1), shared=shared)


MAX_PERIOD_MONTHS = 36


def period_months(facts: ReleaseFacts) -> list[tuple[int, int]]:
    """The calendar months a reference period touches (at most three years' worth)."""
    if facts.reference_period_start is None:
        return []
    start, end = facts.reference_period_start, facts.reference_period_end or facts.reference_period_start
    first, last = start.year * 12 + start.month - 1, end.year * 12 + end.month - 1
    last = min(last, first + MAX_PERIOD_MONTHS - 1)
    return [divmod(index, 12) for index in range(first, last + 1)]


class DuplicateIndex:
    """Candidates indexed by (rare title word, month of the reference period).

    A duplicate must share the distinctive words of its title and a month of its reference period. Each release is
    filed under its few rarest words (by how often each word occurs in the releases indexed) in each month its period
    touches, so a check compares a release only with the handful about the same thing in the same months.
    """

    RARE_WORDS = 3

    def __init__(self, releases: Iterable[ReleaseFacts] = ()) -> None:
        self._by_key: dict[tuple[str, tuple[int, int]], list[ReleaseFacts]] = defaultdict(list)
        items = list(releases)
        self._frequency: Counter[str] = Counter(word for facts in items for word in block_keys(facts.core))
        for facts in items:
            self.add(facts)

    def keys(self, facts: ReleaseFacts) -> list[tuple[str, tuple[int, int]]]:
        words = sorted(block_keys(facts.core), key=lambda word: (self._frequency.get(word, 0), word))
        months = period_months(facts)
        return [(word, month) for word in words[: self.RARE_WORDS] for month in months]

    def add(self, facts: ReleaseFacts) -> None:
        for key in self.keys(facts):
            self._by_key[key].append(facts)

    def candidates(self, facts: ReleaseFacts) -> list[ReleaseFacts]:
        seen: dict[int, ReleaseFacts] = {}
        for key in self.keys(facts):
            for other in self._by_key.get(key, ()):
                seen.setdefault(other.pk, other)
        seen.pop(facts.pk, None)
        return list(seen.values())

    def matches(self, facts: ReleaseFacts, threshold: float = DEFAULT_THRESHOLD) -> list[DuplicateMatch]:
        found = (match(facts, other, threshold) for other in self.candidates(facts))
        return sorted((m for m in found if m is not None), key=lambda m: (-m.similarity, m.key))


def all_matches(releases: Sequence[ReleaseFacts], threshold: float = DEFAULT_THRESHOLD) -> list[DuplicateMatch]:
    """Every likely duplicate pair among ``releases``, each pair once."""
    index = DuplicateIndex(releases)
    found: dict[tuple[int, int], DuplicateMatch] = {}
    for facts in releases:
        for m in index.matches(facts, threshold):
            found.setdefault(m.key, m)
    return [found[k] for k in sorted(found)]
