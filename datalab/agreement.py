"""The data sharing agreement an organisation accepts before it may send anyone's details, as versioned text.

A new version is a new constant: an acceptance records the version and the digest of the exact words accepted, so
what was agreed can always be shown again, word for word.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings

VERSION = "HDL-DSA-2026.1"


@dataclass(frozen=True)
class Clause:
    heading: str
    text: str


CLAUSES: tuple[Clause, ...] = (
    Clause(
        "What you send",
        "For each person your programme helped: their NHS number where you have it, otherwise their date of birth, sex "
        "and postcode; the date they started the programme; and, if you record it, how many sessions they attended. "
        "Send nothing else: no names, addresses or notes.",
    ),
    Clause(
        "How the lab uses it",
        "The details are turned into keyed pseudonyms the moment they arrive and the original values are discarded. "
        "The pseudonyms are used only to find the same people in national hospital data and to compare their hospital "
        "use with that of similar people who were not helped. No one outside the lab sees a person-level row.",
    ),
    Clause(
        "What you get back",
        "An aggregate report of the programme's effect, checked by a second person so that no one can be identified "
        "from it. You may correct the description of your programme before publication; the figures are the lab's.",
    ),
    Clause(
        "Publication",
        "Every report is published as official statistics, whatever it finds, on a date announced in advance on the "
        "release calendar.",
    ),
    Clause(
        "Deletion",
        "The lab deletes the person-level data on the retention date below, or as soon as the report is published or "
        "the request is withdrawn or closed, whichever comes first, and keeps a certificate of the deletion. Aggregate "
        "figures are kept.",
    ),
    Clause(
        "Your responsibilities",
        "You confirm that you may lawfully share these details for this purpose, that the people were told so in a "
        "privacy notice, and that you will tell the lab at once if that changes.",
    ),
)


def text() -> str:
    """The agreement as one text, as its digest is taken."""
    return "\n\n".join(f"{clause.heading}\n{clause.text}" for clause in CLAUSES)


def digest() -> str:
    return hashlib.sha256(f"{VERSION}\n\n{text()}".encode()).hexdigest()


def retention_until(accepted_on: date) -> date:
    """The latest date the person-level data may be kept: DATALAB_RETENTION_DAYS (default 365) after acceptance."""
    return accepted_on + timedelta(days=int(getattr(settings, "DATALAB_RETENTION_DAYS", 365)))
