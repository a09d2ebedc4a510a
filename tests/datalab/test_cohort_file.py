"""The cohort file: every rule with a case it refuses and one it accepts, hostile uploads, the templates, a property."""

import csv
import io
import json
import re
import string
import struct
import tempfile
import zipfile
from datetime import date, datetime

import nhs_number
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from datalab import messages
from datalab.cohort_file import (
    COLUMNS,
    MAX_COLUMNS,
    CohortFileInvalid,
    CohortRow,
    RowError,
    read_cohort_file,
    template_csv,
    template_xlsx,
)
from datalab.linkage import link_cohort, link_pseudonymised, pseudonymise_cohort, pseudonymise_rows, read_cohort_csv
from datalab.pseudonymise import fallback_pseudonym, nhs_pseudonym, normalise_nhs_number

from .conftest import KEY

TODAY = date(2025, 6, 1)
HEADER = ",".join(COLUMNS)


def synthetic_nhs_number(base: int) -> str:
    """The first NHS number at or after ``base`` (nine digits, in the unissued 900000000-999999999 range)."""
    while (check := nhs_number.calculate_checksum(str(base))) == 10:
        base += 1
    return f"{base}{check}"


NHS_A = synthetic_nhs_number(900_000_001)
NHS_B = synthetic_nhs_number(912_345_678)
NHS_C = synthetic_nhs_number(987_654_321)
WRONG_CHECK = NHS_A[:9] + str((int(NHS_A[9]) + 1) % 10)
NO_NHS = ",1980-03-31,F,LS1 4AP,2024-01-15,"  # a person found by date of birth, sex and postcode


def csv_file(*lines: str, header: str = HEADER, newline: str = "\r\n") -> bytes:
    return (newline.join([header, *lines]) + newline).encode()


def xlsx_file(*rows: list, header: list | None = None, sheet=None) -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.append(list(COLUMNS) if header is None else header)
    for row in rows:
        worksheet.append(row)
    if sheet is not None:
        sheet(worksheet)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def read(data: bytes, filename: str = "cohort.csv", today: date = TODAY) -> list[CohortRow]:
    return read_cohort_file(filename=filename, data=data, today=today)


def refused(data: bytes, filename: str = "cohort.csv", today: date = TODAY) -> CohortFileInvalid:
    with pytest.raises(CohortFileInvalid) as raised:
        read(data, filename, today)
    return raised.value


def messages_of(data: bytes, filename: str = "cohort.csv") -> list[str]:
    return [error.message for error in refused(data, filename).errors]


def only(message: str) -> list[str]:
    return [message]


def row_error(row: int, field: str, message: str, column: str = "") -> RowError:
    return RowError(row=row, field=field, message=message.format(row=row, column=column))


# --- a good file ------------------------------------------------------------------------------------------------------


def test_a_good_csv_gives_every_person_normalised_with_their_spreadsheet_row():
    data = csv_file(
        f"{NHS_A[:3]} {NHS_A[3:6]} {NHS_A[6:]},,,,2024-01-02,3",
        f" {NHS_B[:3]}-{NHS_B[3:6]}-{NHS_B[6:]} ,31/3/1980,female,,02/01/2024,0",
        ",,,,,",  # an empty row: skipped, and the rows after keep their numbers
        "  ,\t,, ,,",  # whitespace only: empty too
        ",1980-03-31,m,ls1 4ap,15/1/2024,10000",
        f"{NHS_C},1975-12-01,2,SW1A1AA,1975-12-01,",  # the index date may be the date of birth
    )
    assert read(data) == [
        CohortRow(row=2, nhs_number=NHS_A, date_of_birth=None, sex=None, postcode=None, index_date=date(2024, 1, 2),
                  sessions=3),
        CohortRow(row=3, nhs_number=NHS_B, date_of_birth=date(1980, 3, 31), sex="2", postcode=None,
                  index_date=date(2024, 1, 2), sessions=0),
        CohortRow(row=6, nhs_number=None, date_of_birth=date(1980, 3, 31), sex="1", postcode="LS14AP",
                  index_date=date(2024, 1, 15), sessions=10000),
        CohortRow(row=7, nhs_number=NHS_C, date_of_birth=date(1975, 12, 1), sex="2", postcode="SW1A1AA",
                  index_date=date(1975, 12, 1), sessions=None),
    ]  # fmt: skip


def test_headings_are_matched_whatever_their_case_spacing_or_hyphens_and_sessions_may_be_left_out():
    header = " NHS Number ,Date-of-Birth,SEX,PostCode,index  date"
    data = csv_file(f"{NHS_A},,,,2024-01-02", header=header, newline="\n")
    assert read(data) == [
        CohortRow(row=2, nhs_number=NHS_A, date_of_birth=None, sex=None, postcode=None, index_date=date(2024, 1, 2),
                  sessions=None)
    ]  # fmt: skip
    reordered = csv_file(f"2024-01-02,{NHS_A},,,,7", header="index_date,nhs_number,sex,postcode,date_of_birth,sessions")
    assert [(row.nhs_number, row.index_date, row.sessions) for row in read(reordered)] == [
        (NHS_A, date(2024, 1, 2), 7)
    ]


# --- the headings -----------------------------------------------------------------------------------------------------


def test_missing_unknown_and_duplicated_columns_are_named_in_one_go():
    header = "nhs_number,Date of birth,sex,First name,date_of_birth,ward 12,sessions"
    assert messages_of(csv_file(f"{NHS_A},,,Sam,,,", header=header)) == [
        messages.COHORT_COLUMNS_MISSING.format(columns="postcode and index_date"),
        messages.COHORT_COLUMNS_UNKNOWN.format(columns="column D (first_name) and column F"),
        messages.COHORT_COLUMNS_DUPLICATED.format(columns="date_of_birth"),
    ]


