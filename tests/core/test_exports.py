"""send_table: the one CSV/XLSX download path (reports, audit, quiz analysis)."""

from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
import pytest
from flask import Flask

from app.exports import send_table

HEADERS = ["name", "score", "note"]
ROWS = [
    ["José Pérez", 12, '=HYPERLINK("http://evil")'],
    ["+cmd", -12.5, "-12.5"],
    ["@SUM(A1)", None, "\tTab"],
    ["\rReturn", 0, "-"],
    ["plain", 3.25, "ça va"],
]


@pytest.fixture
def flask_app():
    return Flask(__name__)


def _csv_rows(response) -> list[list[str]]:
    raw = b"".join(response.iter_encoded())
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def test_csv_has_a_bom_and_neutralises_formulas(flask_app):
    with flask_app.test_request_context():
        response = send_table("people.csv", "csv", HEADERS, iter(ROWS))
        rows = _csv_rows(response)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="people.csv"'
    assert "no-store" in response.headers["Cache-Control"]
    assert rows == [
        HEADERS,
        ["José Pérez", "12", '\'=HYPERLINK("http://evil")'],
        ["'+cmd", "-12.5", "-12.5"],
        ["'@SUM(A1)", "", "'\tTab"],
        ["'\rReturn", "0", "'-"],
        ["plain", "3.25", "ça va"],
    ]


def test_xlsx_is_readable_with_typed_cells_and_quoted_formulas(flask_app):
    with flask_app.test_request_context():
        response = send_table(
            "people.xlsx", "xlsx", HEADERS, iter(ROWS + [["d", date(2026, 1, 2), ""]])
        )
        data = b"".join(response.response)
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert response.headers["Content-Disposition"] == 'attachment; filename="people.xlsx"'
    assert response.content_length == len(data)
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["people"]
    cells = [list(row) for row in book.active.iter_rows(values_only=True)]
    assert cells[0] == HEADERS
    assert cells[1] == ["José Pérez", 12, '\'=HYPERLINK("http://evil")']
    assert cells[2] == ["'+cmd", -12.5, "-12.5"]
    assert cells[3] == ["'@SUM(A1)", None, "'\tTab"]
    assert cells[5] == ["plain", 3.25, "ça va"]
    assert cells[6][1].date() == date(2026, 1, 2)
    # No cell is a formula to the spreadsheet program.
    assert all(c.data_type != "f" for row in book.active.iter_rows() for c in row)


def test_a_long_filename_makes_a_valid_sheet_title(flask_app):
    with flask_app.test_request_context():
        response = send_table("a-very-long-course-slug-es-final-items.xlsx", "xlsx", ["a"], [])
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.response)))
    assert book.sheetnames == ["a-very-long-course-slug-es-fina"]


def test_csv_streams_a_generator_without_reading_it_first(flask_app):
    read = 0

    def rows():
        nonlocal read
        for n in range(100_000):
            read += 1
            yield [f"person {n}", n, "x" * 20]

    with flask_app.test_request_context():
        response = send_table("big.csv", "csv", ["name", "n", "pad"], rows())
        assert read == 0  # nothing read before the body is sent
        body = response.iter_encoded()
        first = next(body)
        # The first piece went out after a few thousand rows, not after all of them.
        assert first.startswith("\ufeffname,n,pad\r\n".encode())
        assert 0 < read < 10_000
        total = len(first) + sum(len(chunk) for chunk in body)
    assert read == 100_000
    assert total > 100_000 * 20


def test_xlsx_reads_rows_one_at_a_time(flask_app):
    seen = []

    class Rows:
        """An iterable that refuses len() and indexing: only iteration may read it."""

        def __iter__(self):
            for n in range(2_000):
                seen.append(n)
                yield [n, f"row {n}"]

    with flask_app.test_request_context():
        response = send_table("rows.xlsx", "xlsx", ["n", "text"], Rows())
        sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.response))).active
    assert seen == list(range(2_000))
    assert sheet.max_row == 2_001
    assert sheet.cell(2_001, 2).value == "row 1999"


def test_an_unknown_format_is_refused(flask_app):
    with flask_app.test_request_context(), pytest.raises(ValueError, match="pdf"):
        send_table("x.pdf", "pdf", ["a"], [])
