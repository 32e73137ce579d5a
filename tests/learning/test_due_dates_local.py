"""A due date is a whole day in the organisation's time zone: overdue starts when that day
ends there, not when it ends in UTC."""

from datetime import date, datetime

from app import clock
from app.accounts import services as accounts
from app.accounts.models import Organisation, User
from app.extensions import db
from app.learning import assignments
from app.learning.models import AssignmentMember
from app.reports import services as reports

DUE = date(2026, 12, 7)


def _assigned_due_on_the_7th(world, tiny) -> User:
    reviewer = db.session.get(User, world.reviewer_cdmx)
    official = db.session.get(User, world.official_cdmx)
    db.session.get(Organisation, world.cdmx).time_zone = "America/Mexico_City"
    assignment = assignments.create(reviewer, tiny.course, official.organisation, due_days=10)
    db.session.execute(
        AssignmentMember.__table__.update()
        .where(AssignmentMember.assignment_id == assignment.id)
        .values(due_on=DUE)
    )
    return official


def _overdue_at(monkeypatch, official: User, moment: datetime) -> bool:
    monkeypatch.setattr(clock, "utcnow", lambda: moment)
    (mine,) = assignments.for_user(official)
    return mine.overdue


def test_overdue_starts_at_the_end_of_the_local_day(app, world, tiny, monkeypatch):
    official = _assigned_due_on_the_7th(world, tiny)
    # 05:59 UTC on the 8th is 23:59 on the 7th in Mexico City: still due today.
    assert not _overdue_at(monkeypatch, official, datetime(2026, 12, 8, 5, 59))
    # Midnight in Mexico City.
    assert _overdue_at(monkeypatch, official, datetime(2026, 12, 8, 6, 0))


def test_the_day_follows_the_organisations_zone(app, world, tiny, monkeypatch):
    official = _assigned_due_on_the_7th(world, tiny)
    # In Paris the 7th ended at 23:00 UTC.
    cdmx = db.session.get(Organisation, world.cdmx)
    accounts.update_organisation(cdmx, cdmx.name, cdmx.slug, cdmx.kind, cdmx.parent, "Europe/Paris")
    assert _overdue_at(monkeypatch, official, datetime(2026, 12, 7, 23, 0))
    assert not _overdue_at(monkeypatch, official, datetime(2026, 12, 7, 22, 59))
    # A person's own zone does not move their organisation's due dates.
    official.time_zone = "Pacific/Kiritimati"
    assert not _overdue_at(monkeypatch, official, datetime(2026, 12, 7, 22, 59))


def test_summary_counts_overdue_by_the_reviewers_organisation_day(app, world, tiny, monkeypatch):
    _assigned_due_on_the_7th(world, tiny)
    reviewer = db.session.get(User, world.reviewer_cdmx)
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 12, 8, 5, 59))
    _total, (row,) = assignments.summary(reviewer)
    assert row.overdue == 0
    monkeypatch.setattr(clock, "utcnow", lambda: datetime(2026, 12, 8, 6, 0))
    _total, (row,) = assignments.summary(reviewer)
    assert row.overdue == 1


def test_reports_count_overdue_by_the_reviewers_organisation_day(app, world, tiny, monkeypatch):
    """The dashboard's overdue figure and the overdue list agree with the assignments page
    around midnight: 05:59 UTC on the 8th is still the 7th in Mexico City."""
    _assigned_due_on_the_7th(world, tiny)
    db.session.commit()
    reviewer = db.session.get(User, world.reviewer_cdmx)
    for moment, late in ((datetime(2026, 12, 8, 5, 59), 0), (datetime(2026, 12, 8, 6, 0), 1)):
        monkeypatch.setattr(clock, "utcnow", lambda moment=moment: moment)
        assert reports.headline(reviewer, reports.Filters()).overdue == late, moment
        overdue = db.session.scalar(reports.overdue_query(reviewer, reports.Filters(), count=True))
        assert overdue == late, moment