def test_a_first_row_that_is_not_headings_is_refused_without_repeating_it():
    data = f"{NHS_A},1980-03-31,F,LS1 4AP,2024-01-02\r\n".encode()
    error = refused(data)
    assert [e.message for e in error.errors] == only(messages.COHORT_HEADER_MISSING)
    assert error.errors[0] == RowError(row=None, field="", message=messages.COHORT_HEADER_MISSING)
    assert messages_of(b"\r\n" + csv_file(f"{NHS_A},,,,2024-01-02")) == only(messages.COHORT_HEADER_MISSING)


def test_a_csv_with_semicolons_between_its_columns_is_told_to_use_commas():
    data = csv_file(f"{NHS_A};;;;2024-01-02", header=HEADER.replace(",", ";"))
    assert messages_of(data) == only(messages.COHORT_CSV_SEPARATOR)
    assert messages_of(csv_file(header=HEADER.replace(",", "\t"))) == only(messages.COHORT_CSV_SEPARATOR)


def test_values_in_a_column_without_a_heading_are_refused():
    data = csv_file(f"{NHS_A},,,,2024-01-02,,", f"{NHS_B},,,,2024-01-02,,,Sam", f"{NHS_C},,,,2024-01-02")
    assert refused(data).errors == [
        RowError(row=None, field="", message=messages.COHORT_VALUES_WITHOUT_HEADING.format(columns="column H"))
    ]


# --- the kind of file -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("filename", ["cohort.txt", "cohort.exe", "cohort", "cohort.xls", "cohort.csv.exe", ".csv "])
def test_only_csv_and_xlsx_names_are_accepted(filename):
    assert messages_of(csv_file(f"{NHS_A},,,,2024-01-02"), filename) == only(messages.COHORT_WRONG_TYPE)


def test_the_name_is_matched_whatever_its_case_or_folder():
    for filename in ("COHORT.CSV", "C:\\Users\\sam\\cohort.Csv", "folder/cohort.csv"):
        assert len(read(csv_file(f"{NHS_A},,,,2024-01-02"), filename)) == 1
    assert len(read(xlsx_file([NHS_A, None, None, None, "2024-01-02"]), "People.XLSX")) == 1


def test_an_empty_or_too_large_file_is_refused(settings):
    assert messages_of(b"") == only(messages.COHORT_EMPTY)
    assert messages_of(b"", "cohort.xlsx") == only(messages.COHORT_EMPTY)
    data = csv_file(f"{NHS_A},,,,2024-01-02")
    settings.DATALAB_MAX_UPLOAD_BYTES = len(data)
    assert len(read(data)) == 1
    settings.DATALAB_MAX_UPLOAD_BYTES = len(data) - 1
    assert messages_of(data) == only(messages.COHORT_TOO_BIG.format(size=f"{len(data) - 1} bytes"))
    settings.DATALAB_MAX_UPLOAD_BYTES = 2048
    assert messages_of(data * 60) == only(messages.COHORT_TOO_BIG.format(size="2 KB"))
    del settings.DATALAB_MAX_UPLOAD_BYTES
    assert messages_of(b"x" * (10 * 1024 * 1024 + 1)) == only(messages.COHORT_TOO_BIG.format(size="10 MB"))


# --- CSV: the encoding and the format ---------------------------------------------------------------------------------


def test_utf8_with_or_without_a_byte_order_mark_and_either_line_ending_is_read():
    text = f"{HEADER}\n{NHS_A},,,,2024-01-02\n,1980-03-31,F,LS1 4AP,2024-01-02,\n"
    for data in (text.encode(), text.encode("utf-8-sig"), text.replace("\n", "\r\n").encode("utf-8-sig")):
        assert [row.row for row in read(data)] == [2, 3]


def test_a_file_not_saved_as_utf8_is_told_how_to_save_it():
    text = f"{HEADER}\r\n{NHS_A},,,,2024-01-02,\r\n"
    assert messages_of(text.encode("utf-16")) == only(messages.COHORT_NOT_UTF8)  # with its byte order mark
    assert messages_of(text.encode("utf-32")) == only(messages.COHORT_NOT_UTF8)
    latin = f"{HEADER},note\r\n{NHS_A},,,,2024-01-02,,£5 voucher\r\n".encode("latin-1")
    assert messages_of(latin) == only(messages.COHORT_NOT_UTF8)
    assert "CSV UTF-8 (Comma delimited)" in messages.COHORT_NOT_UTF8


def test_binary_junk_or_a_workbook_named_csv_is_refused():
    junk = bytes(range(256)) * 40
    assert messages_of(junk) == only(messages.COHORT_CSV_BINARY)
    assert messages_of(csv_file(f"{NHS_A},,,,2024-01-02\x00")) == only(messages.COHORT_CSV_BINARY)
    assert messages_of(xlsx_file([NHS_A, None, None, None, "2024-01-02"])) == only(messages.COHORT_CSV_IS_WORKBOOK)


def test_a_malformed_csv_is_a_clear_error_not_an_exception():
    stray_quote = csv_file(f"{NHS_A},,,,2024-01-02", f'{NHS_B},"1980"-01-01,,,2024-01-02')
    assert messages_of(stray_quote) == only(messages.COHORT_CSV_UNREADABLE.format(line=3))
    huge_field = csv_file(f"{NHS_A},,,,2024-01-02,{'9' * 200_000}")
    assert messages_of(huge_field) == only(messages.COHORT_CSV_UNREADABLE.format(line=2))
    quoted = csv_file(f'"{NHS_A}",,,"LS1 4AP",2024-01-02,"4"')  # quotes themselves are fine
    assert read(quoted)[0].sessions == 4


# --- formulas and CSV injection ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("=1+1", messages.COHORT_ROW_FORMULA),
        (' =HYPERLINK("http://example.com")', messages.COHORT_ROW_FORMULA),
        ("+441134960000", messages.COHORT_ROW_FORMULA_LIKE),
        ("@SUM(1)", messages.COHORT_ROW_FORMULA_LIKE),
        ('"\t2024-01-02"', messages.COHORT_ROW_FORMULA_LIKE),
        ('"\r2024-01-02"', messages.COHORT_ROW_FORMULA_LIKE),
    ],
)
def test_a_value_a_spreadsheet_would_run_as_a_formula_is_refused(cell, message):
    data = csv_file(f"{NHS_A},,,,{cell}", f"{NHS_B},,,,2024-01-02")
    assert refused(data).errors == [row_error(2, "index_date", message, column="index date")]


