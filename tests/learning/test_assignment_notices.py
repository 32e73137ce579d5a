"""Notices of assignments: one outbox message per official when a course is assigned to
them or its due date changes, delivered by the outbox worker as an e-mail in each
recipient's language; nothing for a rolled-back change; every reviewer's act on an
assignment in the audit log; the notice on My learning."""

from __future__ import annotations

from datetime import timedelta

from babel.dates import format_date
from sqlalchemy import func, select

from app import outbox as worker
from app.accounts import services as accounts
from app.accounts.models import Organisation, User
from app.audit.models import AuditEntry
from app.extensions import db
from app.learning import assignments
from app.learning.models import AssignmentMember
from app.outbox import OutboxMessage
from app.reminders import notices
from tests.conftest import form_errors


def _notices():
    return list(
        db.session.scalars(
            select(OutboxMessage.payload)
            .where(OutboxMessage.topic == notices.TOPIC)
            .order_by(OutboxMessage.id)
        )
    )


def _bh_department(world):
    """Belo Horizonte's finance department: João (pt_BR) and a Spanish-speaking colleague."""
    finance = db.session.get(Organisation, world.bh_finance)
    colleague = accounts.create_user("lucia@test.example", "Lucía Colega", finance, locale="es")
    db.session.commit()
    return finance, colleague


def test_assigning_to_a_department_mails_each_official_in_their_language(app, world, tiny, outbox):
    finance, colleague = _bh_department(world)
    reviewer = db.session.get(User, world.reviewer_bh)
    due = assignments.today() + timedelta(days=20)
    assignments.create(reviewer, tiny.course, finance, due_on=due)
    db.session.commit()

    payloads = _notices()
    assert sorted(p["user_id"] for p in payloads) == sorted([world.official_bh, colleague.id])
    assert {(p["kind"], p["due_on"]) for p in payloads} == {("assigned", due.isoformat())}
    assert outbox == []  # nothing leaves before the worker runs

    assert worker.deliver() == (2, 0)
    mails = {m.to: m for m in outbox}
    assert set(mails) == {world.official_bh_email, "lucia@test.example"}
    joao = mails[world.official_bh_email]
    assert joao.body.startswith("Olá, João Gonçalves,")
    assert format_date(due, locale="pt_BR") in joao.body
    assert "/courses/tiny\n" in joao.body
    lucia = mails["lucia@test.example"]
    assert lucia.body.startswith("Hola, Lucía Colega:")
    assert format_date(due, locale="es") in lucia.body
    assert "Curso mínimo" in joao.subject and "Curso mínimo" in lucia.subject
    assert worker.deliver() == (0, 0) and len(outbox) == 2  # sent once


def test_a_rolled_back_assignment_writes_no_notice(app, world, tiny, outbox):
    finance, _colleague = _bh_department(world)
    reviewer = db.session.get(User, world.reviewer_bh)
    assignments.create(reviewer, tiny.course, finance, due_days=10)
    db.session.flush()
    assert len(_notices()) == 2  # written in the change's own transaction ...
    db.session.rollback()
    assert _notices() == []  # ... and gone with it
    assert worker.deliver() == (0, 0) and outbox == []


def test_a_newcomer_to_the_department_is_told_too(app, world, tiny, outbox):
    reviewer = db.session.get(User, world.reviewer_bh)
    finance = db.session.get(Organisation, world.bh_finance)
    assignments.create(reviewer, tiny.course, finance, due_days=10)
    db.session.commit()
    newcomer = accounts.create_user("novo@test.example", "Novo Colega", finance, locale="pt_BR")
    db.session.commit()
    mine = [p for p in _notices() if p["user_id"] == newcomer.id]
    assert mine == [
        {
            "kind": "assigned",
            "user_id": newcomer.id,
            "course_id": tiny.course.id,
            "due_on": (assignments.today() + timedelta(days=10)).isoformat(),
        }
    ]
    # a newcomer joining is the system's doing, not an act for the audit log
    assert (
        db.session.scalar(select(func.count()).where(AuditEntry.action.like("assignment.%"))) == 1
    )


