"""Which producer in the register an organisation named by a source is.

A source names organisations its own way: GOV.UK by slug (``nhs-commissioning-board`` is NHS England's), ONS not at
all (everything on its calendar is its own), CSV tables by name. A producer matches by its slug, abbreviation or name
(case and punctuation aside), or through the table below of names that are not ours but mean one of our producers.
Anything else is unknown, and the record is refused: guessing a producer would put a release in the wrong hands.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.text import slugify

from coordination.duplicates import title_core
from releases.models import Producer, ReleaseSeries

# Other names of our producers (slugified), and the slug of the producer each means.
ALIASES = {
    # GOV.UK's slug for NHS England dates from when it was the NHS Commissioning Board.
    "nhs-commissioning-board": "nhs-england",
    # NHS Digital (earlier the Health and Social Care Information Centre) merged into NHS England on 1 February 2023;
    # its series continue as NHS England's.
    "nhs-digital": "nhs-england",
    "health-and-social-care-information-centre": "nhs-england",
    "hscic": "nhs-england",
    "office-for-national-statistics": "ons",
    "uk-health-security-agency": "ukhsa",
    "department-of-health-and-social-care": "dhsc",
    "office-for-health-improvement-and-disparities": "ohid",
    "nhs-business-services-authority": "nhsbsa",
    "care-quality-commission": "cqc",
}


class ProducerIndex:
    """Every producer under every key it can be named by, read once per import."""

    def __init__(self, producers: Iterable[Producer] | None = None) -> None:
        self.by_key: dict[str, Producer] = {}
        for producer in Producer.objects.all() if producers is None else producers:
            for key in (producer.slug, producer.abbreviation, producer.name):
                self.by_key[slugify(key)] = producer

    def find(self, names: Iterable[str]) -> Producer | None:
        """The producer any of ``names`` (an organisation's slug, title, acronym) means, or None."""
        for name in names:
            key = slugify(name)
            if key in self.by_key:
                return self.by_key[key]
            if key in ALIASES and slugify(ALIASES[key]) in self.by_key:
                return self.by_key[slugify(ALIASES[key])]
        return None


def series_for(title: str, producer: Producer) -> ReleaseSeries | None:
    """The producer's one active series whose title the release's title begins with (periods and punctuation aside).

    Sources do not say which series a release belongs to; a series brings its topic networks and definitions, which
    the clash and duplicate engines need. Only an unambiguous match is taken.
    """
    core = title_core(title)
    found = [
        series
        for series in producer.series.filter(is_active=True)
        if (series_core := title_core(series.title)) and (core == series_core or core.startswith(f"{series_core} "))
    ]
    return found[0] if len(found) == 1 else None
