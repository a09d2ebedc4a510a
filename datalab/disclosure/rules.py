"""The disclosure rules, each a pure function of aggregate figures (docs/datalab.md, "Disclosure control").

- NHS Digital's HES rule: counts 1-7 are shown as *, others rounded to the nearest 5 (halves up); totals are computed
  from the unrounded values, then rounded.
- Trusted research environments: at least 10 people in a cell. A data lab's charity knows every person in its cohort,
  so a cell also needs 10 people with the event and 10 without (0% and 100% tell about each person).
- Means and medians only from 10 or more people.
- Dominance (ACRO's n=2, k=90%): the two largest contributions to a total must be at most 90% of it.
Each check returns a `Check`: passed, and the reason codes (keys of messages.SDC_REASONS) when not.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

THRESHOLD = 10
ROUND_BASE = 5
SUPPRESSED_UP_TO = 7  # HES: 1-7 shown as *
STAR = "*"
DOMINANCE_N = 2
DOMINANCE_K = 0.90


@dataclass(frozen=True)
class Check:
    passed: bool
    reasons: tuple[str, ...] = ()


PASS = Check(True)


def combine(*checks: Check) -> Check:
    """Passes only when every check passes; the reasons of all that fail, each once, in order."""
    reasons: list[str] = []
    for check in checks:
        reasons.extend(r for r in check.reasons if r not in reasons)
    return Check(not reasons, tuple(reasons))


def hes_round(count: int, *, base: int = ROUND_BASE) -> int | None:
    """0 stays 0; 1-7 is None (shown as *); otherwise the nearest multiple of ``base``, halves rounded up."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    if count == 0:
        return 0
    if count <= SUPPRESSED_UP_TO:
        return None
    return base * math.floor(count / base + 0.5)


def shown_count(count: int) -> str:
    rounded = hes_round(count)
    return STAR if rounded is None else f"{rounded:,}"


def rounded_total(counts: Iterable[int]) -> int | None:
    """A total from the unrounded counts, then rounded (never the sum of rounded cells)."""
    return hes_round(sum(counts))


def check_count(count: int) -> Check:
    return Check(False, ("count_1_to_7",)) if 1 <= count <= SUPPRESSED_UP_TO else PASS


def check_people(people: int, *, threshold: int = THRESHOLD) -> Check:
    return Check(False, ("people_under_threshold",)) if people < threshold else PASS


def check_events(*, people: int, with_event: int, events: int | None = None, threshold: int = THRESHOLD) -> Check:
    """A cell about an event: enough people, enough with it and without it, never 0% or 100%, enough events."""
    reasons = []
    if people < threshold:
        reasons.append("people_under_threshold")
    if with_event == 0 or with_event == people:
        reasons.append("all_or_none")
    if with_event < threshold or (events is not None and events < threshold):
        reasons.append("events_under_threshold")
    if people - with_event < threshold:
        reasons.append("non_events_under_threshold")
    return Check(not reasons, tuple(reasons))


def check_mean(people: int, *, threshold: int = THRESHOLD) -> Check:
    """A mean or a median needs at least ``threshold`` people behind it."""
    return Check(False, ("mean_from_too_few",)) if people < threshold else PASS


def check_dominance(top_share: float, *, k: float = DOMINANCE_K) -> Check:
    """``top_share``: the share of the total from its DOMINANCE_N largest contributions (n=2, k=90%)."""
    return Check(False, ("dominance",)) if top_share > k else PASS


def check_proportion(*, people: int, share: float, threshold: int = THRESHOLD) -> Check:
    """A published share of people (a binary covariate's mean) is a count in disguise: the event rules apply."""
    with_it = round(share * people)
    return check_events(people=people, with_event=with_it, threshold=threshold)


def suppress_lines(suppressed: list[list[bool]], values: list[list[int]]) -> list[list[bool]]:
    """Secondary suppression: a row or column with exactly one suppressed cell loses its next smallest cell too.

    Otherwise the published total minus the other cells would give the suppressed one back. Repeated until stable.
    """
    marks = [row[:] for row in suppressed]
    changed = True
    while changed:
        changed = False
        lines = [[(i, j) for j in range(len(marks[i]))] for i in range(len(marks))]
        if marks and len(marks[0]) > 1:
            lines += [[(i, j) for i in range(len(marks))] for j in range(len(marks[0]))]
        for line in lines:
            hidden = [cell for cell in line if marks[cell[0]][cell[1]]]
            shown = [cell for cell in line if not marks[cell[0]][cell[1]]]
            if len(hidden) == 1 and shown:
                i, j = min(shown, key=lambda cell: (values[cell[0]][cell[1]], cell))
                marks[i][j] = True
                changed = True
    return marks
