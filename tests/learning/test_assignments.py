"""Reviewers assign courses with due dates; officials see them first; newcomers get them."""

from datetime import timedelta

from babel.dates import format_date
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import Organisation, User
from app.clock import utcnow
from app.extensions import db
from app.learning import assignments
from app.learning import services as learning
from app.learning.models import Assignment, AssignmentMember, Enrolment
from tests.certificates.conftest import complete_tiny


def _members(assignment_id=None):
    stmt = select(AssignmentMember.user_id, AssignmentMember.due_on)
    if assignment_id:
        stmt = stmt.where(AssignmentMember.assignment_id == assignment_id)
    return dict(db.session.execute(stmt).all())


def _people_under(slug):
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    return set(
        db.session.scalars(
            select(User.id)
            .join(Organisation, Organisation.id == User.organisation_id)
            .where(Organisation.path.startswith(org.path))
        )
    )


def test_reviewer_assigns_to_a_department_with_a_date(client, world, tiny):
    client.login(world.reviewer_cdmx_email)
    due = assignments.today() + timedelta(days=30)
    response = client.submit(
        "/assignments/new",
        {
            "course": "tiny",
            "organisation": world.cdmx_culture,
            "due_kind": "date",
            "due_on": due.isoformat(),
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    members = _members()
    assert set(members) == _people_under("cdmx-cultura") and members
    assert set(members.values()) == {due}
    html = client.get("/assignments/").get_data(as_text=True)
    assert "Curso mínimo" in html and "Secretaría de Cultura" in html


def test_official_sees_assigned_courses_first_with_due_and_overdue(client, world, tiny):
    reviewer = db.session.get(User, world.reviewer_cdmx)
    course = tiny.course
    official = db.session.get(User, world.official_cdmx)
    assignment = assignments.create(reviewer, course, official.organisation, due_days=10)
    db.session.commit()
    client.login(world.official_cdmx_email)
    html = client.get("/learning/").get_data(as_text=True)
    assert "Asignados a usted" in html
    due = assignments.today() + timedelta(days=10)
    assert _members(assignment.id) == {official.id: due}
    assert f"Vence el {format_date(due, locale='es')}" in html and "No iniciado" in html
    db.session.execute(
        AssignmentMember.__table__.update()
        .where(AssignmentMember.assignment_id == assignment.id)
        .values(due_on=assignments.today() - timedelta(days=1))
    )
    db.session.commit()
    html = client.get("/learning/").get_data(as_text=True)
    yesterday = format_date(assignments.today() - timedelta(days=1), locale="es")
    assert f"Vencido: debía completarse el {yesterday}" in html


def test_newcomers_get_the_assignment_due_from_the_day_they_join(app, world, tiny):
    reviewer = db.session.get(User, world.reviewer_cdmx)
    culture = db.session.get(Organisation, world.cdmx_culture)
    assignment = assignments.create(reviewer, tiny.course, culture, due_days=30)
    fixed = assignments.create(
        reviewer, tiny.course, culture, due_on=assignments.today() + timedelta(days=5)
    )
    db.session.commit()
    newcomer = accounts.create_user("nueva@test.example", "Nueva Persona", culture)
    db.session.commit()
    assert _members(assignment.id)[newcomer.id] == assignments.today() + timedelta(days=30)
    assert _members(fixed.id)[newcomer.id] == assignments.today() + timedelta(days=5)
    # Someone joining another city's department gets nothing of it.
    other = accounts.create_user(
        "otra@test.example", "Otra Persona", db.session.get(Organisation, world.bh_finance)
    )
    db.session.commit()
    assert other.id not in _members()


def test_named_people_only_and_mistakes_named_by_line(client, world, tiny):
    client.login(world.reviewer_cdmx_email)
    form = {
        "course": "tiny",
        "organisation": world.cdmx,
        "due_kind": "date",
        "due_on": (assignments.today() + timedelta(days=3)).isoformat(),
        "people": f"{world.official_cdmx_email}\n{world.official_bh_email}\n",
    }
    response = client.submit("/assignments/new", form)
    assert response.status_code == 400
    assert "Línea 2" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
    form["people"] = world.official_cdmx_email
    assert client.submit("/assignments/new", form).status_code == 302
    assert set(_members()) == {world.official_cdmx}
    # A newcomer is not added to a list of named people.
    accounts.create_user("x@test.example", "X", db.session.get(Organisation, world.cdmx))
    db.session.commit()
    assert set(_members()) == {world.official_cdmx}


def test_bad_due_dates_are_refused(client, world, tiny):
    client.login(world.reviewer_cdmx_email)
    base = {"course": "tiny", "organisation": world.cdmx}
    past = (assignments.today() - timedelta(days=1)).isoformat()
    for form, message in (
        ({"due_kind": "date", "due_on": past}, "La fecha de vencimiento ya pasó."),
        ({"due_kind": "date", "due_on": "31/12/2030"}, "No es una fecha válida."),
        ({"due_kind": "date"}, "Indique la fecha de vencimiento."),
        ({"due_kind": "days", "due_days": "0"}, "El número debe estar entre 1 y 3650."),
    ):
        response = client.submit("/assignments/new", {**base, **form})
        assert response.status_code == 400, form
        html = response.get_data(as_text=True)
        assert message in html, (form, [ln for ln in html.splitlines() if "error" in ln])
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_another_citys_reviewer_sees_and_touches_nothing(app, world, tiny):
    reviewer = db.session.get(User, world.reviewer_cdmx)
    assignment = assignments.create(
        reviewer, tiny.course, db.session.get(Organisation, world.cdmx), due_days=5
    )
    db.session.commit()
    other = app.test_client()
    other.login(world.reviewer_bh_email)
    html = other.get("/assignments/").get_data(as_text=True)
    assert "Ciudad de México" not in html
    assert other.submit(f"/assignments/{assignment.id}/delete").status_code == 404
    response = other.submit(
        "/assignments/new",
        {"course": "tiny", "organisation": world.cdmx, "due_kind": "days", "due_days": "5"},
    )
    assert response.status_code == 400  # not a choice for them
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 1
    own = app.test_client()
    own.login(world.reviewer_cdmx_email)
    assert own.submit(f"/assignments/{assignment.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AssignmentMember)) == 0


def test_summary_counts_match_a_brute_force_count(app, world, tiny):
    reviewer = db.session.get(User, world.reviewer_cdmx)
    cdmx = db.session.get(Organisation, world.cdmx)
    assignment = assignments.create(reviewer, tiny.course, cdmx, due_days=5)
    db.session.commit()
    people = sorted(_people_under("cdmx"))
    # One completed, one overdue and in progress, the rest due later and not started.

    done = learning.enrol(db.session.get(User, people[0]), tiny.course, "es")
    done.complete(utcnow())
    learning.enrol(db.session.get(User, people[1]), tiny.course, "es")
    db.session.execute(
        AssignmentMember.__table__.update()
        .where(AssignmentMember.user_id.in_(people[:2]))
        .values(due_on=assignments.today() - timedelta(days=2))
    )
    db.session.commit()
    total, rows = assignments.summary(reviewer)
    assert total == 1
    row = rows[0]
    statuses = dict(db.session.execute(select(Enrolment.user_id, Enrolment.status)).all())
    members = _members(assignment.id)
    assert row.members == len(members) == len(people)
    assert row.completed == sum(1 for u in members if statuses.get(u) == "completed")
    assert (
        row.overdue
        == sum(
            1
            for u, due in members.items()
            if due < assignments.today() and statuses.get(u) != "completed"
        )
        == 1
    )


def test_membership_knows_when_the_course_is_completed(app, client, world, tiny):

    reviewer = db.session.get(User, world.reviewer_cdmx)
    finance = db.session.get(Organisation, world.cdmx_finance)
    before = assignments.create(reviewer, tiny.course, finance, due_days=5)
    db.session.commit()
    complete_tiny(client, world.official_cdmx_email, tiny)  # completes after being assigned
    after = assignments.create(reviewer, tiny.course, finance, due_days=5)  # and before this
    named = assignments.create(
        reviewer,
        tiny.course,
        finance,
        due_days=5,
        people=[db.session.get(User, world.official_cdmx)],
    )
    db.session.commit()
    for assignment in (before, after, named):
        member = db.session.get(AssignmentMember, (assignment.id, world.official_cdmx))
        assert member.completed is True, assignment.id
