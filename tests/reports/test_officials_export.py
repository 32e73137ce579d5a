"""The officials export as HR files it: headers in the reader's language, the CSV dialect
of their Excel, a rate column and, for one course, status, completion date and certificate."""

import csv
import io
from datetime import UTC, datetime, timedelta

import openpyxl
from sqlalchemy import event, select

from app.certificates.codes import display
from app.certificates.models import Certificate
from app.extensions import db
from app.learning.models import Enrolment
from tests.certificates.conftest import complete_tiny


def _csv(response, delimiter):
    raw = response.data
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""), delimiter=delimiter))


def test_a_course_adds_status_completion_date_and_certificate(app, client, world, tiny):
    complete_tiny(client, world.official_cdmx_email, tiny)
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == world.official_cdmx))
    code = db.session.scalar(
        select(Certificate.code).where(Certificate.enrolment_id == enrolment.id)
    )
    reviewer = app.test_client()
    reviewer.login(world.reviewer_cdmx_email)  # Spanish, in Mexico: "," and "1.5"
    rows = _csv(reviewer.get("/reports/officials.csv", query_string={"course": "tiny"}), ",")
    header = rows[0]
    assert header[:3] == ["Nombre", "Correo electrónico", "Dependencia"]
    assert header[-3] == "Estado" and header[-1] == "Código del certificado"
    assert len(header) == 11
    by_email = {r[1]: r for r in rows[1:]}
    done = by_email[world.official_cdmx_email]
    assert done[3:6] == ["1", "1", "100.0"]  # enrolments, completed, rate in percent
    assert done[-3] == "Completado"
    completed_at = datetime.fromisoformat(done[-2])
    assert completed_at.tzinfo is not None  # ISO 8601 with its offset
    assert abs(completed_at - enrolment.completed_at.replace(tzinfo=UTC)) < timedelta(seconds=1)
    assert done[-1] == display(code)
    others = [r for email, r in by_email.items() if email != world.official_cdmx_email]
    assert others and all(r[-3] == "No iniciado" and r[-2:] == ["", ""] for r in others)
    assert all(r[5] == "" for r in others)  # no enrolment: no rate, not 0

    book = openpyxl.load_workbook(
        io.BytesIO(reviewer.get("/reports/officials.xlsx", query_string={"course": "tiny"}).data)
    )
    sheet = book.active
    assert [c.value for c in sheet[1]] == header
    line = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == world.official_cdmx_email)
    assert line[5].value == 100.0 and line[5].data_type == "n"
    assert line[-2].is_date
    assert line[-1].value == display(code)
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:K")


def test_without_a_course_the_export_has_the_rate_but_no_course_columns(app, client, world, tiny):
    complete_tiny(client, world.official_cdmx_email, tiny)
    reviewer = app.test_client()
    reviewer.login(world.reviewer_cdmx_email)
    rows = _csv(reviewer.get("/reports/officials.csv"), ",")
    assert len(rows[0]) == 8 and "Estado" not in rows[0]
    done = next(r for r in rows if r[1] == world.official_cdmx_email)
    assert done[5] == "100.0"


def test_a_brazilian_reviewer_gets_semicolons_and_decimal_commas(app, world, tiny):
    official = app.test_client()
    official.login(world.official_bh_email)
    official.submit("/courses/tiny/enrol", {"language": "es"})
    reviewer = app.test_client()
    reviewer.login(world.reviewer_bh_email)  # pt_BR
    response = reviewer.get("/reports/officials.csv")
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Nome;E-mail;Órgão;")
    rows = _csv(response, ";")
    row = next(r for r in rows if r[1] == world.official_bh_email)
    assert row[3:6] == ["1", "0", "0,0"]


def test_the_course_columns_cost_no_query_per_row(app, client, world, tiny):
    complete_tiny(client, world.official_cdmx_email, tiny)
    reviewer = app.test_client()
    reviewer.login(world.reviewer_cdmx_email)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = reviewer.get("/reports/officials.csv", query_string={"course": "tiny"})
    finally:
        event.remove(engine, "before_cursor_execute", count)
    people = len(_csv(response, ",")) - 1
    assert people >= 3
    exported = [s for s in statements if "certificates" in s and "enrolments" in s]
    assert len(exported) == 1