def test_a_leading_minus_is_no_formula_here_but_fails_the_column_check():
    assert refused(csv_file(f"{NHS_A},,,,2024-01-02,-1")).errors == [
        row_error(2, "sessions", messages.COHORT_ROW_SESSIONS)
    ]
    assert refused(csv_file(f"-{NHS_A},,,,2024-01-02")).errors == [
        row_error(2, "nhs_number", messages.COHORT_ROW_NHS_NUMBER_FORMAT)
    ]


def test_formula_cells_in_a_workbook_are_refused_and_never_evaluated():
    def formulas(sheet):
        sheet["A2"] = f'="{NHS_A}"'  # openpyxl writes a real formula cell
        sheet["E3"] = "=TODAY()"
        sheet["A4"] = "=1+1"
        sheet["A4"].data_type = "s"  # a text cell that starts with "="
        sheet["A5"] = "+44"
        sheet["A5"].data_type = "s"

    data = xlsx_file(
        [None, None, None, None, "2024-01-02"], [NHS_A, None, None, None, None], [None, None, None, None, "2024-01-02"],
        [None, None, None, None, "2024-01-02"], sheet=formulas,
    )  # fmt: skip
    assert load_workbook(io.BytesIO(data))["Sheet"]["A2"].data_type == "f"
    assert refused(data, "cohort.xlsx").errors == [
        row_error(2, "nhs_number", messages.COHORT_ROW_FORMULA, column="NHS number"),
        row_error(3, "index_date", messages.COHORT_ROW_FORMULA, column="index date"),
        row_error(4, "nhs_number", messages.COHORT_ROW_FORMULA, column="NHS number"),
        row_error(5, "nhs_number", messages.COHORT_ROW_FORMULA_LIKE, column="NHS number"),
    ]


# --- the rows: how many -----------------------------------------------------------------------------------------------


def test_a_file_of_headings_only_has_no_people():
    assert messages_of(csv_file()) == only(messages.COHORT_NO_ROWS)
    assert messages_of(csv_file(",,,,,", "")) == only(messages.COHORT_NO_ROWS)
    assert messages_of(xlsx_file(), "cohort.xlsx") == only(messages.COHORT_NO_ROWS)


def test_more_people_than_the_limit_is_one_error_saying_the_limit(settings):
    settings.DATALAB_MAX_COHORT_ROWS = 3
    three = [f"{number},,,,2024-01-02" for number in (NHS_A, NHS_B, NHS_C)]
    assert len(read(csv_file(*three, ",,,,,"))) == 3
    assert refused(csv_file(*three, "x,,,,")).errors == [
        RowError(row=None, field="", message=messages.COHORT_TOO_MANY_ROWS.format(limit="3"))
    ]


def test_a_file_of_100000_rows_is_refused_before_its_rows_are_checked():
    data = csv_file(*[f"{NHS_A},,,,2024-01-02"] * 100_000)  # the same person each time: never looked at
    error = refused(data)
    assert error.errors == [RowError(row=None, field="", message=messages.COHORT_TOO_MANY_ROWS.format(limit="50,000"))]
    assert error.total == 1


# --- the rows: each column --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        (WRONG_CHECK, messages.COHORT_ROW_NHS_NUMBER_CHECK),
        (NHS_A[:9], messages.COHORT_ROW_NHS_NUMBER_FORMAT),
        (NHS_A + "1", messages.COHORT_ROW_NHS_NUMBER_FORMAT),
        (NHS_A[:9] + "X", messages.COHORT_ROW_NHS_NUMBER_FORMAT),
        ("NOT-A-NUMBER", messages.COHORT_ROW_NHS_NUMBER_FORMAT),
        (NHS_A[:5] + "." + NHS_A[5:], messages.COHORT_ROW_NHS_NUMBER_FORMAT),
        ("٠١٢٣٤٥٦٧٨٩", messages.COHORT_ROW_NHS_NUMBER_FORMAT),  # digits, but not 0-9
    ],
)
def test_an_nhs_number_must_be_ten_digits_with_a_valid_check_digit(cell, message):
    assert refused(csv_file(f"{cell},,,,2024-01-02")).errors == [row_error(2, "nhs_number", message)]


def test_an_nhs_number_may_have_spaces_or_hyphens_between_its_digits():
    for cell in (NHS_A, f"{NHS_A[:3]} {NHS_A[3:6]} {NHS_A[6:]}", f"{NHS_A[:3]}-{NHS_A[3:6]}-{NHS_A[6:]}"):
        assert read(csv_file(f"{cell},,,,2024-01-02"))[0].nhs_number == NHS_A


def test_without_an_nhs_number_the_date_of_birth_sex_and_postcode_are_all_needed():
    assert read(csv_file(NO_NHS))[0].postcode == "LS14AP"
    for line in (",1980-03-31,F,,2024-01-15", ",,F,LS1 4AP,2024-01-15", ",1980-03-31,,LS1 4AP,2024-01-15",
                 ",,,,2024-01-15"):  # fmt: skip
        assert refused(csv_file(line)).errors == [row_error(2, "nhs_number", messages.COHORT_ROW_IDENTIFIERS_MISSING)]
    # Given but wrong: the column's own message, not the missing-identifiers one.
    assert refused(csv_file(",1980-03-31,X,LS1 4AP,2024-01-15")).errors == [
        row_error(2, "sex", messages.COHORT_ROW_SEX)
    ]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("1980-03-31", date(1980, 3, 31)), ("1980-3-1", date(1980, 3, 1)), ("31/03/1980", date(1980, 3, 31)),
     ("1/3/1980", date(1980, 3, 1)), ("1900-01-01", date(1900, 1, 1)), (TODAY.isoformat(), TODAY)],
)  # fmt: skip
def test_a_date_of_birth_is_year_month_day_or_day_month_year(cell, expected):
    assert read(csv_file(f",{cell},F,LS1 4AP,{TODAY.isoformat()}"))[0].date_of_birth == expected


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("31/02/1980", messages.COHORT_ROW_DATE_OF_BIRTH_FORMAT),
        ("1980-13-01", messages.COHORT_ROW_DATE_OF_BIRTH_FORMAT),
        ("03/31/1980", messages.COHORT_ROW_DATE_OF_BIRTH_FORMAT),  # American order: no 31st month
        ("31.03.1980", messages.COHORT_ROW_DATE_OF_BIRTH_FORMAT),
        ("31 March 1980", messages.COHORT_ROW_DATE_OF_BIRTH_FORMAT),
        ("31/3/80", messages.COHORT_ROW_DATE_OF_BIRTH_FORMAT),
        ("2025-06-02", messages.COHORT_ROW_DATE_OF_BIRTH_FUTURE),
        ("1899-12-31", messages.COHORT_ROW_DATE_OF_BIRTH_TOO_EARLY),
    ],
)
def test_a_date_of_birth_must_be_a_real_date_not_in_the_future_nor_before_1900(cell, message):
    assert refused(csv_file(f"{NHS_A},{cell},,,2024-01-02")).errors == [row_error(2, "date_of_birth", message)]


