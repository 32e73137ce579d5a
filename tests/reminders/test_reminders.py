"""`flask reminders send`: the right people, in their language, never twice in a week."""

from datetime import timedelta

from sqlalchemy import update

from app.accounts.models import Organisation, User
from app.certificates.models import Certificate
from app.clock import utcnow
from app.extensions import db
from app.learning import assignments
from app.learning.models import AssignmentMember
from app.reminders.models import ReminderSent
from tests.certificates.conftest import complete_tiny


def test_due_and_overdue_assignments_once_a_week(app, runner, outbox, world, tiny):
    reviewer = db.session.get(User, world.reviewer_cdmx)
    cdmx = db.session.get(Organisation, world.cdmx)
    assignment = assignments.create(reviewer, tiny.course, cdmx, due_days=5)
    db.session.commit()
    # One person overdue, the rest due in 5 days: everyone in Mexico City gets one e-mail.
    db.session.execute(
        update(AssignmentMember)
        .where(AssignmentMember.user_id == world.official_cdmx)
        .values(due_on=assignments.today() - timedelta(days=3))
    )
    db.session.commit()
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0, result.output
    people = {m.to for m in outbox}
    members = db.session.query(AssignmentMember.user_id).filter_by(assignment_id=assignment.id)
    emails = {db.session.get(User, uid).email for (uid,) in members}
    assert people == emails and len(outbox) == len(emails)
    mine = next(m for m in outbox if m.to == world.official_cdmx_email)
    assert mine.subject.startswith("Curso vencido")  # Spanish, her language
    # Running again the same day, or later in the week, sends nothing more.
    outbox.clear()
    assert "0 assignment reminder(s)" in runner.invoke(args=["reminders", "send"]).output
    assert outbox == []
    # A week later, whoever is still behind hears again.
    db.session.execute(update(ReminderSent).values(sent_on=utcnow().date() - timedelta(days=7)))
    db.session.commit()
    runner.invoke(args=["reminders", "send"])
    assert {m.to for m in outbox} == emails


def test_completed_and_far_off_assignments_are_left_alone(app, runner, outbox, client, world, tiny):
    reviewer = db.session.get(User, world.reviewer_cdmx)
    official = db.session.get(User, world.official_cdmx)
    assignments.create(
        reviewer,
        tiny.course,
        official.organisation,
        due_on=assignments.today() + timedelta(days=30),
    )
    finance_near = assignments.create(
        reviewer, tiny.course, official.organisation, due_days=3, people=[official]
    )
    db.session.commit()
    complete_tiny(client, world.official_cdmx_email, tiny)  # she finishes: nothing to remind
    outbox.clear()
    runner.invoke(args=["reminders", "send"])
    assert world.official_cdmx_email not in {m.to for m in outbox}
    assert finance_near.id


def test_expiring_certificates_and_reviewer_summaries(app, runner, outbox, client, world, tiny):
    complete_tiny(client, world.official_cdmx_email, tiny)
    db.session.execute(update(Certificate).values(expires_at=utcnow() + timedelta(days=20)))
    db.session.commit()
    outbox.clear()
    result = runner.invoke(args=["reminders", "send", "--summaries"])
    assert "1 expiry reminder(s)" in result.output
    expiry = [m for m in outbox if "certificado vence" in m.subject]
    assert [m.to for m in expiry] == [world.official_cdmx_email]
    summaries = [
        m for m in outbox if "resumen semanal" in m.subject or "resumo semanal" in m.subject
    ]
    reviewers = {
        world.reviewer_cdmx_email,
        world.reviewer_bh_email,
        world.reviewer_mg_email,
        world.admin_cdmx_email,
        world.admin_email,
    }
    assert {m.to for m in summaries} == reviewers
    bh = next(m for m in summaries if m.to == world.reviewer_bh_email)
    assert "Resumo semanal" in bh.subject or "resumo semanal" in bh.subject
    outbox.clear()
    again = runner.invoke(args=["reminders", "send", "--summaries"])
    assert "0 assignment reminder(s), 0 expiry reminder(s), 0 reviewer summary(ies)" in again.output
    assert outbox == []
