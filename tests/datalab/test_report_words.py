"""The report's words, branch by branch, its E-value and its SVG plots: pure, no database."""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

import pytest

from datalab import messages
from datalab.report import svg, words
from datalab.report.evalue import e_value, e_value_of_interval
from datalab.report.view_model import Subject, build, number, outcome_name
from tests.datalab.reports import PROGRAMME, analysed  # noqa: F401 - fixture

SUBJECT = Subject(
    reference="HDL-ABC-234", programme_name=PROGRAMME, programme_description="Volunteers visit.",
    organisation="Hartley Befriending Trust", who_it_helps="People aged 65 and over living alone.",
    delivery_start=date(2022, 6, 1), delivery_end=date(2023, 6, 30), primary_outcome="emergency_admissions",
    primary_measure="rate",
)  # fmt: skip


def outcome_row(label: str = "Emergency hospital admissions", measure: str = "rate", role: str = "primary", *,
                helped: str = "11.9", comparison: str = "18.3", difference: str = "-6.3", ci: str = "-8.4 to -4.3",
                p: str = "<0.001", holm: str = "", marker: str = "") -> list[str]:  # fmt: skip
    return [label, measure, role, helped, comparison, difference, ci, p, holm, marker, ""]


def publishable(*rows: list[str], placebo_warning: str | None = None, e_value_row: tuple[str, ...] | None = None,
                feasible: bool = True, headline: tuple[str, ...] = ()) -> dict[str, Any]:  # fmt: skip
    tables: list[dict[str, Any]] = [
        {"name": "counts", "rows": [["submitted", "2,000"], ["linked", "1,985"], ["analysed", "1,985"],
                                    ["matched", "1,855"], ["excluded: not_in_extract", "0"], ["share_matched", "93%"]]},
        {"name": "balance", "rows": [["Age at index (years)", "58.19", "47.06", "58.21", "0.492", "-0.001", "0.996",
                                      "green"], ["Female", "*", "50.7%", "*", "*", "*", "", "green"]]},
    ]  # fmt: skip
    if feasible:
        tables.append({"name": "outcomes", "rows": list(rows or [outcome_row()])})
        tables.append({"name": "placebo", "rows": [outcome_row(role="placebo", holm="0.800", marker="no")]})
    if e_value_row:
        tables.append({"name": "e_value", "rows": [list(e_value_row)]})
    return {"feasible": feasible, "feasibility_reasons": [] if feasible else ["Only 40% of the people were matched."],
            "headline": list(headline), "placebo_warning": placebo_warning, "tables": tables}  # fmt: skip


def test_a_significant_fall_says_between_x_and_y_fewer():
    view = build(publishable(), SUBJECT)
    assert view.kind == "fewer"
    assert view.headline == messages.HEADLINE_FEWER.format(
        programme=PROGRAMME, outcome="emergency hospital admissions", low="4.3", high="8.4",
        measure=messages.MEASURE_WORDS["rate"],
    )  # fmt: skip
    assert "between 4.3 and 8.4 fewer per 100 people" in view.headline
    assert view.can_say == (words.CAN_SAY["fewer"][0].format(programme=PROGRAMME, outcome="emergency hospital admissions"),)
    assert len(view.cannot_say) == 2 and "reduces" in view.cannot_say[0]


def test_a_significant_rise_says_more():
    view = build(publishable(outcome_row(difference="4.0", ci="1.5 to 6.5", p="0.002")), SUBJECT)
    assert view.kind == "more"
    assert "between 1.5 and 6.5 more per 100 people" in view.headline
    assert "statistically significant." in view.headline
    assert "more emergency hospital admissions" in view.can_say[0]
    assert "harms" in view.cannot_say[0]


def test_a_null_result_never_says_no_effect():
    view = build(publishable(outcome_row(difference="-1.0", ci="-3.2 to 1.2", p="0.370")), SUBJECT)
    assert view.kind == "not_significant"
    assert "do not show a statistically significant effect" in view.headline
    assert "should not be taken to mean that the programme has no effect" in view.headline
    assert "between 3.2 fewer and 1.2 more per 100 people" in view.headline
    assert view.cannot_say[0].endswith("has no effect on emergency hospital admissions.")