@pytest.mark.parametrize(("cell", "code"), [("1", "1"), ("2", "2"), ("M", "1"), ("f", "2"), ("Male", "1"),
                                            ("FEMALE", "2"), (" m ", "1")])  # fmt: skip
def test_sex_is_1_2_m_f_male_or_female_in_any_case(cell, code):
    assert read(csv_file(f"{NHS_A},,{cell},,2024-01-02"))[0].sex == code


@pytest.mark.parametrize("cell", ["X", "0", "9", "U", "man", "F.", "12"])
def test_any_other_sex_is_refused(cell):
    assert refused(csv_file(f"{NHS_A},,{cell},,2024-01-02")).errors == [row_error(2, "sex", messages.COHORT_ROW_SEX)]


@pytest.mark.parametrize(("cell", "normalised"), [("LS1 4AP", "LS14AP"), ("sw1a 1aa", "SW1A1AA"), ("M11AE", "M11AE"),
                                                  (" EC1A 1BB ", "EC1A1BB"), ("B33 8TH", "B338TH")])  # fmt: skip
def test_a_uk_postcode_is_normalised_to_upper_case_without_spaces(cell, normalised):
    assert read(csv_file(f"{NHS_A},,,{cell},2024-01-02"))[0].postcode == normalised


@pytest.mark.parametrize("cell", ["LS1", "LS1 4A", "12345", "LS1 4AP 1", "AAA1 1AA", "not a postcode"])
def test_a_partial_or_foreign_postcode_is_refused(cell):
    assert refused(csv_file(f"{NHS_A},,,{cell},2024-01-02")).errors == [
        row_error(2, "postcode", messages.COHORT_ROW_POSTCODE)
    ]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (f"{NHS_A},,,,", messages.COHORT_ROW_INDEX_DATE_MISSING),
        (f"{NHS_A},,,,2024/01/02", messages.COHORT_ROW_INDEX_DATE_FORMAT),
        (f"{NHS_A},,,,30/02/2024", messages.COHORT_ROW_INDEX_DATE_FORMAT),
        (f"{NHS_A},,,,2025-06-02", messages.COHORT_ROW_INDEX_DATE_FUTURE),
        (f"{NHS_A},,,,1899-12-31", messages.COHORT_ROW_INDEX_DATE_TOO_EARLY),
        (f"{NHS_A},1980-03-31,,,1980-03-30", messages.COHORT_ROW_INDEX_BEFORE_BIRTH),
        (",1980-03-31,F,LS1 4AP,31/12/1979", messages.COHORT_ROW_INDEX_BEFORE_BIRTH),
    ],
)
def test_the_index_date_is_required_real_not_in_the_future_and_not_before_birth(line, message):
    assert refused(csv_file(line)).errors == [row_error(2, "index_date", message)]


def test_the_index_date_may_be_today():
    assert read(csv_file(f"{NHS_A},,,,{TODAY.isoformat()}"), today=TODAY)[0].index_date == TODAY


@pytest.mark.parametrize(("cell", "sessions"), [("", None), ("0", 0), ("12", 12), (" 7 ", 7), ("10000", 10000)])
def test_sessions_is_an_optional_whole_number_up_to_10000(cell, sessions):
    assert read(csv_file(f"{NHS_A},,,,2024-01-02,{cell}"))[0].sessions == sessions


@pytest.mark.parametrize("cell", ["10001", "1.5", "-1", "three", "1e3", "1,000", "9999999"])
def test_other_sessions_are_refused(cell):
    assert refused(csv_file(f'{NHS_A},,,,2024-01-02,"{cell}"')).errors == [
        row_error(2, "sessions", messages.COHORT_ROW_SESSIONS)
    ]


def test_a_row_with_several_problems_has_each_in_column_order():
    assert refused(csv_file(f"{WRONG_CHECK},1980-02-30,X,LS1,2030-01-01,many")).errors == [
        row_error(2, "nhs_number", messages.COHORT_ROW_NHS_NUMBER_CHECK),
        row_error(2, "date_of_birth", messages.COHORT_ROW_DATE_OF_BIRTH_FORMAT),
        row_error(2, "sex", messages.COHORT_ROW_SEX),
        row_error(2, "postcode", messages.COHORT_ROW_POSTCODE),
        row_error(2, "index_date", messages.COHORT_ROW_INDEX_DATE_FUTURE),
        row_error(2, "sessions", messages.COHORT_ROW_SESSIONS),
    ]


# --- duplicates, all or nothing, the cap ------------------------------------------------------------------------------


