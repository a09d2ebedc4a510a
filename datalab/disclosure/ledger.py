"""Differencing: a new report whose cohort differs from a published one by a few people would reveal those people.

The ledger keeps, per organisation, the member set of every published cohort as opaque tokens (``member_tokens``:
keyed HMAC-SHA256 of the person id, so the stored sets identify no one without the lab's key). A new cohort is refused
when its symmetric difference with any of them has 1 to ``minimum - 1`` people. An identical cohort (a re-run of the
same people) passes: subtracting two reports about the same people reveals no one, and the re-run links to the
earlier report (docs/datalab.md, "Repeat analyses").
"""

from __future__ import annotations

import hmac
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from .. import messages

MINIMUM_DIFFERENCE = 10
TOKEN_HEX = 32


@dataclass(frozen=True)
class DifferencingResult:
    passed: bool
    reasons: tuple[str, ...]  # plain English (messages), empty when passed with no note
    smallest_difference: int | None  # with the nearest published cohort; None when nothing is published
    nearest: int | None  # index of that cohort in the sequence given
    same_as: int | None  # index of an identical published cohort, if any


def member_tokens(person_ids: Iterable[int | str], *, key: bytes) -> frozenset[str]:
    """Opaque tokens of a cohort's members, for the ledger (the same key gives the same token for the same person)."""
    return frozenset(
        hmac.new(key, f"ledger:{person}".encode(), "sha256").hexdigest()[:TOKEN_HEX] for person in person_ids
    )


def differencing_check(
    new_members: Collection[str], published: Iterable[Collection[str]], *, minimum: int = MINIMUM_DIFFERENCE
) -> DifferencingResult:
    """Refuse when the new cohort differs from any published cohort of the organisation by 1 to minimum-1 people."""
    new = frozenset(new_members)
    smallest: int | None = None
    nearest: int | None = None
    same_as: int | None = None
    for number, members in enumerate(published):
        difference = len(new.symmetric_difference(members))
        if difference == 0:
            same_as = number if same_as is None else same_as
        elif smallest is None or difference < smallest:
            smallest, nearest = difference, number
    if smallest is not None and smallest < minimum:
        text = messages.DIFFERENCING_REFUSED.format(difference=smallest, minimum=minimum)
        return DifferencingResult(False, (text,), smallest, nearest, same_as)
    if same_as is not None:
        return DifferencingResult(True, (messages.DIFFERENCING_SAME_COHORT,), 0, same_as, same_as)
    return DifferencingResult(True, (), smallest, nearest, None)
