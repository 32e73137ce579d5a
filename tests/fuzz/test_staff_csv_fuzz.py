"""The staff CSV import: any file gives rows or StaffImportError with row-numbered errors,
in time linear in its size; against the database, a refused file writes nothing; over
HTTP, never a 500."""

from __future__ import annotations

import io
import time

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from app.accounts.models import Organisation
from app.accounts.staff_import import StaffImportError, import_staff, parse_staff_csv
from app.extensions import db
from tests.fuzz.conftest import FUNCTION, HTTP, NASTY, encodings, row_counts

WITH_APP = settings(FUNCTION, suppress_health_check=[HealthCheck.function_scoped_fixture])
HEADER = "email,name,department,job_title,locale"
CSV_BITS = [
    HEADER,
    "locale;email;name;job_title;department",
    ",",
    ";",
    "\t",
    '"',
    '""',
    "\n",
    "\r\n",
    "\r",
    "ana@cdmx.example",
    "ANA@cdmx.example",
    "not-an-address",
    "Ana López",
    "Secretaría de Cultura",
    "Movilidad",
    "es",
    "pt-BR",
    "klingon",
    " ",
]
csv_text = st.lists(
    st.sampled_from(CSV_BITS + NASTY) | st.text(max_size=5), min_size=1, max_size=40
).map("".join)
cell = st.one_of(st.text(max_size=12), st.sampled_from(NASTY), st.just(""))
row = st.tuples(
    st.sampled_from(["a@cdmx.example", "B@cdmx.example", "c@cdmx.example", "x", ""]),
    st.one_of(st.sampled_from(["Ana", "Bruno López"]), cell),
    st.one_of(st.sampled_from(["", "Secretaría de Cultura", "Movilidad"]), cell),
    cell,
    st.sampled_from(["", "es", "pt-BR", "fr", "xx"]),
)
# Well-formed files with odd values: the ones that get past the shape checks.
table = st.tuples(st.lists(row, min_size=1, max_size=4), st.sampled_from([",", ";"])).map(
    lambda t: "\r\n".join(
        [HEADER.replace(",", t[1])]
        + [t[1].join('"' + v.replace('"', '""') + '"' for v in r) for r in t[0]]
    )
)
csv_bytes = st.one_of(
    encodings(csv_text),
    encodings(csv_text.map(lambda body: HEADER + "\n" + body)),
    table.map(lambda text: text.encode("utf-8", "surrogatepass")),
)


def _lines(data: bytes) -> int:
    return data.count(b"\n") + data.count(b"\r") + 1


def _parse(data: bytes):
    try:
        return parse_staff_csv(data), []
    except StaffImportError as error:
        return None, error.errors


def check_parse(data: bytes) -> None:
    rows, errors = _parse(data)
    if rows is None:
        assert errors
        for problem in errors:
            assert 1 <= problem.row <= _lines(data) + 1, str(problem)
            assert str(problem).strip()
        return
    assert rows
    for row in rows:
        assert "\x00" not in row.name + row.department + row.job_title


@WITH_APP
@given(csv_bytes)
def test_any_file_parses_or_names_its_rows(app, data):
    with app.test_request_context():
        check_parse(data)


@WITH_APP
@given(st.binary(max_size=500))
def test_any_bytes_parse_or_name_their_rows(app, data):
    with app.test_request_context():
        check_parse(data)


@HTTP
@given(csv_bytes, st.booleans())
def test_import_writes_everything_or_nothing(app, world, data, create_departments):
    org = db.session.get(Organisation, world.cdmx)
    before = row_counts()
    with app.test_request_context():
        try:
            import_staff(data, org, create_departments=create_departments)
        except StaffImportError:
            db.session.rollback()
            assert row_counts() == before
            return
    db.session.flush()  # what the view commits must be storable, NUL and all
    db.session.rollback()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (
            (HEADER + "\nana@cdmx.example,An\x00a,,,es\n").encode(),
            "Row 2, name: Control characters (such as NUL or a line break) are not allowed.",
        ),
        (
            (HEADER + '\nana@cdmx.example,"Ana\nLópez",,,es\n').encode(),
            "Row 2, name: Control characters (such as NUL or a line break) are not allowed.",
        ),
        (
            (
                HEADER + '\nok@cdmx.example,Ok,,,es\nana@cdmx.example,"Ana,,,es\n' + "x\n" * 50
            ).encode(),
            "Row 3: Expected 5 columns, found 2.",
        ),
        (b'"' * 300_000 + b"\n", "Row 1: Malformed CSV: field larger than field limit (131072)"),
    ],
    ids=["nul", "line-break", "unclosed-quote-names-its-first-line", "huge-header"],
)
def test_hostile_rows_get_a_clear_error(app, world, data, expected):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(StaffImportError) as raised:
            parse_staff_csv(data)
        assert str(raised.value.errors[0]) == expected


def test_a_long_quoted_first_line_is_not_sniffed_for_minutes(app):
    """Regression: csv.Sniffer takes quadratic time on a first line full of quotes; a
    1 MB one kept a worker busy for about an hour."""
    data = b'",' * 500_000 + b"\n"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        start = time.process_time()
        with pytest.raises(StaffImportError) as raised:
            parse_staff_csv(data)
        assert time.process_time() - start < 2
    message = str(raised.value.errors[0])
    assert message.startswith("Row 1: The header must be") and len(message) < 300


# Over HTTP ----------------------------------------------------------------------------------


@HTTP
@given(csv_bytes)
def test_staff_uploads_never_fail_and_refusals_write_nothing(client, world, no_rate_limits, data):
    client.login(world.reviewer_cdmx_email)
    before = row_counts()
    response = client.submit(
        "/staff/import",
        {
            "organisation": world.cdmx,
            "file": (io.BytesIO(data), "staff.csv"),
            "create_departments": "y",
        },
        content_type="multipart/form-data",
    )
    event(f"HTTP {response.status_code}")
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert row_counts() == before
