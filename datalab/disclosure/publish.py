"""A whole analysis result through the disclosure rules: the publishable tables and the evidence of every cell.

What is checked, and how (rules.py for each rule):
- counts submitted, linked, analysed, matched and excluded: the HES rule (1-7 as *, others to the nearest 5);
- profile tables (the analysed cohort by age and sex, region, ethnicity, deprivation): cells under 10 people
  suppressed (zeros included), the others rounded, then secondary suppression in each row and column; totals from
  the unrounded counts; ACRO's verdict on the same tables is kept as evidence beside the lab's own;
- balance: the treated means only from 10 or more people, and a binary covariate's share only with 10 or more people
  with it and without it (the SMD and variance ratio of such a row are withheld too: with the control mean they give
  the share back); the colour band is always shown;
- outcomes and placebo: the treated people's cell needs 10 or more people, with the event and without it (never 0%
  or 100%), and no dominance of the two largest contributions to a count; a suppressed treated value takes the
  difference, interval and p-value of its row with it; the matched controls need 10 or more people and events;
- not feasible: no outcome is published at all, only the reasons.
Model estimates and intervals need no rounding (HES); the E-value and the minimal important difference statement
follow the primary row.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import messages
from ..analysis.result import AcroEvidence, AnalysisResult, OutcomeRow, ProfileTable, to_plain
from ..choices import Outcome
from .rules import (
    STAR,
    Check,
    check_count,
    check_dominance,
    check_events,
    check_mean,
    check_people,
    check_proportion,
    combine,
    rounded_total,
    shown_count,
    suppress_lines,
)


@dataclass(frozen=True)
class CellEvidence:
    table: str
    row: str
    column: str
    action: str  # shown, rounded or suppressed
    reasons: tuple[str, ...]  # keys of messages.SDC_REASONS


@dataclass(frozen=True)
class PublishedTable:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class PublishableReport:
    feasible: bool
    feasibility_reasons: tuple[str, ...]
    headline: tuple[str, ...]  # sentences
    placebo_warning: str | None
    tables: tuple[PublishedTable, ...]
    evidence: tuple[CellEvidence, ...]
    acro: AcroEvidence | None

    def to_dict(self) -> dict[str, object]:
        plain: dict[str, object] = to_plain(self)
        return plain

    def table(self, name: str) -> PublishedTable:
        return next(t for t in self.tables if t.name == name)


class _Evidence:
    def __init__(self) -> None:
        self.cells: list[CellEvidence] = []

    def add(self, table: str, row: str, column: str, check: Check, *, rounded: bool = False) -> bool:
        action = "suppressed" if not check.passed else ("rounded" if rounded else "shown")
        self.cells.append(CellEvidence(table, row, column, action, check.reasons))
        return check.passed


def _per_100(value: float) -> str:
    return f"{value:,.1f}"


def _p(value: float) -> str:
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def _count_table(result: AnalysisResult, evidence: _Evidence) -> PublishedTable:
    counts = result.counts
    rows = []
    figures = [("submitted", counts.submitted), ("linked", counts.linked), ("analysed", counts.analysed),
               ("matched", counts.matched)]  # fmt: skip
    figures += [(f"excluded: {e.reason}", e.people) for e in counts.excluded]
    for name, value in figures:
        if value is None:
            continue
        check = check_count(value)
        evidence.add("counts", name, "people", check, rounded=check.passed)
        rows.append((name, shown_count(value)))
    share = f"{counts.share_matched:.0%}"
    evidence.add("counts", "share_matched", "share", Check(True))
    rows.append(("share_matched", share))
    return PublishedTable("counts", "People in the analysis", ("figure", "people"), tuple(rows))


def _profile_table(profile: ProfileTable, evidence: _Evidence) -> PublishedTable:
    two_way = len(profile.dimensions) == 2
    cells = {cell.labels: cell.people for cell in profile.cells}
    if two_way:
        rows_labels = list(dict.fromkeys(labels[0] for labels in cells))
        column_labels = list(dict.fromkeys(labels[1] for labels in cells))
        grid = [[cells[(r, c)] for c in column_labels] for r in rows_labels]
    else:
        rows_labels, column_labels = [labels[0] for labels in cells], ["people"]
        grid = [[cells[(r,)]] for r in rows_labels]
    primary = [[not check_people(v).passed for v in row] for row in grid]
    if two_way:
        marks = suppress_lines(primary, grid)
    else:  # one column: the whole table is the line (as one row for suppress_lines)
        line = suppress_lines([[m[0] for m in primary]], [[v[0] for v in grid]])[0]
        marks = [[m] for m in line]
    rows = []
    for i, label in enumerate(rows_labels):
        shown = []
        for j, column in enumerate(column_labels):
            value = grid[i][j]
            if marks[i][j]:
                reasons = check_people(value).reasons or ("derived_from_suppressed",)
                evidence.add(profile.name, label, column, Check(False, reasons))
                shown.append(STAR)
            else:
                evidence.add(profile.name, label, column, Check(True), rounded=True)
                shown.append(shown_count(value))
        rows.append((label, *shown))
    total = rounded_total(v for row in grid for v in row)
    rows.append(("Total", *([""] * (len(column_labels) - 1)), STAR if total is None else f"{total:,}"))
    return PublishedTable(profile.name, profile.title, (profile.dimensions[0], *column_labels), tuple(rows))


def _balance_table(result: AnalysisResult, evidence: _Evidence) -> PublishedTable:
    matched, controls = result.counts.matched, result.counts.controls_used
    rows = []
    for row in result.balance:
        treated_check = check_mean(matched)
        if row.binary and row.treated_mean_after is not None:
            treated_check = combine(treated_check, check_proportion(people=matched, share=row.treated_mean_after))
        if row.binary and row.treated_mean_before is not None:
            treated_check = combine(treated_check, check_proportion(people=result.counts.analysed,
                                                                    share=row.treated_mean_before))  # fmt: skip
        control_check = check_mean(controls)
        shown_treated = evidence.add("balance", row.name, "treated_mean", treated_check)
        shown_control = evidence.add("balance", row.name, "control_mean_after", control_check)
        derived = Check(True) if shown_treated else Check(False, ("derived_from_suppressed",))
        evidence.add("balance", row.name, "smd", derived)
        fmt = (lambda v: "" if v is None else f"{v:.1%}") if row.binary else (lambda v: "" if v is None else f"{v:.2f}")
        number = lambda v: "" if v is None else f"{v:.3f}"  # noqa: E731
        rows.append((
            row.label,
            fmt(row.treated_mean_after) if shown_treated else STAR,
            fmt(row.control_mean_before) if shown_control else STAR,
            fmt(row.control_mean_after) if shown_control else STAR,
            number(row.smd_before) if shown_treated else STAR,
            number(row.smd_after) if shown_treated else STAR,
            number(row.variance_ratio_after) if shown_treated and not row.binary else "",
            row.band,
        ))  # fmt: skip
    columns = ("covariate", "treated", "controls before", "controls after", "SMD before", "SMD after",
               "variance ratio after", "balance")  # fmt: skip
    return PublishedTable("balance", "Balance before and after matching", columns, tuple(rows))


def _outcome_check(row: OutcomeRow) -> tuple[Check, Check]:
    t, c = row.treated, row.control
    treated = check_events(people=t.people, with_event=t.with_event, events=t.events)
    if row.measure == "frequency":
        treated = combine(treated, check_dominance(t.top2_share))
    control = combine(check_people(c.people), check_mean(c.people),
                      Check(False, ("events_under_threshold",)) if c.with_event < 10 else Check(True))  # fmt: skip
    return treated, control


def _outcome_table(name: str, title: str, rows_in: tuple[OutcomeRow, ...], evidence: _Evidence) -> PublishedTable:
    rows = []
    for row in rows_in:
        key = f"{row.outcome}:{row.measure}"
        treated_check, control_check = _outcome_check(row)
        shown_t = evidence.add(name, key, "treated_value", treated_check)
        shown_c = evidence.add(name, key, "control_value", control_check)
        whole = shown_t and shown_c
        evidence.add(name, key, "difference", Check(True) if whole else Check(False, ("derived_from_suppressed",)))
        median = ""
        if row.measure == "time_to_first" and row.treated.median_days_to_first is not None:
            if evidence.add(name, key, "median_days", check_mean(row.treated.with_event)):
                median = f"{row.treated.median_days_to_first:.0f}"
            else:
                median = STAR
        holm = "" if row.holm_p is None else _p(row.holm_p)
        marker = "" if row.significant_after_holm is None else ("yes" if row.significant_after_holm else "no")
        rows.append((
            dict(Outcome.choices)[row.outcome], row.measure,
            "placebo" if row.period == "placebo" else ("primary" if row.primary else "secondary"),
            _per_100(row.treated_value) if shown_t else STAR, _per_100(row.control_value) if shown_c else STAR,
            _per_100(row.difference) if whole else STAR,
            f"{_per_100(row.ci_low)} to {_per_100(row.ci_high)}" if whole else STAR,
            _p(row.p_value) if whole else STAR, holm if whole else STAR, marker if whole else STAR, median,
        ))  # fmt: skip
    columns = ("outcome", "measure", "role", "helped", "comparison", "difference", "95% interval", "p-value",
               "Holm-adjusted p", "significant after Holm", "median days to first (helped)")  # fmt: skip
    return PublishedTable(name, title, columns, tuple(rows))


def _headline(result: AnalysisResult, programme: str, evidence: _Evidence) -> tuple[str, ...]:
    primary = result.primary
    if primary is None:
        return ()
    cells = {(e.row, e.column): e for e in evidence.cells if e.table == "outcomes"}
    key = f"{primary.outcome}:{primary.measure}"
    blocked = [cells[(key, c)] for c in ("treated_value", "control_value") if cells[(key, c)].action == "suppressed"]
    if blocked:
        reasons = sorted({r for cell in blocked for r in cell.reasons})
        texts = "; ".join(messages.SDC_REASONS[r].format(threshold=10, n=2, k=0.9) for r in reasons)
        return (messages.NO_HEADLINE_SUPPRESSED.format(reasons=texts),)
    outcome = dict(Outcome.choices)[primary.outcome].lower()
    measure = messages.MEASURE_WORDS[primary.measure]
    low, high = primary.ci_low, primary.ci_high
    if primary.significant and high < 0:
        text = messages.HEADLINE_FEWER.format(programme=programme, outcome=outcome, low=_per_100(-high),
                                              high=_per_100(-low), measure=measure)  # fmt: skip
    elif primary.significant and low > 0:
        text = messages.HEADLINE_MORE.format(programme=programme, outcome=outcome, low=_per_100(low),
                                             high=_per_100(high), measure=measure)  # fmt: skip
    else:
        text = messages.HEADLINE_NOT_SIGNIFICANT.format(outcome=outcome, low=_per_100(max(-low, 0.0)),
                                                        high=_per_100(max(high, 0.0)), measure=measure)  # fmt: skip
    per_100 = messages.PER_100_PEOPLE.format(treated=_per_100(primary.treated_value),
                                             control=_per_100(primary.control_value), measure=measure)  # fmt: skip
    sentences = [text, per_100]
    mid = result.minimal_important_difference
    if mid is not None:
        template = messages.MID_RULES_OUT_REDUCTION if mid.rules_out_reduction else messages.MID_DOES_NOT_RULE_OUT
        sentences.append(template.format(value=mid.value))
    return tuple(sentences)


def publish(result: AnalysisResult, *, programme: str = "the programme") -> PublishableReport:
    """The result as it may be published, and for every cell what was done and why (for the output checker)."""
    evidence = _Evidence()
    tables = [_count_table(result, evidence)]
    tables += [_profile_table(profile, evidence) for profile in result.profiles]
    tables.append(_balance_table(result, evidence))
    headline: tuple[str, ...] = ()
    if result.feasibility.passed:
        tables.append(_outcome_table("outcomes", "Outcomes in the year after the start date", result.outcomes,
                                     evidence))  # fmt: skip
        tables.append(_outcome_table("placebo", "The same comparison in the year before the start date (placebo)",
                                     result.placebo, evidence))  # fmt: skip
        headline = _headline(result, programme, evidence)
        if result.e_value is not None and result.primary is not None:
            e = result.e_value
            columns = ("ratio", "E-value", "E-value (interval)")
            values = ((f"{e.ratio:.2f}", f"{e.point:.2f}", f"{e.ci:.2f}"),)
            tables.append(PublishedTable("e_value", "E-value of the primary outcome", columns, values))
    else:
        evidence.add("outcomes", "all", "all", Check(False, ("not_feasible",)))
    return PublishableReport(
        feasible=result.feasibility.passed,
        feasibility_reasons=tuple(reason.text for reason in result.feasibility.reasons),
        headline=headline,
        placebo_warning=messages.PLACEBO_WARNING if result.placebo_warning else None,
        tables=tuple(tables),
        evidence=tuple(evidence.cells),
        acro=result.acro,
    )
