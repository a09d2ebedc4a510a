"""A run's publishable tables and the request's facts, turned into what the report page and its PDF show.

Only the disclosure-controlled dict (``PublishableReport.to_dict()``) is read, never the unrounded result: what the
page can show is what the output checker approved. Figures come from its tables as published (a ``*`` is a
suppressed cell, and stays one); the words are built here, one function per part, so each branch is tested alone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from markupsafe import Markup

from .. import messages
from ..choices import Measure, Outcome
from . import svg, words
from .evalue import e_value

STAR = "*"
ALPHA = 0.05
OUTCOME_BY_LABEL = {str(label): value for value, label in Outcome.choices}
MEASURE_LABELS = {"rate": "people with at least one", "frequency": "number in the year",
                  "time_to_first": "days to the first, within the year"}  # fmt: skip


@dataclass(frozen=True)
class Subject:
    """What the report says about the request (nothing person-level): from ``DataLabRequest``."""

    reference: str
    programme_name: str
    programme_description: str
    organisation: str
    who_it_helps: str
    delivery_start: date
    delivery_end: date
    primary_outcome: str
    primary_measure: str
    minimal_important_difference: float | None = None
    max_controls: int = 5
    caliper_sd: float = 0.2
    smd_threshold: float = 0.10
    alpha: float = ALPHA


@dataclass(frozen=True)
class OutcomeLine:
    outcome: str  # choices.Outcome value
    label: str
    measure: str
    role: str  # primary, secondary or placebo
    helped: str
    comparison: str
    difference: str
    interval: str
    p_value: str
    holm_p: str
    holm_marker: str  # words.HOLM_YES / HOLM_NO, or "" (primary)
    median_days: str
    estimate: float | None
    low: float | None
    high: float | None


@dataclass(frozen=True)
class BalanceLine:
    label: str
    cells: tuple[str, ...]  # as published: treated, controls before, controls after, SMD before, SMD after, VR, band
    smd_before: float | None
    smd_after: float | None
    band: str


@dataclass(frozen=True)
class EValueView:
    point: str
    ci: str | None
    computed: bool  # by the report, from the published rates (the run gave none)
    text: str


@dataclass(frozen=True)
class ReportView:
    subject: Subject
    feasible: bool
    feasibility_reasons: tuple[str, ...]
    kind: str | None  # fewer, more, not_significant; None without a headline
    headline: str
    boxes: tuple[tuple[str, str], ...]  # (title, text): the helped, then the comparison group
    counts: tuple[tuple[str, str], ...]
    applies_to: str
    can_say: tuple[str, ...]
    cannot_say: tuple[str, ...]
    uncertainty: str
    method: str
    placebo_warning: str
    mid_statement: str
    e_value: EValueView | None
    outcomes: tuple[OutcomeLine, ...]
    placebo: tuple[OutcomeLine, ...]
    balance: tuple[BalanceLine, ...]
    forest_svgs: tuple[Markup, ...] = ()  # one per measure (rate, frequency): each on its own scale
    balance_svg: Markup | None = None
    forest_rows: tuple[svg.ForestRow, ...] = field(default=())

    @property
    def primary(self) -> OutcomeLine | None:
        return next((line for line in self.outcomes if line.role == "primary"), None)


# --- reading the published cells ----------------------------------------------------------------------------------


def number(cell: str) -> float | None:
    """A published figure as a number; None for a suppressed (*) or empty cell."""
    text = (cell or "").strip().replace(",", "").replace("\u2212", "-")
    if text in ("", STAR):
        return None
    try:
        value = float(text.rstrip("%"))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def interval(cell: str) -> tuple[float | None, float | None]:
    low, _sep, high = (cell or "").partition(" to ")
    return number(low), number(high)


def p_value(cell: str) -> float | None:
    text = (cell or "").strip()
    if text.startswith("<"):
        return number(text[1:])
    return number(text)


def _tables(publishable: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {table["name"]: table for table in publishable.get("tables", [])}


def outcome_name(label_or_value: str, *, lower: bool = False) -> str:
    """An outcome's name, as a heading or (``lower``) inside a sentence: "A&E" keeps its capitals."""
    label = str(dict(Outcome.choices).get(label_or_value, label_or_value))
    if lower and not label[:2].isupper():
        return label[:1].lower() + label[1:]
    return label


def _outcome_lines(table: Mapping[str, Any] | None) -> tuple[OutcomeLine, ...]:
    if table is None:
        return ()
    lines = []
    for row in table["rows"]:
        label, measure, role, helped, comparison, difference, ci, p, holm, marker, median = row
        low, high = interval(ci)
        holm_marker = "" if marker == "" else (words.HOLM_YES if marker == "yes" else
                                               words.HOLM_NO if marker == "no" else STAR)  # fmt: skip
        lines.append(OutcomeLine(
            outcome=OUTCOME_BY_LABEL.get(label, label), label=label, measure=measure, role=role, helped=helped,
            comparison=comparison, difference=difference, interval=ci, p_value=p, holm_p=holm,
            holm_marker=holm_marker, median_days=median, estimate=number(difference), low=low, high=high,
        ))  # fmt: skip
    return tuple(lines)