def test_the_same_person_twice_is_refused_on_the_later_row_naming_the_earlier():
    data = csv_file(
        f"{NHS_A},,,,2024-01-02", NO_NHS, f"{NHS_B},,,,2024-01-02",
        f"{NHS_A[:3]} {NHS_A[3:6]} {NHS_A[6:]},,,,2023-05-05",  # the same NHS number, written otherwise
        ",31/3/1980,female,ls14ap,2023-01-01,",  # the same date of birth, sex and postcode, written otherwise
        f"{NHS_A},,,,2022-01-01",
    )  # fmt: skip
    assert refused(data).errors == [
        RowError(row=5, field="nhs_number", message=messages.COHORT_ROW_DUPLICATE_NHS_NUMBER.format(row=5, first=2)),
        RowError(row=6, field="nhs_number", message=messages.COHORT_ROW_DUPLICATE_DETAILS.format(row=6, first=3)),
        RowError(row=7, field="nhs_number", message=messages.COHORT_ROW_DUPLICATE_NHS_NUMBER.format(row=7, first=2)),
    ]


def test_people_who_share_details_are_not_duplicates_when_one_has_an_nhs_number():
    rows = read(csv_file(NO_NHS, f"{NHS_A},1980-03-31,F,LS1 4AP,2024-01-15", f"{NHS_B},1980-03-31,F,LS1 4AP,2024-01-15"))
    assert [row.nhs_number for row in rows] == [None, NHS_A, NHS_B]


def test_one_bad_row_means_no_rows_and_every_problem_is_listed():
    data = csv_file(f"{NHS_A},,,,2024-01-02", f"{NHS_B},,,,", f"{NHS_C},,,,2024-01-02", "x,,,,2024-01-02")
    error = refused(data)
    assert error.errors == [
        row_error(3, "index_date", messages.COHORT_ROW_INDEX_DATE_MISSING),
        row_error(5, "nhs_number", messages.COHORT_ROW_NHS_NUMBER_FORMAT),
    ]
    assert error.total == 2
    assert str(error) == messages.COHORT_INVALID.format(count=messages.COHORT_PROBLEMS.format(count=2))
    assert str(refused(csv_file("x,,,,2024-01-02"))) == messages.COHORT_INVALID.format(count=messages.COHORT_PROBLEM)


def test_at_most_the_configured_number_of_errors_are_kept_but_all_are_counted(settings):
    settings.DATALAB_MAX_REPORTED_ERRORS = 5
    data = csv_file(*[f"{NHS_A[:9]},,,,2024-01-02,x"] * 4, f"{NHS_B},,,,2024-01-02,,extra")
    error = refused(data)
    assert error.total == 9  # 4 rows x 2 problems, and the value without a heading
    assert error.errors[0].row is None and len(error.errors) == 5
    assert [(e.row, e.field) for e in error.errors[1:]] == [(2, "nhs_number"), (2, "sessions"), (3, "nhs_number"),
                                                           (3, "sessions")]  # fmt: skip
    del settings.DATALAB_MAX_REPORTED_ERRORS
    assert len(refused(csv_file(*[f"x,,,,2024-01-02,{n}" for n in range(600)])).errors) == 500


def test_no_message_repeats_an_identifier_from_the_file():
    born, postcode, nhs = "1961-07-14", "YO10 5DD", NHS_C
    lines = [
        f"{nhs},{born},X,{postcode},1961-07-13,x",  # every column wrong but the NHS number and date of birth
        f"{nhs[:9]},{born},F,{postcode[:3]},2099-01-01,",  # NHS number, postcode, index date wrong
        f",{born},F,{postcode},2024-01-01,",
        f",{born},F,{postcode.lower()},2024-01-02,",  # a duplicate of the row before
        f"{nhs},1961-07-14,F,,2024-01-01",
        f"{nhs[:3]} {nhs[3:6]} {nhs[6:9]}{(int(nhs[9]) + 1) % 10},14/7/1961,,,2024-01-01",  # a wrong check digit
        f"={nhs},+{born},@{postcode},,2024-01-01",
    ]
    said = " ".join([e.message for e in refused(csv_file(*lines)).errors] + [str(refused(csv_file(*lines)))])
    as_first_row = f"{nhs},{born},F,{postcode},2024-01-01,3,extra\r\n{HEADER}\r\n".encode()
    said += " ".join(e.message for e in refused(as_first_row).errors)
    headed_by_values = csv_file(header=f"{HEADER},{postcode},{nhs},{born}")
    said += " ".join(e.message for e in refused(headed_by_values).errors)
    digits = re.sub(r"\D", "", said)
    for identifier in (nhs, nhs[:9], "19610714", "14071961", "1471961"):
        assert identifier not in digits
    for identifier in (postcode, postcode.replace(" ", ""), postcode[:3], born, "14/7/1961", "YO10"):
        assert identifier.lower() not in said.lower()


def test_reading_leaves_no_file_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    workbook = xlsx_file([NHS_A, "1980-03-31", "F", "LS1 4AP", "2024-01-02"])
    assert len(read(workbook, "cohort.xlsx")) == len(read(csv_file(f"{NHS_A},1980-03-31,F,LS1 4AP,2024-01-02"))) == 1
    refused(xlsx_file([WRONG_CHECK, None, None, None, "2024-01-02"]), "cohort.xlsx")
    assert list(tmp_path.iterdir()) == []


# --- workbooks --------------------------------------------------------------------------------------------------------


def test_a_workbook_gives_the_same_people_with_date_and_number_cells():
    data = xlsx_file(
        [int(NHS_A), None, None, None, datetime(2024, 1, 2), 3],
        [float(NHS_B), date(1980, 3, 31), 2, None, date(2024, 1, 2), 4.0],
        [None, None, None, None, None, None],
        [None, "31/3/1981", "M", "LS1 4AP", "2024-01-03", None],
        [f"  {NHS_C} ", datetime(1975, 12, 1, 0, 0), "f", " sw1a 1aa", "1/2/2024", "5"],
    )  # fmt: skip
    assert read(data, "cohort.xlsx") == [
        CohortRow(row=2, nhs_number=NHS_A, date_of_birth=None, sex=None, postcode=None, index_date=date(2024, 1, 2),
                  sessions=3),
        CohortRow(row=3, nhs_number=NHS_B, date_of_birth=date(1980, 3, 31), sex="2", postcode=None,
                  index_date=date(2024, 1, 2), sessions=4),
        CohortRow(row=5, nhs_number=None, date_of_birth=date(1981, 3, 31), sex="1", postcode="LS14AP",
                  index_date=date(2024, 1, 3), sessions=None),
        CohortRow(row=6, nhs_number=NHS_C, date_of_birth=date(1975, 12, 1), sex="2", postcode="SW1A1AA",
                  index_date=date(2024, 2, 1), sessions=5),
    ]  # fmt: skip