def test_the_boxes_for_any_100_people():
    rate = build(publishable(), SUBJECT).boxes
    assert rate == ((words.BOX_HELPED_TITLE, "11.9 had an emergency hospital admission in the year after starting"),
                    (words.BOX_COMPARISON_TITLE, "18.3 had an emergency hospital admission in the year after starting"))  # fmt: skip
    frequency = build(publishable(outcome_row(measure="frequency", helped="14.6", comparison="24.6", difference="-10.1",
                                              ci="-13.3 to -6.9")), SUBJECT).boxes  # fmt: skip
    assert frequency[0][1] == "14.6 emergency hospital admissions between them in the year after starting"
    suppressed = build(publishable(outcome_row(comparison="*")), SUBJECT).boxes
    assert suppressed[1] == (words.BOX_COMPARISON_TITLE, words.BOX_SUPPRESSED)


def test_a_suppressed_primary_gives_the_engines_reason_and_no_boxes():
    reason = messages.NO_HEADLINE_SUPPRESSED.format(reasons="Fewer than 10 people")
    view = build(publishable(outcome_row(helped="*", difference="*", ci="*", p="*"), headline=(reason,)), SUBJECT)
    assert (view.kind, view.headline, view.boxes, view.can_say, view.e_value) == (None, reason, (), (), None)


def test_not_feasible_gives_reasons_and_no_result():
    view = build(publishable(feasible=False), SUBJECT)
    assert not view.feasible and view.kind is None and view.headline == words.NO_HEADLINE
    assert view.feasibility_reasons == ("Only 40% of the people were matched.",)
    assert view.outcomes == () and view.forest_svgs == ()


def test_the_placebo_warning_shows_when_the_year_before_differs():
    assert build(publishable(placebo_warning=messages.PLACEBO_WARNING), SUBJECT).placebo_warning == messages.PLACEBO_WARNING
    assert build(publishable(), SUBJECT).placebo_warning == ""


def test_secondary_outcomes_carry_holm_markers():
    rows = [outcome_row(), outcome_row("A&E attendances", role="secondary", holm="0.004", marker="yes"),
            outcome_row("Outpatient attendances", role="secondary", holm="0.300", marker="no", ci="-1.0 to 2.0")]  # fmt: skip
    view = build(publishable(*rows), SUBJECT)
    assert [line.holm_marker for line in view.outcomes] == ["", words.HOLM_YES, words.HOLM_NO]
    assert view.outcomes[1].outcome == "ae_attendances"


@pytest.mark.parametrize(
    ("ci", "expected"),
    [
        ("-3.2 to 1.2", words.MID_RULES_OUT_BOTH.format(value=5.0)),
        ("-3.2 to 6.0", messages.MID_RULES_OUT_REDUCTION.format(value=5.0)),
        ("-7.0 to 1.2", words.MID_RULES_OUT_RISE.format(value=5.0)),
        ("-7.0 to 6.0", messages.MID_DOES_NOT_RULE_OUT.format(value=5.0)),
    ],
)  # fmt: skip
def test_a_declared_minimal_important_difference_says_what_is_ruled_out(ci, expected):
    subject = Subject(**{**SUBJECT.__dict__, "minimal_important_difference": 5.0})
    view = build(publishable(outcome_row(difference="-1.0", ci=ci, p="0.400")), subject)
    assert view.kind == "not_significant" and view.mid_statement == expected


def test_no_minimal_important_difference_no_statement():
    assert build(publishable(outcome_row(difference="-1.0", ci="-3 to 1", p="0.4")), SUBJECT).mid_statement == ""


def test_the_e_value_is_the_runs_when_it_gave_one():
    view = build(publishable(e_value_row=("0.65", "2.44", "1.99")), SUBJECT)
    assert view.e_value is not None and not view.e_value.computed
    assert (view.e_value.point, view.e_value.ci) == ("2.44", "1.99")
    assert "at least 2.44" in view.e_value.text and "at least 1.99" in view.e_value.text


def test_an_interval_that_reaches_no_difference_is_said_so_not_given_a_ratio_of_one():
    view = build(publishable(e_value_row=("1.05", "1.28", "1.00")), SUBJECT)
    assert view.e_value is not None
    assert view.e_value.text.endswith("The 95% interval already includes no difference.")
    assert "at least 1.00" not in view.e_value.text


def test_the_e_value_is_computed_from_the_published_rates_otherwise():
    view = build(publishable(), SUBJECT)
    assert view.e_value is not None and view.e_value.computed
    assert view.e_value.point == f"{e_value(11.9 / 18.3):.2f}"
    assert words.E_VALUE_COMPUTED in view.e_value.text
    frequency = publishable(outcome_row(measure="frequency"))
    assert build(frequency, SUBJECT).e_value is None  # a ratio of counts is not a risk ratio


