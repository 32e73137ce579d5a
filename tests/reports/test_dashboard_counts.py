"""Honest dashboards: the completion rate is over the people in scope (assigned or enrolled),
with not started / in progress / completed / overdue counts; month labels whole; a plain
page title; distinct table names; no link whose whole text is a bare number."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import update

from app.accounts import services as accounts
from app.accounts.models import Organisation, OrgKind, User
from app.catalog.models import Course
from app.clock import utcnow
from app.extensions import db
from app.learning import assignments
from app.learning import services as learning
from app.learning.models import AssignmentMember
from app.reports import services as reports
from app.reports.services import Filters
from app.reports.views import month_label


def _department_of_32(world, tiny, *, withdrawn: bool = False):
    """32 people assigned the course (twice: a course assigned twice is one place), due
    yesterday; 6 started it: 5 completed, 1 in progress (and, if asked, one more enrolled
    and then withdrawn, who still owes the course: not started)."""
    city = db.session.get(Organisation, world.cdmx)
    dept = accounts.create_organisation("Depto 32", "depto-32", OrgKind.DEPARTMENT, city)
    course = db.session.get(Course, tiny.course.id)
    people = [
        accounts.create_user(f"p32-{i}@test.example", f"Persona {i:02d}", dept) for i in range(32)
    ]
    reviewer = db.session.get(User, world.reviewer_cdmx)
    for _twice in range(2):
        assignments.create(reviewer, course, dept, due_days=30)
    db.session.execute(
        update(AssignmentMember)
        .where(AssignmentMember.user_id.in_([p.id for p in people]))
        # Yesterday where the department is: the reviewer's reports count by that day.
        .values(due_on=assignments.today(dept.id) - timedelta(days=1))
    )
    for person in people[:6]:
        enrolment = learning.enrol(person, course, "es")
        if person is not people[5]:
            enrolment.complete(utcnow())
            db.session.flush()
            assignments.mark_completed(person.id, course.id)
    if withdrawn:
        learning.withdraw(learning.enrol(people[6], course, "es"))
    db.session.commit()
    return dept


def _check_counts(row):
    assert row.in_scope == 32
    assert (row.completed, row.in_progress, row.not_started) == (5, 1, 26)
    assert row.overdue == 27  # the 26 who never started and the one still in progress
    assert row.rate == pytest.approx(5 / 32)
    assert row.percent == 16


@pytest.mark.parametrize("withdrawn", [False, True])
def test_rate_is_over_everyone_assigned_not_over_the_few_who_started(app, world, tiny, withdrawn):
    dept = _department_of_32(world, tiny, withdrawn=withdrawn)
    reviewer = db.session.get(User, world.reviewer_cdmx)
    filters = Filters(organisation=dept)
    head = reports.headline(reviewer, filters)
    _check_counts(head)
    assert head.headcount == 32
    assert head.enrolments == 6 and head.completions == 5  # what the old rate divided: 83 %
    (department,) = reports.by_department(reviewer, filters)
    _check_counts(department)
    (course,) = reports.by_course(reviewer, filters, {tiny.course.id: "Curso mínimo"})
    _check_counts(course)
    assert course.people == 32
    # The serial path of the dashboard (REPORTS_PARALLEL is off here) gives the same.
    _check_counts(reports.dashboard(reviewer, filters).head)


def test_a_course_nobody_is_assigned_counts_only_its_enrolled(app, world, tiny):
    """Enrolled without an assignment: in scope, never overdue."""
    reviewer = db.session.get(User, world.reviewer_cdmx)
    official = db.session.get(User, world.official_cdmx)
    learning.enrol(official, db.session.get(Course, tiny.course.id), "es")
    db.session.commit()
    head = reports.headline(reviewer, Filters())
    assert (head.in_scope, head.in_progress, head.not_started, head.overdue) == (1, 1, 0, 0)
    assert head.rate == 0


# The parallel path: its queries run on connections of their own and see committed rows.
@pytest.mark.commits
def test_parallel_dashboard_gives_the_same_counts(app, world, tiny):
    assert app.config["REPORTS_PARALLEL"]
    dept = _department_of_32(world, tiny)
    reviewer = db.session.get(User, world.reviewer_cdmx)
    figures = reports.dashboard(reviewer, Filters(organisation=dept))
    _check_counts(figures.head)
    (department,) = reports.by_department(reviewer, Filters(organisation=dept), data=figures.data)
    _check_counts(department)


@pytest.mark.parametrize(
    ("locale", "label"),
    [("es", "dic 2026"), ("pt_BR", "dez. de 2026"), ("fr", "déc. 2026"), ("en", "Dec 2026")],
)
def test_month_labels_keep_the_whole_year(locale, label):
    assert month_label(date(2026, 12, 1), locale) == label


def test_dashboard_page_says_what_the_rate_counts_and_names_things_plainly(app, world, tiny):
    dept = _department_of_32(world, tiny)
    client = app.test_client()
    client.login(world.reviewer_cdmx_email)
    html = client.get("/reports/", query_string={"organisation": dept.id}).get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html, re.S).group(1)
    assert "<" not in title and ">" not in title and "exports" not in title
    assert title.split("·")[0].strip() == "Informes"
    regions = re.findall(r'role="region" aria-label="([^"]+)"', html)
    assert len(regions) == 3 and len(set(regions)) == 3, regions
    links = re.findall(r"<a\b[^>]*>(.*?)</a>", html, re.S)
    assert not [text for text in links if re.fullmatch(r"\s*[\d.,\s]*\s*", text)], links
    assert "16 %" in html  # 5 of 32, not 100 % nor 83 %
    # The sentence saying over whom the rate is counted, which both status tables point to.
    assert re.search(r'<p class="hint" id="rate-scope">[^<]{40,}</p>', html)
    assert html.count('aria-describedby="rate-scope"') == 2
    months = re.findall(r'class="chart-label">([^<]+)</text>', html)
    assert months and all(re.fullmatch(r"\w+\.? \d{4}", m) for m in months[:1]), months
    # No overdue people elsewhere in an empty filter: zero is a plain number, not a link.
    empty = client.get("/reports/", query_string={"organisation": world.cdmx_culture}).get_data(
        as_text=True
    )
    assert not re.search(r"<a\b[^>]*>\s*0\s*</a>", empty)
