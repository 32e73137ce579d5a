"""Reviewer reports: figures equal a brute-force count, exports read back, scope holds."""

import csv
import io
from datetime import timedelta

import openpyxl
import pypdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import Organisation, OrgKind, User
from app.catalog.models import Course
from app.certificates.models import Certificate
from app.clock import utcnow
from app.extensions import db
from app.learning import services as learning
from app.learning.models import Enrolment, EnrolmentStatus
from app.reports import services as reports
from app.reports.services import Filters
from tests.certificates.conftest import complete_tiny

STATES = ["none", "active", "completed", "withdrawn"]


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(
        st.tuples(st.integers(0, 2), st.sampled_from(STATES), st.booleans()),
        min_size=0,
        max_size=12,
    )
)
def test_headline_equals_a_brute_force_count(app, world, tiny, people):
    """Random people in three departments of a fresh city, with random enrolment states and
    sign-ins; the dashboard's SQL figures must equal counting them one by one."""
    n = db.session.scalar(select(Organisation.id).order_by(Organisation.id.desc()).limit(1))
    network = db.session.get(Organisation, world.network)
    city = accounts.create_organisation(f"Ciudad {n}", f"ciudad-{n}", OrgKind.CITY, network)
    departments = [
        accounts.create_organisation(f"Depto {n}-{d}", f"depto-{n}-{d}", OrgKind.DEPARTMENT, city)
        for d in range(3)
    ]
    course = db.session.get(Course, tiny.course.id)
    now = utcnow()
    made = []
    for i, (dept, state, recent) in enumerate(people):
        person = accounts.create_user(f"p{n}-{i}@test.example", f"P {i}", departments[dept])
        person.last_login_at = now - timedelta(days=3 if recent else 90)
        if state != "none":
            enrolment = learning.enrol(person, course, "es")
            db.session.flush()  # the status column's default, before a transition
            if state == "completed":
                enrolment.complete(now)
            elif state == "withdrawn":
                enrolment.withdraw()
        made.append((dept, state, recent))
    db.session.commit()
    admin = db.session.get(User, world.admin)
    head = reports.headline(admin, Filters(organisation=city))
    assert head.headcount == len(made)
    assert head.active_30_days == sum(1 for _d, _s, r in made if r)
    assert head.enrolments == sum(1 for _d, s, _r in made if s in ("active", "completed"))
    assert head.completions == sum(1 for _d, s, _r in made if s == "completed")
    per_dept = {row.label: row for row in reports.by_department(admin, Filters(organisation=city))}
    for d in range(3):
        mine = [m for m in made if m[0] == d]
        row = per_dept.get(f"Depto {n}-{d}")
        assert (row.people if row else 0) == len(mine)
        if row:
            assert row.completions == sum(1 for m in mine if m[1] == "completed")
    months = reports.completions_by_month(admin, Filters(organisation=city))
    assert sum(count for _m, count in months) == head.completions


# The dashboard's parallel queries, on connections of their own, see only committed rows.
@pytest.mark.commits
def test_dashboard_and_lists_show_only_the_callers_city(app, client, world, tiny):
    complete_tiny(client, world.official_cdmx_email, tiny)
    client.logout()
    own = app.test_client()
    own.login(world.reviewer_cdmx_email)
    html = own.get("/reports/").get_data(as_text=True)
    assert ">Secretaría de Finanzas</a></th>" in html  # its row in the department table
    listing = own.get("/reports/officials").get_data(as_text=True)
    assert "Guadalupe Hernández" in listing
    other = app.test_client()
    other.login(world.reviewer_bh_email)
    for url in ("/reports/", "/reports/officials", "/reports/officials.csv"):
        text = other.get(url).get_data(as_text=True)
        assert "Guadalupe" not in text and "Ciudad de México" not in text, url
    sheet = openpyxl.load_workbook(io.BytesIO(other.get("/reports/officials.xlsx").data)).active
    assert all("cdmx" not in str(cell.value) for row in sheet.iter_rows() for cell in row)
    assert other.get(f"/reports/officials/{world.official_cdmx}").status_code == 404
    official = app.test_client()
    official.login(world.official_cdmx_email)
    assert official.get("/reports/").status_code == 403
    assert official.get(f"/reports/officials/{world.official_cdmx}").status_code == 403