def _balance_lines(table: Mapping[str, Any] | None) -> tuple[BalanceLine, ...]:
    if table is None:
        return ()
    return tuple(
        BalanceLine(label=row[0], cells=tuple(row[1:]), smd_before=number(row[4]), smd_after=number(row[5]),
                    band=row[7])
        for row in table["rows"]
    )  # fmt: skip


# --- the words ------------------------------------------------------------------------------------------------------


def _per_100(value: float) -> str:
    return f"{value:,.1f}"


def kind_of(line: OutcomeLine, alpha: float = ALPHA) -> str | None:
    """fewer / more when the interval excludes no difference (p below 5%), else not_significant; None if suppressed."""
    if line.estimate is None or line.low is None or line.high is None:
        return None
    p = p_value(line.p_value)
    excludes_zero = line.high < 0 or line.low > 0
    significant = excludes_zero or (p is not None and p < alpha and line.estimate != 0)
    if not significant:
        return "not_significant"
    return "fewer" if line.estimate < 0 else "more"


def headline(line: OutcomeLine, kind: str, programme: str) -> str:
    outcome = outcome_name(line.outcome, lower=True)
    measure = messages.MEASURE_WORDS.get(line.measure, line.measure)
    assert line.low is not None and line.high is not None  # noqa: S101 - kind_of said so
    if kind == "fewer":
        return messages.HEADLINE_FEWER.format(programme=programme, outcome=outcome, low=_per_100(-min(line.high, 0.0)),
                                              high=_per_100(-line.low), measure=measure)  # fmt: skip
    if kind == "more":
        return messages.HEADLINE_MORE.format(programme=programme, outcome=outcome, low=_per_100(max(line.low, 0.0)),
                                             high=_per_100(line.high), measure=measure)  # fmt: skip
    return messages.HEADLINE_NOT_SIGNIFICANT.format(outcome=outcome, low=_per_100(max(-line.low, 0.0)),
                                                    high=_per_100(max(line.high, 0.0)), measure=measure)  # fmt: skip


def boxes(line: OutcomeLine) -> tuple[tuple[str, str], ...]:
    """"For any 100 people like those helped" and the comparison group's box (rate and frequency only)."""
    template = words.BOX_HELPED.get(line.measure)
    if template is None:
        return ()
    outcome = outcome_name(line.outcome, lower=True)

    def text(value: str) -> str:
        return words.BOX_SUPPRESSED if number(value) is None else template.format(
            value=value, outcome=outcome, one=words.ONE_OF.get(line.outcome, outcome))

    return ((words.BOX_HELPED_TITLE, text(line.helped)), (words.BOX_COMPARISON_TITLE, text(line.comparison)))


def mid_statement(line: OutcomeLine, value: float | None) -> str:
    """What the interval rules out against the organisation's minimal important difference (none declared: "")."""
    if value is None or line.low is None or line.high is None:
        return words.MID_NONE
    no_fall, no_rise = line.low > -value, line.high < value
    if no_fall and no_rise:
        return words.MID_RULES_OUT_BOTH.format(value=value)
    if no_fall:
        return messages.MID_RULES_OUT_REDUCTION.format(value=value)
    if no_rise:
        return words.MID_RULES_OUT_RISE.format(value=value)
    return messages.MID_DOES_NOT_RULE_OUT.format(value=value)


def e_value_view(tables: Mapping[str, Mapping[str, Any]], line: OutcomeLine) -> EValueView | None:
    """The run's E-value of the primary outcome; failing that, one computed from the two published rates."""
    outcome = outcome_name(line.outcome, lower=True)
    table = tables.get("e_value")
    if table and table["rows"]:
        _ratio, point, ci = table["rows"][0]
        text = words.E_VALUE.format(point=point, outcome=outcome)
        ci_value = number(ci)
        if ci_value is not None:  # an E-value of 1 for the interval: it already reaches no difference
            text += " " + (words.E_VALUE_INTERVAL_NULL if ci_value <= 1 else words.E_VALUE_INTERVAL.format(ci=ci))
        return EValueView(point=point, ci=ci, computed=False, text=text)
    helped, comparison = number(line.helped), number(line.comparison)
    if line.measure != Measure.RATE or not helped or not comparison:
        return None
    point = f"{e_value(helped / comparison):.2f}"
    text = f"{words.E_VALUE.format(point=point, outcome=outcome)} {words.E_VALUE_COMPUTED}"
    return EValueView(point=point, ci=None, computed=True, text=text)


def count_rows(table: Mapping[str, Any] | None) -> tuple[tuple[str, str], ...]:
    if table is None:
        return ()
    return tuple((words.COUNT_LABELS[name], value) for name, value in table["rows"] if name in words.COUNT_LABELS)