def test_changing_the_due_date_tells_who_has_not_finished_and_is_audited(
    app, client, world, tiny, outbox
):
    finance, colleague = _bh_department(world)
    reviewer = db.session.get(User, world.reviewer_bh)
    assignment = assignments.create(reviewer, tiny.course, finance, due_days=10)
    db.session.commit()
    worker.deliver()
    outbox.clear()
    db.session.execute(
        AssignmentMember.__table__.update()
        .where(AssignmentMember.user_id == colleague.id)
        .values(completed=True)
    )
    db.session.commit()

    client.login(world.reviewer_bh_email)
    page = client.get(f"/assignments/{assignment.id}/due")
    assert page.status_code == 200
    new_due = assignments.today() + timedelta(days=45)
    response = client.submit(
        f"/assignments/{assignment.id}/due", {"due_kind": "date", "due_on": new_due.isoformat()}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    dues = dict(
        db.session.execute(
            select(AssignmentMember.user_id, AssignmentMember.due_on).where(
                AssignmentMember.assignment_id == assignment.id
            )
        ).all()
    )
    assert dues[world.official_bh] == new_due
    changed = [p for p in _notices() if p["kind"] == "due_changed"]
    assert changed == [
        {
            "kind": "due_changed",
            "user_id": world.official_bh,
            "course_id": tiny.course.id,
            "due_on": new_due.isoformat(),
        }
    ]
    assert worker.deliver() == (1, 0)
    [mail] = outbox
    assert mail.to == world.official_bh_email
    assert format_date(new_due, locale="pt_BR") in mail.body
    assert mail.body.startswith("Olá, João Gonçalves,")

    # The same date again changes nothing and tells no one.
    client.submit(
        f"/assignments/{assignment.id}/due", {"due_kind": "date", "due_on": new_due.isoformat()}
    )
    assert len(_notices()) == 3


def test_a_past_or_missing_due_date_is_refused_by_field(client, world, tiny):
    reviewer = db.session.get(User, world.reviewer_cdmx)
    finance = db.session.get(Organisation, world.cdmx_finance)
    assignment = assignments.create(reviewer, tiny.course, finance, due_days=10)
    db.session.commit()
    client.login(world.reviewer_cdmx_email)
    past = assignments.today() - timedelta(days=1)
    response = client.submit(
        f"/assignments/{assignment.id}/due", {"due_kind": "date", "due_on": past.isoformat()}
    )
    assert response.status_code == 400
    assert form_errors(response.get_data(as_text=True)) == ["La fecha de vencimiento ya pasó."]
    response = client.submit(
        f"/assignments/{assignment.id}/due", {"due_kind": "days", "due_days": ""}
    )
    assert response.status_code == 400
    assert form_errors(response.get_data(as_text=True)) == ["Indique el número de días."]
    assert db.session.get(assignments.Assignment, assignment.id).due_days == 10


def test_a_reviewer_of_another_city_cannot_change_the_due_date(client, world, tiny):
    reviewer = db.session.get(User, world.reviewer_bh)
    finance = db.session.get(Organisation, world.bh_finance)
    assignment = assignments.create(reviewer, tiny.course, finance, due_days=10)
    db.session.commit()
    client.login(world.reviewer_cdmx_email)
    later = (assignments.today() + timedelta(days=60)).isoformat()
    url = f"/assignments/{assignment.id}/due"
    assert client.get(url).status_code == 404
    assert client.submit(url, {"due_kind": "date", "due_on": later}).status_code == 404
    assert db.session.get(assignments.Assignment, assignment.id).due_on is None


def test_create_change_and_remove_are_in_the_audit_log(client, world, tiny):
    client.login(world.reviewer_cdmx_email)
    due = assignments.today() + timedelta(days=30)
    client.submit(
        "/assignments/new",
        {
            "course": "tiny",
            "organisation": world.cdmx_finance,
            "due_kind": "date",
            "due_on": due.isoformat(),
        },
    )
    assignment_id = db.session.scalar(select(assignments.Assignment.id))
    client.submit(f"/assignments/{assignment_id}/due", {"due_kind": "days", "due_days": "7"})
    client.submit(f"/assignments/{assignment_id}/delete")
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == "assignment").order_by(AuditEntry.id)
    ).all()
    assert [e.action for e in entries] == [
        "assignment.create",
        "assignment.change",
        "assignment.remove",
    ]
    assert {e.target_id for e in entries} == {assignment_id}
    assert {e.actor_id for e in entries} == {world.reviewer_cdmx}
    assert {e.organisation_id for e in entries} == {world.cdmx_finance}
    assert entries[0].detail["due_on"] == due.isoformat()
    assert entries[1].detail["due_days"] == 7 and entries[1].detail["due_on"] is None
    assert entries[0].detail["people"] == 1  # Guadalupe, the finance department's official
    assert client.get("/audit/?action=assignment").status_code == 200


def test_my_learning_shows_the_notice(client, world, tiny):
    reviewer = db.session.get(User, world.reviewer_cdmx)
    finance = db.session.get(Organisation, world.cdmx_finance)
    official = db.session.get(User, world.official_cdmx)
    due = assignments.today() + timedelta(days=12)
    assignment = assignments.create(reviewer, tiny.course, finance, due_on=due)
    db.session.commit()
    [notice] = assignments.notices_for(official)
    assert (notice.kind, notice.course.id, notice.due_on) == ("assigned", tiny.course.id, due)

    client.login(world.official_cdmx_email)
    html = client.get("/learning/").get_data(as_text=True)
    section = html.split('id="notices-heading"', 1)[1].split("</section>", 1)[0]
    assert "Curso mínimo" in section and format_date(due, locale="es") in section

    later = due + timedelta(days=10)
    assignments.change_due(reviewer, assignment, due_on=later)
    db.session.commit()
    [notice] = assignments.notices_for(official)
    assert (notice.kind, notice.due_on) == ("due_changed", later)
    html = client.get("/learning/").get_data(as_text=True)
    section = html.split('id="notices-heading"', 1)[1].split("</section>", 1)[0]
    assert format_date(later, locale="es") in section

    # Once completed, the course is no longer news.
    db.session.execute(AssignmentMember.__table__.update().values(completed=True))
    db.session.commit()
    assert assignments.notices_for(official) == []
    assert 'id="notices-heading"' not in client.get("/learning/").get_data(as_text=True)


def test_a_date_already_past_in_the_organisations_zone_is_refused_not_an_error(client, world, tiny):
    """Kiritimati (UTC+14) is a day ahead of Mexico City: yesterday there is today or even
    tomorrow elsewhere, and the page says so by field instead of failing in the service."""
    finance = db.session.get(Organisation, world.cdmx_finance)
    finance.time_zone = "Pacific/Kiritimati"
    reviewer = db.session.get(User, world.reviewer_cdmx)
    assignment = assignments.create(reviewer, tiny.course, finance, due_days=10)
    db.session.commit()
    local_today = assignments.today(finance.id)
    assert local_today >= assignments.today()
    client.login(world.reviewer_cdmx_email)
    yesterday_there = (local_today - timedelta(days=1)).isoformat()
    response = client.submit(
        f"/assignments/{assignment.id}/due", {"due_kind": "date", "due_on": yesterday_there}
    )
    assert response.status_code == 400
    assert form_errors(response.get_data(as_text=True)) == ["La fecha de vencimiento ya pasó."]
