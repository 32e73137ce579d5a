"""`flask reminders send`: due and overdue assignments, expiring certificates, and an
optional weekly summary for reviewers; each item at most once a week per person."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import exists, func, select
from sqlalchemy.orm import joinedload

from app.accounts.models import Membership, Role, User
from app.accounts.zones import zone_of
from app.catalog import services as catalog
from app.certificates.models import Certificate
from app.clock import today_in, utcnow
from app.extensions import db
from app.learning.models import Assignment, AssignmentMember
from app.mail import external_url, render_message, send
from app.reports import services as reports

from .models import ReminderSent

log = logging.getLogger("aula.reminders")
WEEK = timedelta(days=7)
BATCH = 500


def _not_sent_recently(kind: str, item):
    """SQL: no reminder of this kind for this person and item in the last seven days."""
    return ~exists().where(
        ReminderSent.user_id == User.id,
        ReminderSent.kind == kind,
        ReminderSent.item_id == item,
        ReminderSent.sent_on > utcnow().date() - WEEK,
    )


def due_assignments():
    """(person, course id, due date) for assigned courses due within 7 days or overdue, not
    completed, not reminded this week; one row per person and course."""
    today = utcnow().date()
    return (
        select(User, Assignment.course_id, func.min(AssignmentMember.due_on))
        .select_from(AssignmentMember)
        .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
        .join(User, User.id == AssignmentMember.user_id)
        .where(
            User.is_active_account.is_(True),
            AssignmentMember.due_on <= today + WEEK,
            AssignmentMember.completed.is_(False),
            _not_sent_recently("assignment", Assignment.course_id),
        )
        .group_by(User.id, Assignment.course_id)
        .order_by(User.id)
    )


def expiring_certificates():
    now = utcnow()
    return (
        select(User, Certificate)
        .join(User, User.id == Certificate.user_id)
        .where(
            User.is_active_account.is_(True),
            Certificate.revoked_at.is_(None),
            Certificate.expires_at > now,
            Certificate.expires_at <= now + timedelta(days=30),
            _not_sent_recently("expiry", Certificate.id),
        )
        .options(joinedload(Certificate.course))
        .order_by(User.id)
    )


def _record(user_id: int, kind: str, item_id: int) -> None:
    db.session.add(
        ReminderSent(user_id=user_id, kind=kind, item_id=item_id, sent_on=utcnow().date())
    )


def send_due(summaries: bool = False) -> dict[str, int]:
    """Send what is due; every message is recorded in the same transaction as the batch."""
    counts = {"assignment": 0, "expiry": 0, "summary": 0}
    courses = {c.id: c for c in catalog.published_courses()}
    messages = []

    def flush() -> None:
        db.session.commit()  # recorded first: a crash after this sends nothing twice
        send(messages)
        messages.clear()

    for user, course_id, due_on in db.session.execute(
        due_assignments().execution_options(yield_per=BATCH)
    ):
        course = courses.get(course_id)
        if course is None:
            continue
        title = catalog.display_title(course.current_version, user.locale)
        zone = zone_of(user)
        messages.append(
            render_message(
                user.email,
                user.locale,
                "reminders/email/assignment_subject.txt",
                "reminders/email/assignment.txt",
                zone=zone,
                user=user,
                title=title,
                due_on=due_on,
                # A due date is a whole day where the person is: overdue from the next.
                overdue=due_on < today_in(zone),
                link=external_url("course.show_course", slug=course.slug),
            )
        )
        _record(user.id, "assignment", course_id)
        counts["assignment"] += 1
        if len(messages) >= BATCH:
            flush()
    flush()
    for user, cert in db.session.execute(
        expiring_certificates().execution_options(yield_per=BATCH)
    ):
        messages.append(
            render_message(
                user.email,
                user.locale,
                "reminders/email/expiry_subject.txt",
                "reminders/email/expiry.txt",
                zone=zone_of(user),
                user=user,
                cert=cert,
                link=external_url("course.show_course", slug=cert.course.slug),
            )
        )
        _record(user.id, "expiry", cert.id)
        counts["expiry"] += 1
        if len(messages) >= BATCH:
            flush()
    flush()
    if summaries:
        counts["summary"] = _send_summaries()
    return counts


def _send_summaries() -> int:
    """A weekly summary to each reviewer: their scope's figures for the last seven days."""
    reviewers = db.session.scalars(
        select(User)
        .where(
            User.is_active_account.is_(True),
            User.memberships.any(Membership.role.in_([Role.REVIEWER.value, Role.ADMIN.value])),
            _not_sent_recently("summary", 0),
        )
        .order_by(User.id)
    ).all()
    sent = 0
    for reviewer in reviewers:
        filters = reports.Filters(start=utcnow().date() - WEEK)
        head = reports.headline(reviewer, filters)
        message = render_message(
            reviewer.email,
            reviewer.locale,
            "reminders/email/summary_subject.txt",
            "reminders/email/summary.txt",
            zone=zone_of(reviewer),
            user=reviewer,
            head=head,
            link=external_url("reports.dashboard"),
        )
        _record(reviewer.id, "summary", 0)
        db.session.commit()
        send([message])
        sent += 1
    return sent