def test_workbook_cells_of_the_wrong_kind_are_refused():
    data = xlsx_file(
        [int(NHS_A) + 0.5, None, None, None, 45000, 2.5],  # a fraction; a plain number is not a date
        [NHS_B, datetime(1980, 3, 31).time(), True, 1234, date(2024, 1, 2), True],
    )  # fmt: skip
    assert refused(data, "cohort.xlsx").errors == [
        row_error(2, "nhs_number", messages.COHORT_ROW_NHS_NUMBER_FORMAT),
        row_error(2, "index_date", messages.COHORT_ROW_INDEX_DATE_FORMAT),
        row_error(2, "sessions", messages.COHORT_ROW_SESSIONS),
        row_error(3, "date_of_birth", messages.COHORT_ROW_DATE_OF_BIRTH_FORMAT),
        row_error(3, "sex", messages.COHORT_ROW_SEX),
        row_error(3, "postcode", messages.COHORT_ROW_POSTCODE),
        row_error(3, "sessions", messages.COHORT_ROW_SESSIONS),
    ]


def test_only_the_first_worksheet_is_read():
    def second(sheet):
        other = sheet.parent.create_sheet("Notes")
        other.append(["anything", "at all"])
        other.append([WRONG_CHECK])

    assert len(read(xlsx_file([NHS_A, None, None, None, "2024-01-02"], sheet=second), "cohort.xlsx")) == 1
    assert messages_of(xlsx_file(sheet=lambda s: s.parent.create_sheet("People", 0)), "cohort.xlsx") == only(
        messages.COHORT_HEADER_MISSING
    )


