"""send_table: the one CSV/XLSX download path (reports, audit, quiz analysis)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta, timezone

import openpyxl
import pytest
from flask import Flask, g
from flask_babel import Babel

from app.exports import send_table, table_locale

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
    """A bare app whose reader's language and time zone a test sets in g."""
    app = Flask(__name__)
    Babel(
        app,
        locale_selector=lambda: g.get("language", "en"),
        timezone_selector=lambda: g.get("zone", "UTC"),
    )
    return app


def _csv_rows(response, delimiter: str = ",") -> list[list[str]]:
    raw = b"".join(response.iter_encoded())
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_csv_has_a_bom_and_neutralises_formulas(flask_app):
    with flask_app.test_request_context():
        response = send_table("people.csv", "csv", HEADERS, iter(ROWS), table_locale("en"))
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


@pytest.mark.parametrize(
    ("language", "zone", "delimiter", "decimal"),
    [
        ("pt_BR", "America/Sao_Paulo", ";", ","),
        ("pt_BR", "UTC", ";", ","),  # no country: the language's own territory
        ("es", "America/Mexico_City", ",", "."),
        ("es", "America/Montevideo", ";", ","),
        ("es", "America/Bogota", ";", ","),
        ("es", "Europe/Madrid", ";", ","),
        ("fr", "Europe/Paris", ";", ","),
        ("en", "UTC", ",", "."),
        ("es", "UTC", ",", "."),  # no country: Latin-American Spanish (es_419)
    ],
)
def test_csv_follows_the_readers_language_and_country(
    flask_app, language, zone, delimiter, decimal
):
    with flask_app.test_request_context():
        g.language, g.zone = language, zone
        response = send_table(
            "t.csv", "csv", ["Nome", "Taxa"], iter([["José", 1.5], ["Ana", 2], ["Zé", None]])
        )
        raw = b"".join(response.iter_encoded())
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark
    text = raw.decode("utf-8-sig")
    assert text.splitlines()[0] == f"Nome{delimiter}Taxa"
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    assert rows[1:] == [["José", f"1{decimal}5"], ["Ana", "2"], ["Zé", ""]]


def test_the_locale_table_names_the_dialect():
    assert (table_locale("pt_BR").delimiter, table_locale("pt_BR").decimal) == (";", ",")
    assert (table_locale("es_MX").delimiter, table_locale("es_MX").decimal) == (",", ".")
    assert table_locale("es", "America/Montevideo").name == "es_UY"
    # A language Babel does not know in the country keeps its own territory.
    assert table_locale("pt_BR", "America/Mexico_City").name == "pt_BR"
    # A deployment elsewhere chooses the default territory of a language.
    assert table_locale("es", None, {"es": "es_ES"}).delimiter == ";"


def test_csv_writes_times_in_iso_8601_with_their_offset(flask_app):
    local = timezone(timedelta(hours=-6))
    with flask_app.test_request_context():
        response = send_table(
            "t.csv",
            "csv",
            ["a", "b", "c"],
            [
                [
                    datetime(2026, 3, 4, 5, 6, tzinfo=local),
                    datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC),
                    date(2026, 1, 2),
                ]
            ],
            locale=table_locale("pt_BR"),
        )
        rows = _csv_rows(response, ";")
    assert rows[1] == ["2026-03-04T05:06-06:00", "2026-03-04T05:06:07+00:00", "2026-01-02"]


def test_xlsx_is_ready_to_file(flask_app):
    """Typed cells, dates as dates, a frozen header row, an autofilter over the whole table and
    columns as wide as their content (up to a cap)."""
    headers = ["Nombre", "Tasa (%)", "Último acceso", "Notas"]
    rows = [
        ["María José Rodríguez Peña", 66.7, datetime(2026, 3, 4, 5, 6, tzinfo=UTC), "x" * 300],
        ["Ana", 100, None, "corto"],
        ["Luis", None, datetime(2026, 1, 2, 3, 4), ""],
    ]
    with flask_app.test_request_context():
        response = send_table("people.xlsx", "xlsx", headers, iter(rows))
        book = openpyxl.load_workbook(io.BytesIO(b"".join(response.response)))
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:D4"
    assert [c.value for c in sheet[1]] == headers
    assert all(c.font.bold for c in sheet[1])
    name, rate, last, note = sheet[2]
    assert name.data_type == "s"
    assert (rate.data_type, rate.value) == ("n", 66.7)
    assert last.is_date and last.value == datetime(2026, 3, 4, 5, 6)
    assert "yyyy" in last.number_format and "hh:mm" in last.number_format
    assert sheet["B3"].value == 100 and sheet["B3"].data_type == "n"
    widths = {k: v.width for k, v in sheet.column_dimensions.items()}
    assert widths["A"] >= len("María José Rodríguez Peña")
    assert widths["B"] >= len("Tasa (%)")
    assert widths["C"] >= len("2026-03-04 05:06")
    assert widths["D"] == 60  # capped