def _in_sentence(text: str) -> str:
    """Text that starts a sentence, inside one: "People aged 65" -> "people aged 65" (not "NHS staff")."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def applies_to(subject: Subject, counts: Mapping[str, str]) -> str:
    who = _in_sentence(subject.who_it_helps.strip().rstrip(".")) or "people"
    return words.APPLIES_TO.format(
        analysed=counts.get(words.COUNT_LABELS["analysed"], STAR), who=who,
        start=f"{subject.delivery_start:%-d %B %Y}", end=f"{subject.delivery_end:%-d %B %Y}",
    )  # fmt: skip


def method(subject: Subject) -> str:
    measure = MEASURE_LABELS.get(subject.primary_measure, subject.primary_measure)
    primary = words.PRIMARY_NAMED.format(outcome=outcome_name(subject.primary_outcome), measure=measure)
    return words.METHOD.format(controls=subject.max_controls, caliper=f"{subject.caliper_sd:g}",
                               smd=f"{subject.smd_threshold:.2f}", primary=primary)  # fmt: skip


def _say(
    templates: Mapping[str, Sequence[str]], kind: str | None, line: OutcomeLine | None, programme: str
) -> tuple[str, ...]:
    if kind is None or line is None:
        return ()
    outcome = outcome_name(line.outcome, lower=True)
    return tuple(t.format(programme=programme, outcome=outcome) for t in templates[kind])


def forest_rows(lines: Sequence[OutcomeLine], measure: str) -> tuple[svg.ForestRow, ...]:
    """One measure's rows, per 100 people (time to first event is in days: in the table only)."""
    return tuple(
        svg.ForestRow(label=line.label, estimate=line.estimate, low=line.low, high=line.high,
                      emphasis=line.role == "primary")
        for line in lines if line.measure == measure
    )  # fmt: skip


def forest_plots(lines: Sequence[OutcomeLine], reference: str) -> tuple[Markup, ...]:
    plots = []
    for measure in (Measure.RATE.value, Measure.FREQUENCY.value):
        rows = forest_rows(lines, measure)
        if rows:
            plots.append(svg.forest_plot(
                rows, uid=f"forest-{measure}-{reference}", title=words.FOREST_TITLE[measure],
                desc=words.FOREST_DESC.format(rows=len(rows)), caption=words.FOREST_CAPTION[measure],
            ))  # fmt: skip
    return tuple(plots)


def build(publishable: Mapping[str, Any], subject: Subject) -> ReportView:
    """The report of one run, as the page and the PDF show it."""
    tables = _tables(publishable)
    outcomes = _outcome_lines(tables.get("outcomes"))
    placebo = _outcome_lines(tables.get("placebo"))
    balance = _balance_lines(tables.get("balance"))
    counts = count_rows(tables.get("counts"))
    primary = next((line for line in outcomes if line.role == "primary"), None)
    feasible = bool(publishable.get("feasible"))
    kind = kind_of(primary, subject.alpha) if feasible and primary is not None else None
    programme = subject.programme_name
    if kind is not None and primary is not None:
        head = headline(primary, kind, programme)
    elif feasible and publishable.get("headline"):
        head = str(publishable["headline"][0])  # the engine's reason the main result is not published
    else:
        head = words.NO_HEADLINE
    rows = forest_rows(outcomes, Measure.RATE) + forest_rows(outcomes, Measure.FREQUENCY)
    balance_rows = tuple(svg.BalanceRow(b.label, b.smd_before, b.smd_after) for b in balance)
    balance_picture = svg.balance_plot(
        balance_rows, uid=f"balance-{subject.reference}", title=words.BALANCE_TITLE,
        desc=words.BALANCE_DESC.format(rows=len(balance_rows)), line=subject.smd_threshold,
    ) if balance_rows else None  # fmt: skip
    return ReportView(
        subject=subject,
        feasible=feasible,
        feasibility_reasons=tuple(publishable.get("feasibility_reasons", ())),
        kind=kind,
        headline=head,
        boxes=boxes(primary) if kind is not None and primary is not None else (),
        counts=counts,
        applies_to=applies_to(subject, dict(counts)),
        can_say=_say(words.CAN_SAY, kind, primary, programme),
        cannot_say=_say(words.CANNOT_SAY, kind, primary, programme),
        uncertainty=words.UNCERTAINTY,
        method=method(subject),
        placebo_warning=str(publishable.get("placebo_warning") or ""),
        mid_statement=mid_statement(primary, subject.minimal_important_difference) if kind and primary else "",
        e_value=e_value_view(tables, primary) if kind and primary else None,
        outcomes=outcomes,
        placebo=placebo,
        balance=balance,
        forest_svgs=forest_plots(outcomes, subject.reference),
        balance_svg=balance_picture,
        forest_rows=rows,
    )