def rewrite(data: bytes, member: str, change) -> bytes:
    """The workbook with one member's bytes changed."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            target.writestr(info, change(body) if info.filename == member else body)
    return out.getvalue()


def test_a_workbook_claiming_a_huge_unpacked_size_is_refused_before_it_is_opened():
    data = xlsx_file([NHS_A, None, None, None, "2024-01-02"])
    end = data.rindex(b"PK\x05\x06")  # the end of the central directory says where the directory starts
    (central,) = struct.unpack("<I", data[end + 16 : end + 20])  # the first member's entry
    assert data[central : central + 4] == b"PK\x01\x02"
    bomb = data[: central + 24] + struct.pack("<I", 0x7FFF_FFFF) + data[central + 28 :]  # its uncompressed size: 2 GiB
    assert sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(bomb)).infolist()) > 2**30
    assert messages_of(bomb, "cohort.xlsx") == only(messages.COHORT_XLSX_TOO_LARGE.format(size="100 MB"))


def test_a_workbook_that_unpacks_to_more_than_the_cap_is_refused(settings):
    settings.DATALAB_MAX_XLSX_UNPACKED_BYTES = 256 * 1024
    small = xlsx_file([NHS_A, None, None, None, "2024-01-02"])
    assert len(read(small, "cohort.xlsx")) == 1
    out = io.BytesIO(small)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * 300 * 1024)  # compresses to a few hundred bytes
    assert len(out.getvalue()) < 20_000
    assert messages_of(out.getvalue(), "cohort.xlsx") == only(messages.COHORT_XLSX_TOO_LARGE.format(size="256 KB"))


def test_a_damaged_or_false_workbook_is_a_clear_error():
    good = xlsx_file([NHS_A, None, None, None, "2024-01-02"])
    unreadable = only(messages.COHORT_XLSX_UNREADABLE)
    assert messages_of(good[: len(good) // 2], "cohort.xlsx") == unreadable  # cut short: no central directory
    assert messages_of(b"PK\x03\x04" + bytes(range(256)) * 8, "cohort.xlsx") == unreadable
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "a zip, not a workbook")
    assert messages_of(out.getvalue(), "cohort.xlsx") == unreadable
    broken_sheet = rewrite(good, "xl/worksheets/sheet1.xml", lambda body: body[: len(body) // 2])
    assert messages_of(broken_sheet, "cohort.xlsx") == unreadable  # found while reading the rows
    assert messages_of(csv_file(f"{NHS_A},,,,2024-01-02"), "cohort.xlsx") == only(messages.COHORT_XLSX_NOT_WORKBOOK)
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504  # an old .xls, or a workbook with a password
    assert messages_of(ole, "cohort.xlsx") == only(messages.COHORT_XLSX_NOT_WORKBOOK)
    no_sheets = rewrite(good, "xl/workbook.xml", lambda body: re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", body))
    assert messages_of(no_sheets, "cohort.xlsx") == only(messages.COHORT_XLSX_NO_SHEET)


def test_a_workbook_whose_xml_expands_entities_billions_of_times_is_refused():
    entities = '<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
    )  # &lol9; is a thousand million "lol"s
    sheet = (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [{entities}]><worksheet xmlns="http://schemas.openxmlformats.org/'
        'spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    laughs = rewrite(xlsx_file(), "xl/worksheets/sheet1.xml", lambda _body: sheet.encode())
    assert messages_of(laughs, "cohort.xlsx") == only(messages.COHORT_XLSX_UNREADABLE)


def test_a_sheet_reaching_far_right_or_below_excels_last_row_is_refused_at_once():
    wide = xlsx_file([NHS_A, None, None, None, "2024-01-02"], sheet=lambda s: s.cell(row=2, column=16_384, value=1))
    assert messages_of(wide, "cohort.xlsx") == only(messages.COHORT_XLSX_TOO_WIDE.format(column="CV"))
    at_the_edge = xlsx_file(sheet=lambda s: s.cell(row=2, column=MAX_COLUMNS, value="x"))
    assert messages_of(at_the_edge, "cohort.xlsx")[0] == messages.COHORT_VALUES_WITHOUT_HEADING.format(
        columns="column CV"
    )
    good = xlsx_file([NHS_A, None, None, None, "2024-01-02"])
    deep = rewrite(good, "xl/worksheets/sheet1.xml", lambda body: body.replace(b'r="2"', b'r="1048577"').replace(
        b'r="A2"', b'r="A1048577"').replace(b'r="E2"', b'r="E1048577"'))  # fmt: skip
    assert messages_of(deep, "cohort.xlsx") == only(messages.COHORT_XLSX_TOO_LONG.format(row="1,048,576"))


# --- the templates ----------------------------------------------------------------------------------------------------


def test_the_csv_template_is_the_headings_as_excel_writes_csv_utf8():
    assert template_csv() == b"\xef\xbb\xbfnhs_number,date_of_birth,sex,postcode,index_date,sessions\r\n"
    assert messages_of(template_csv()) == only(messages.COHORT_NO_ROWS)  # the headings are right


def test_the_workbook_template_has_formatted_headings_text_columns_and_guidance():
    data = template_xlsx()
    assert messages_of(data, "cohort.xlsx") == only(messages.COHORT_NO_ROWS)
    workbook = load_workbook(io.BytesIO(data))
    assert workbook.sheetnames == ["People", "Guidance"]
    people = workbook["People"]
    assert [cell.value for cell in people[1]] == list(COLUMNS)
    assert all(cell.font.b for cell in people[1])
    assert {letter: people.column_dimensions[letter].number_format for letter in "ABCDEF"} == {
        "A": "@", "B": "@", "C": "General", "D": "General", "E": "@", "F": "General",
    }  # fmt: skip
    assert all(people.column_dimensions[letter].width >= 8 for letter in "ABCDEF")
    guidance = [[cell for cell in row if cell is not None] for row in workbook["Guidance"].iter_rows(values_only=True)]
    text = [value for row in guidance for value in row]
    assert text[0] == messages.COHORT_GUIDANCE_TITLE
    assert all(paragraph in text for paragraph in messages.COHORT_GUIDANCE_INTRO)
    assert any("delete them" in paragraph for paragraph in messages.COHORT_GUIDANCE_INTRO)
    assert list(messages.COHORT_GUIDANCE_HEADINGS) in guidance
    for name in COLUMNS:
        assert [name, *messages.COHORT_GUIDANCE_COLUMNS[name]] in guidance


def test_the_guidance_examples_are_in_the_formats_the_file_accepts():
    example = {name: messages.COHORT_GUIDANCE_COLUMNS[name][2] for name in COLUMNS}
    line = ",".join(example[name] for name in COLUMNS)
    (row,) = read(csv_file(line))
    assert row.nhs_number == example["nhs_number"].replace(" ", "") and row.nhs_number.startswith("999")
    assert (row.date_of_birth, row.sex, row.postcode, row.index_date, row.sessions) == (
        date(1980, 3, 31), "2", "LS14AP", date(2023, 9, 15), 12,
    )  # fmt: skip


# --- every good file reads back -------------------------------------------------------------------------------------

valid_nhs_numbers = st.integers(900_000_000, 999_999_999).map(
    lambda base: f"{base}{nhs_number.calculate_checksum(str(base))}"
).filter(lambda number: len(number) == 10)  # a check digit of 10 means no valid number has these nine digits
LETTERS, DIGITS = st.sampled_from(string.ascii_uppercase), st.sampled_from(string.digits)
postcodes = st.tuples(  # the shape of a UK postcode: A9 9AA, A99 9AA, A9A 9AA, AA9 9AA, AA99 9AA, AA9A 9AA
    st.lists(LETTERS, min_size=1, max_size=2), DIGITS, st.just("") | LETTERS | DIGITS, DIGITS,
    st.lists(LETTERS, min_size=2, max_size=2),
).map(lambda parts: "".join("".join(part) for part in parts))
dates = st.dates(date(1900, 1, 1), TODAY)
SEX_WORDS = {"1": ["1", "M", "m", "male", "Male"], "2": ["2", "F", "f", "female", "FEMALE"]}


@st.composite
def people(draw) -> tuple:
    """A good person: an NHS number with any of the other details, or no NHS number and all three of them."""
    number = draw(st.none() | valid_nhs_numbers)

    def detail(strategy):
        return draw(strategy if number is None else st.none() | strategy)

    born, sex, postcode = detail(dates), detail(st.sampled_from("12")), detail(postcodes)
    index = draw(st.dates(born or date(1900, 1, 1), TODAY))
    return number, born, sex, postcode, index, draw(st.none() | st.integers(0, 10_000))


def identity(person: tuple) -> tuple:
    return (person[0],) if person[0] else person[1:4]


def as_text(style, number, born, sex, postcode, index, sessions) -> list[str]:
    """A person as someone might type them: NHS numbers spaced or not, dates either way, sex in words or codes."""
    return [
        style.choice([number, f"{number[:3]} {number[3:6]} {number[6:]}", f" {number} "]) if number else "",
        style.choice([born.isoformat(), born.strftime("%d/%m/%Y"), f"{born.day}/{born.month}/{born.year}"])
        if born else "",
        style.choice(SEX_WORDS[sex]) if sex else "",
        style.choice([postcode, f"{postcode[:-3]} {postcode[-3:]}".lower()]) if postcode else "",
        style.choice([index.isoformat(), index.strftime("%d/%m/%Y")]),
        "" if sessions is None else str(sessions),
    ]


def as_cells(style, person: tuple) -> list:
    """A person in workbook cells: some typed as text, some as Excel's numbers and dates."""
    number, born, sex, _postcode, index, sessions = person
    text = as_text(style, *person)
    return [
        style.choice([int(number), text[0]]) if number else None,
        style.choice([born, text[1]]) if born else None,
        style.choice([int(sex), text[2]]) if sex else None,
        text[3] or None,
        style.choice([index, text[4]]),
        sessions,
    ]