def test_bad_filters_are_named_and_never_widen_the_scope(app, world, tiny):
    client = app.test_client()
    client.login(world.reviewer_cdmx_email)
    for args, message in (
        ({"organisation": str(world.bh)}, "Ninguna organización suya tiene este número."),
        ({"organisation": "99999999999"}, "Ninguna organización suya tiene este número."),
        ({"start": "31/12/2026"}, "no es una fecha"),
        ({"start": "2026-05-01", "end": "2026-04-01"}, "El periodo termina antes de empezar."),
        ({"course": "nope"}, "Ningún curso tiene este identificador."),
        ({"status": "weird"}, "Estado desconocido."),
    ):
        response = client.get("/reports/", query_string=args)
        html = response.get_data(as_text=True)
        assert response.status_code == 400, args
        assert message in html, (args, message)
        assert "Gonçalves" not in html and "Belo Horizonte" not in html.split("</form>", 1)[1]
    assert client.get("/reports/officials.csv", query_string={"start": "x"}).status_code == 400


def test_exports_read_back_equal_the_list(app, client, world, tiny):
    complete_tiny(client, world.official_cdmx_email, tiny)
    reviewer = app.test_client()
    reviewer.login(world.reviewer_cdmx_email)
    raw = reviewer.get("/reports/officials.csv").data
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Nombre", "Correo electrónico", "Dependencia"]
    by_email = {r[1]: r for r in rows[1:]}
    cdmx_people = set(
        db.session.scalars(
            select(User.email)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(Organisation.path.startswith(db.session.get(Organisation, world.cdmx).path))
        )
    )
    assert set(by_email) == cdmx_people
    assert by_email[world.official_cdmx_email][3:5] == ["1", "1"]
    book = openpyxl.load_workbook(io.BytesIO(reviewer.get("/reports/officials.xlsx").data))
    sheet_rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert [r[1] for r in sheet_rows[1:]] == [r[1] for r in rows[1:]]
    completed = reviewer.get("/reports/officials.csv", query_string={"status": "completed"})
    emails = [r[1] for r in csv.reader(io.StringIO(completed.data.decode("utf-8-sig")))][1:]
    assert emails == [world.official_cdmx_email]


def test_transcript_lists_courses_attempts_and_certificate(app, client, world, tiny):
    complete_tiny(client, world.official_cdmx_email, tiny)
    reviewer = app.test_client()
    reviewer.login(world.reviewer_cdmx_email)
    html = reviewer.get(f"/reports/officials/{world.official_cdmx}").get_data(as_text=True)
    assert "Curso mínimo" in html and "Examen final" in html and "100 %" in html

    cert = db.session.scalar(select(Certificate))
    assert cert.code[:4] in html

    pdf = reviewer.get(f"/reports/officials/{world.official_cdmx}/transcript.pdf")
    assert pdf.mimetype == "application/pdf"
    text = pypdf.PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text()
    assert "Guadalupe Hernández" in text and "Curso mínimo" in text and cert.code[:4] in text
    other = app.test_client()
    other.login(world.reviewer_bh_email)
    assert other.get(f"/reports/officials/{world.official_cdmx}/transcript.pdf").status_code == 404
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_network_comparison_counts_each_city(app, client, world, tiny):
    complete_tiny(client, world.official_cdmx_email, tiny)
    admin = db.session.get(User, world.admin)
    rows = {row.city.slug: row for row in reports.by_city(Filters())}
    for slug in ("cdmx", "belo-horizonte"):
        org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        head = reports.headline(admin, Filters(organisation=org))
        row = rows[slug]
        assert (row.people, row.enrolments, row.completions) == (
            head.headcount,
            head.enrolments,
            head.completions,
        )
    assert rows["cdmx"].completions == 1
    network = app.test_client()
    network.login(world.admin_email)
    html = network.get("/reports/network").get_data(as_text=True)
    assert "Belo Horizonte" in html and "Ciudad de México" in html
    city_admin = app.test_client()
    city_admin.login(world.admin_cdmx_email)
    assert city_admin.get("/reports/network").status_code == 403