def test_the_e_value_formula():
    assert e_value(2.0) == pytest.approx(2 + math.sqrt(2))
    assert e_value(0.5) == pytest.approx(2 + math.sqrt(2))  # a protective ratio is inverted
    assert e_value(1.0) == 1.0
    assert e_value(3.9) == pytest.approx(7.26, abs=0.005)  # VanderWeele and Ding's worked example
    assert e_value_of_interval(0.8, 1.1) == 1.0
    assert e_value_of_interval(1.5, 2.5) == pytest.approx(e_value(1.5))
    assert e_value_of_interval(0.4, 0.7) == pytest.approx(e_value(0.7))
    with pytest.raises(ValueError):
        e_value(0.0)


def test_counts_who_and_method():
    view = build(publishable(), SUBJECT)
    assert view.counts[:3] == (("People the organisation sent", "2,000"), ("Found in the national records", "1,985"),
                               ("Analysed", "1,985"))  # fmt: skip
    assert "excluded" not in str(view.counts)
    assert view.applies_to.startswith("The result applies to people like the 1,985 analysed: people aged 65 and over")
    assert "1 June 2022 and 30 June 2023" in view.applies_to
    assert "up to 5 people" in view.method and "Emergency hospital admissions (people with at least one)" in view.method


def test_published_cells_read_as_numbers():
    assert (number("1,234.5"), number("*"), number(""), number("93%"), number("\u22122.5")) == (1234.5, None, None, 93.0, -2.5)
    assert outcome_name("ae_attendances", lower=True) == "A&E attendances"
    assert outcome_name("bed_days", lower=True) == "nights in hospital (bed days)"


def test_the_report_of_a_real_run_says_what_the_engine_said(analysed):  # noqa: F811 - fixture
    view = build(analysed["publishable"], SUBJECT)
    assert view.headline == analysed["publishable"]["headline"][0]
    outcomes = next(t for t in analysed["publishable"]["tables"] if t["name"] == "outcomes")["rows"]
    balance = next(t for t in analysed["publishable"]["tables"] if t["name"] == "balance")["rows"]
    per_100 = [r for r in outcomes if r[1] in ("rate", "frequency")]
    assert len(view.forest_rows) == len(per_100) == 10
    assert [str(p).count('<g class="forest-row">') for p in view.forest_svgs] == [5, 5]
    assert str(view.balance_svg).count('<g class="balance-row">') == len(balance)
    assert view.e_value is not None and not view.e_value.computed


def test_the_plots_are_labelled_and_escaped():
    rows = [svg.ForestRow("<b>Primary</b>", -6.3, -8.4, -4.3, emphasis=True), svg.ForestRow("Suppressed", None, None, None)]
    picture = str(svg.forest_plot(rows, uid="f", title="Forest & more", desc="Two rows", caption="per 100"))
    assert picture.startswith("<svg") and 'role="img"' in picture and 'aria-labelledby="f-title f-desc"' in picture
    assert '<title id="f-title">Forest &amp; more</title>' in picture and '<desc id="f-desc">Two rows</desc>' in picture
    assert "&lt;b&gt;Primary&lt;/b&gt;" in picture and "<b>" not in picture
    assert picture.count('class="forest-row"') == 2 and picture.count("<circle") == 1 and "not published" in picture
    balance = str(svg.balance_plot([svg.BalanceRow("Age", 0.49, -0.01), svg.BalanceRow("Female", None, None)],
                                   uid="b", title="Balance", desc="d"))  # fmt: skip
    assert balance.count('class="balance-row"') == 2 and balance.count("<circle") == 2
    assert balance.count('stroke-dasharray="4 3"') == 2  # the 0.10 line either side of zero
    ticks = re.findall(r">([\u22120-9.]+)</text>", balance)
    assert "0.1" in ticks or "0.2" in ticks


def test_the_pdf_fetches_nothing(monkeypatch):
    import urllib.request

    from datalab.report.pdf import html_to_pdf

    opened: list[object] = []
    monkeypatch.setattr(urllib.request.OpenerDirector, "open", lambda self, *a, **k: opened.append(a))
    document = html_to_pdf('<p>Report</p><img src="file:///etc/hostname"><link rel="stylesheet" href="http://x.invalid/a.css">')
    assert document.startswith(b"%PDF") and opened == []