@hypothesis_settings(max_examples=25, deadline=None)
@given(
    cohort=st.lists(people(), min_size=1, max_size=10, unique_by=identity),
    blanks=st.lists(st.booleans(), min_size=10, max_size=10),
    style=st.randoms(use_true_random=False),
)
def test_any_good_cohort_reads_back_the_same_from_csv_and_from_a_workbook(cohort, blanks, style):
    expected, csv_rows, xlsx_rows = [], [], []
    for person, blank in zip(cohort, blanks, strict=False):
        if blank:  # an empty row before this person: skipped, the row numbers kept
            csv_rows.append([""] * len(COLUMNS))
            xlsx_rows.append([None] * len(COLUMNS))
        number, born, sex, postcode, index, sessions = person
        expected.append(CohortRow(row=len(csv_rows) + 2, nhs_number=number, date_of_birth=born, sex=sex,
                                  postcode=postcode, index_date=index, sessions=sessions))  # fmt: skip
        csv_rows.append(as_text(style, *person))
        xlsx_rows.append(as_cells(style, person))
    out = io.StringIO()
    csv.writer(out, lineterminator=style.choice(["\r\n", "\n"])).writerows([list(COLUMNS), *csv_rows])
    assert read(out.getvalue().encode(style.choice(["utf-8", "utf-8-sig"]))) == expected
    assert read(xlsx_file(*xlsx_rows), "cohort.xlsx") == expected


# --- into linkage -----------------------------------------------------------------------------------------------------


def planted_cohort(extract) -> tuple[bytes, list[int], dict]:
    """The extract's cohort file without the rows it mistyped on purpose, and each row's place in the original."""
    text = (extract.path / "cohort" / "cohort.csv").read_text()
    rows = list(csv.reader(io.StringIO(text)))
    kept = [i for i, row in enumerate(rows[1:]) if not row[0] or normalise_nhs_number(row[0])]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([rows[0], *(rows[i + 1] for i in kept)])
    truth = json.loads((extract.path / "cohort" / "truth.json").read_text())
    return out.getvalue().encode(), kept, truth


def test_a_checked_cohort_is_pseudonymised_and_linked_to_the_right_people(extract, tmp_path):
    data, kept, truth = planted_cohort(extract)
    rows = read(data)
    assert len(rows) == len(kept) == 2000 - truth["invalid_nhs_numbers"]
    table = pseudonymise_cohort(rows, KEY)
    assert table.column_names == ["row", "NHS_PSEUDONYM", "FALLBACK_PSEUDONYM", "index_date", "sessions"]
    assert table.column("row").to_pylist() == [row.row for row in rows] == list(range(2, len(rows) + 2))
    assert not {row.nhs_number for row in rows if row.nhs_number} & set(table.column("NHS_PSEUDONYM").to_pylist())
    pq.write_table(table, tmp_path / "cohort.parquet")  # as the lab's worker reads it back
    result = link_pseudonymised(pq.read_table(tmp_path / "cohort.parquet"), extract.path)
    links = result.links.to_pylist()
    assert all(truth["person_id_by_row"][kept[link["row"] - 2]] == link["person_id"] for link in links)
    assert result.submitted == len(rows) and result.linked == len(links) and result.link_rate > 0.99
    assert set(result.reasons) <= {"no_match", "ambiguous_fallback"}
    assert result.by_method["nhs_number"] + result.by_method["fallback"] == result.linked
    by_row = {row.row: row for row in rows}
    assert all(link["index_date"] == by_row[link["row"]].index_date for link in links)
    assert all(link["sessions"] == by_row[link["row"]].sessions for link in links)


def test_checked_rows_and_unchecked_rows_become_the_same_pseudonyms(extract):
    data, _kept, _truth = planted_cohort(extract)
    checked = pseudonymise_cohort(read(data), KEY)
    unchecked, reasons = pseudonymise_rows(read_cohort_csv(data.decode()), KEY)
    assert not reasons
    assert checked.drop_columns(["row"]).equals(unchecked.drop_columns(["row"]))
    assert [n - 1 for n in checked.column("row").to_pylist()] == unchecked.column("row").to_pylist()
    linked_checked = link_pseudonymised(checked, extract.path)
    linked_unchecked = link_cohort(read_cohort_csv(data.decode()), extract.path, key=KEY)
    assert linked_checked.summary() == linked_unchecked.summary()


def test_a_row_is_pseudonymised_by_its_nhs_number_or_else_its_details():
    born = date(1980, 3, 31)
    rows = [
        CohortRow(row=2, nhs_number=NHS_A, date_of_birth=born, sex="2", postcode="LS14AP", index_date=date(2024, 1, 2),
                  sessions=None),
        CohortRow(row=5, nhs_number=None, date_of_birth=born, sex="2", postcode="LS14AP", index_date=date(2024, 1, 3),
                  sessions=4),
    ]  # fmt: skip
    assert pseudonymise_cohort(rows, KEY).to_pylist() == [
        {"row": 2, "NHS_PSEUDONYM": nhs_pseudonym(KEY, NHS_A), "FALLBACK_PSEUDONYM": None,
         "index_date": date(2024, 1, 2), "sessions": None},
        {"row": 5, "NHS_PSEUDONYM": None, "FALLBACK_PSEUDONYM": fallback_pseudonym(KEY, born, "2", "LS14AP"),
         "index_date": date(2024, 1, 3), "sessions": 4},
    ]  # fmt: skip
    nobody = CohortRow(row=9, nhs_number=None, date_of_birth=born, sex=None, postcode="LS14AP",
                       index_date=date(2024, 1, 3), sessions=None)  # fmt: skip
    with pytest.raises(ValueError, match="Row 9 has neither") as raised:
        pseudonymise_cohort([nobody], KEY)
    assert str(raised.value) == messages.NO_IDENTIFIERS.format(row=9)
    assert pseudonymise_cohort([], KEY).num_rows == 0


def test_linking_needs_the_extract(tmp_path):
    with pytest.raises(FileNotFoundError) as raised:
        link_pseudonymised(pseudonymise_cohort([], KEY), tmp_path / "absent")
    assert str(raised.value) == messages.EXTRACT_MISSING.format(path=tmp_path / "absent")
