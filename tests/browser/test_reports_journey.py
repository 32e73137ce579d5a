"""The Mexico City reviewer assigns a course to a department, filters the dashboard to it,
exports XLSX and opens an official's transcript; axe checks every page, charts included.
The report tables fit 1280 px and 360 px without a clipped cell or an inner scroll."""

import io
import re
from datetime import timedelta

import openpyxl
from playwright.sync_api import expect
from sqlalchemy import update

from app.accounts import audit
from app.accounts import services as accounts
from app.accounts.models import Organisation, OrgKind, User
from app.catalog.models import Course
from app.clock import utcnow
from app.extensions import db
from app.learning import assignments
from app.learning import services as learning
from app.learning.models import AssignmentMember
from tests.browser.test_journeys import _sign_in
from tests.certificates.conftest import complete_tiny


def test_reviewer_assigns_filters_exports_and_reads_a_transcript(app, visit, world, tiny):
    complete_tiny(app.test_client(), world.official_cdmx_email, tiny)
    page = visit.page
    visit.goto("/login")
    _sign_in(visit, world.reviewer_cdmx_email)
    page.get_by_role("link", name="Asignaciones").click()
    visit.check()
    page.get_by_role("link", name="Asignar un curso").click()
    visit.check()
    # Required fields say so after their name: "Curso (obligatorio)".
    page.get_by_role("combobox", name=re.compile(r"^Curso\b")).select_option("tiny")
    page.get_by_label("Organización o dependencia").select_option(str(world.cdmx_finance))
    page.get_by_label("Dentro de un número de días desde el ingreso").check()
    page.get_by_role("spinbutton", name=re.compile(r"^Días\b")).fill("30")
    page.get_by_role("button", name="Asignar", exact=True).click()
    visit.check()
    expect(page.get_by_role("table")).to_contain_text("Curso mínimo")

    page.get_by_role("link", name="Informes").click()
    visit.check()
    page.get_by_label("Organización o dependencia").select_option(str(world.cdmx_finance))
    page.get_by_role("button", name="Mostrar").click()
    visit.check()
    assert f"organisation={world.cdmx_finance}" in page.url  # the view can be bookmarked
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.locator(".figures")).to_contain_text("1")

    with page.expect_download() as download:
        page.get_by_role("link", name="Exportar XLSX").click()
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    emails = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert world.official_cdmx_email in emails
    assert all(email.endswith("@test.example") for email in emails)

    page.get_by_role("link", name="Ver al personal, una persona a la vez").click()
    visit.check()
    page.get_by_role("link", name="Guadalupe Hernández").click()
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Guadalupe Hernández")
    expect(page.locator("main")).to_contain_text("Examen final")


#: Every table in main: no cell reaching past its table's right edge, no table past its
#: container's, no inner sideways scroll, the rate cells inside the window, and the charts'
#: labels whole inside their drawing, above (never behind) the bars, in the reader's rem size.
FIT = """() => {
  const problems = [];
  const width = document.documentElement.clientWidth;
  for (const table of document.querySelectorAll("main table")) {
    const box = table.getBoundingClientRect();
    const wrap = table.parentElement;
    const outer = wrap.getBoundingClientRect();
    const name = table.caption ? table.caption.textContent.trim() : "table";
    if (box.right > outer.right + 0.5) problems.push(`${name}: table ends ${box.right - outer.right}px past its container`);
    if (wrap.scrollWidth > wrap.clientWidth + 1) problems.push(`${name}: scrolls inside by ${wrap.scrollWidth - wrap.clientWidth}px`);
    for (const cell of table.querySelectorAll("th, td")) {
      const head = cell.closest("thead");
      if (head && getComputedStyle(head).position === "absolute") continue;  // hidden headers
      const r = cell.getBoundingClientRect();
      if (r.right > box.right + 0.5) problems.push(`${name}: "${cell.textContent.trim()}" ends ${r.right - box.right}px past the table`);
      if (cell.scrollWidth > cell.clientWidth + 1) problems.push(`${name}: "${cell.textContent.trim()}" overflows its cell`);
    }
    for (const rate of table.querySelectorAll(".rate")) {
      if (rate.getBoundingClientRect().right > width) problems.push(`${name}: a rate is out of sight`);
    }
  }
  const rootSize = parseFloat(getComputedStyle(document.documentElement).fontSize);
  for (const svg of document.querySelectorAll("main svg")) {
    const frame = svg.getBoundingClientRect();
    const bars = [...svg.querySelectorAll("rect")].map(b => b.getBoundingClientRect());
    for (const text of svg.querySelectorAll("text")) {
      const t = text.getBoundingClientRect();
      if (t.left < frame.left - 0.5 || t.right > frame.right + 0.5) problems.push(`chart label "${text.textContent}" cut`);
      if (text.classList.contains("chart-label") && bars.some(b => b.width > 0 && t.right > b.left && t.left < b.right && t.bottom > b.top + 0.5 && t.top < b.bottom - 0.5)) problems.push(`chart label "${text.textContent}" behind a bar`);
      if (Math.abs(parseFloat(getComputedStyle(text).fontSize) - 0.875 * rootSize) > 0.1) problems.push(`chart label "${text.textContent}" not in rem`);
    }
  }
  return problems;
}"""


def _long_department_with_people(world, tiny):
    """A department with a long name, 32 people assigned the course (due yesterday), 6 who
    started (3 completed); an audit entry with long details; all committed for the server's
    threads."""
    city = db.session.get(Organisation, world.cdmx)
    dept = accounts.create_organisation(
        "Secretaría de Administración, Finanzas y Planeación Presupuestal Metropolitana",
        "cdmx-admin",
        OrgKind.DEPARTMENT,
        city,
    )
    course = db.session.get(Course, tiny.course.id)
    people = [
        accounts.create_user(f"p{i}@test.example", f"Persona Número {i}", dept) for i in range(32)
    ]
    reviewer = db.session.get(User, world.reviewer_cdmx)
    assignments.create(reviewer, course, dept, due_days=30)
    db.session.execute(
        update(AssignmentMember).values(due_on=assignments.today(dept.id) - timedelta(days=1))
    )
    for person in people[:6]:
        enrolment = learning.enrol(person, course, "es")
        if person in people[:3]:
            enrolment.complete(utcnow())
            db.session.flush()
            assignments.mark_completed(person.id, course.id)
    audit.exported(
        reviewer,
        "report",
        "xlsx",
        filters={"organisation": str(dept.id), "course": "tiny", "q": "x" * 120},
        organisation=dept,
        table="departments-and-a-rather-long-table-name-without-spaces-" * 3,
    )
    db.session.commit()
    return dept


def test_report_tables_fit_at_1280_and_360_px(app, visit, world, tiny):
    dept = _long_department_with_people(world, tiny)
    page = visit.page
    visit.goto("/login")
    _sign_in(visit, world.reviewer_cdmx_email)
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("/reports/", f"/reports/?organisation={dept.id}", "/audit/"):
            visit.goto(path)
            assert page.locator("main table").count() >= 1, path
            assert page.evaluate(FIT) == [], (width, path)
        visit.goto("/reports/")
        title = page.title()
        assert title.startswith("Informes") and "<" not in title
        expect(page.locator(".figures")).to_contain_text("9 %")  # 3 of 32, not 100 %
