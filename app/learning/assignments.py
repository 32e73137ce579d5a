"""Assignments: courses a reviewer requires, with due dates, and who has done them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, exists, func, insert, literal, or_, select, update
from sqlalchemy.orm import selectinload

from app import events
from app.accounts import policy
from app.accounts.models import Organisation, Role, User
from app.accounts.zones import zone_of_org
from app.audit.models import AuditEntry
from app.catalog.models import Course, CourseVersion
from app.clock import today_in, utcnow
from app.extensions import db

from .models import Assignment, AssignmentMember, Enrolment, EnrolmentStatus


class AssignmentError(ValueError):
    """A refused assignment; the message names the field and is for the reviewer."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def today(organisation_id: int | None = None) -> date:
    """The day it is in the organisation's time zone (the default zone without one): a due
    date is a whole day there, so it is overdue only once that day has ended."""
    return today_in(zone_of_org(organisation_id))


def _check(actor: User, organisation: Organisation, due_on: date | None, due_days: int | None):
    if not policy.can_act_on(actor, Role.REVIEWER, organisation):
        raise AssignmentError("organisation outside the reviewer's scope", "organisation")
    if (due_on is None) == (due_days is None):
        raise AssignmentError("give a due date or a number of days", "due")
    if due_on is not None and due_on < today(organisation.id):
        raise AssignmentError("the due date is in the past", "due_on")
    if due_days is not None and not 1 <= due_days <= 3650:
        raise AssignmentError("days must be between 1 and 3650", "due_days")


def _due(assignment: Assignment, on: date) -> date:
    return assignment.due_on if assignment.due_on else on + timedelta(days=assignment.due_days)


def create(
    actor: User,
    course: Course,
    organisation: Organisation,
    *,
    due_on: date | None = None,
    due_days: int | None = None,
    people: list[User] | None = None,
) -> Assignment:
    """Assign a course to an organisation's subtree (and its future members), or to a list
    of people in it; everyone affected gets their due date at once."""
    _check(actor, organisation, due_on, due_days)
    for person in people or []:
        if not organisation.contains(person.organisation):
            raise AssignmentError(person.email, "people")
    assignment = Assignment(
        course_id=course.id,
        organisation_id=organisation.id,
        named_only=people is not None,
        due_on=due_on,
        due_days=due_days,
        created_by_id=actor.id,
    )
    db.session.add(assignment)
    db.session.flush()
    if people is not None:
        due = _due(assignment, today(organisation.id))
        done = set(
            db.session.scalars(
                select(Enrolment.user_id).where(
                    Enrolment.course_id == course.id,
                    Enrolment.status == EnrolmentStatus.COMPLETED.value,
                    Enrolment.user_id.in_([p.id for p in people]),
                )
            )
        )
        db.session.execute(
            insert(AssignmentMember),
            [
                {
                    "assignment_id": assignment.id,
                    "user_id": p.id,
                    "due_on": due,
                    "completed": p.id in done,
                }
                for p in people
            ],
        )
    else:
        _add_members(assignment)
    everyone = list(
        db.session.scalars(
            select(AssignmentMember.user_id).where(AssignmentMember.assignment_id == assignment.id)
        )
    )
    events.assignment_changed.send(assignment, action="create", actor=actor, user_ids=everyone)
    return assignment


def change_due(
    actor: User,
    assignment: Assignment,
    *,
    due_on: date | None = None,
    due_days: int | None = None,
) -> list[int]:
    """Give an assignment a new due date (or number of days from joining): every member who
    has not completed the course gets it, dated so their notice can say so. Returns the
    people whose due date changed (none when nothing did)."""
    _check(actor, assignment.organisation, due_on, due_days)
    if (assignment.due_on, assignment.due_days) == (due_on, due_days):
        return []
    assignment.due_on, assignment.due_days = due_on, due_days
    changes = []
    for user_id, added_at, old in db.session.execute(
        select(AssignmentMember.user_id, AssignmentMember.added_at, AssignmentMember.due_on).where(
            AssignmentMember.assignment_id == assignment.id,
            AssignmentMember.completed.is_(False),
        )
    ):
        new = due_on or added_at.date() + timedelta(days=due_days)
        if new != old:
            changes.append(
                {
                    "assignment_id": assignment.id,
                    "user_id": user_id,
                    "due_on": new,
                }
            )
    if changes:
        db.session.execute(update(AssignmentMember), changes)
    user_ids = [c["user_id"] for c in changes]
    events.assignment_changed.send(assignment, action="change", actor=actor, user_ids=user_ids)
    return user_ids


def _has_completed(user_id, course_id):
    """SQL: whether that person has completed that course."""
    return exists().where(
        Enrolment.user_id == user_id,
        Enrolment.course_id == course_id,
        Enrolment.status == EnrolmentStatus.COMPLETED.value,
    )


def mark_completed(user_id: int, course_id: int) -> None:
    """The person completed the course: their assignments of it are no longer due."""
    db.session.execute(
        update(AssignmentMember)
        .where(
            AssignmentMember.user_id == user_id,
            AssignmentMember.assignment_id.in_(
                select(Assignment.id).where(Assignment.course_id == course_id)
            ),
        )
        .values(completed=True)
    )


def sync_members(assignment: Assignment) -> int:
    """Add everyone now in the assignment's subtree who is not a member yet (newcomers get
    their due date counted from today) and tell of them (`assignment_changed`, "extend").
    Returns how many."""
    added = _add_members(assignment)
    if added:
        events.assignment_changed.send(assignment, action="extend", actor=None, user_ids=added)
    return len(added)


def _add_members(assignment: Assignment) -> list[int]:
    """One INSERT ... SELECT of the subtree's people who are not members yet; their ids are
    read back by the moment of insertion, which only this statement wrote."""
    if assignment.named_only:
        return []
    now = utcnow()
    target = db.session.get(Organisation, assignment.organisation_id)
    newcomers = (
        select(
            literal(assignment.id),
            User.id,
            literal(_due(assignment, today(assignment.organisation_id))),
            _has_completed(User.id, assignment.course_id),
            literal(now, type_=AssignmentMember.added_at.type),
        )
        .join(Organisation, Organisation.id == User.organisation_id)
        .where(
            Organisation.path.startswith(target.path, autoescape=True),
            User.is_active_account.is_(True),
            ~exists().where(
                AssignmentMember.assignment_id == assignment.id,
                AssignmentMember.user_id == User.id,
            ),
        )
    )
    result = db.session.execute(
        insert(AssignmentMember).from_select(
            ["assignment_id", "user_id", "due_on", "completed", "added_at"], newcomers
        )
    )
    if not result.rowcount:
        return []
    return list(
        db.session.scalars(
            select(AssignmentMember.user_id).where(
                AssignmentMember.assignment_id == assignment.id,
                AssignmentMember.added_at == now,
            )
        )
    )


def sync_for(organisation: Organisation) -> int:
    """Bring newcomers of an organisation into every assignment that covers it (called when
    people are created, imported or moved)."""
    covering = db.session.scalars(
        select(Assignment).where(
            Assignment.organisation_id.in_(organisation.ancestor_ids()),
            Assignment.named_only.is_(False),
        )
    ).all()
    return sum(sync_members(a) for a in covering)


def sync_all() -> int:
    """Every assignment against the people now in its subtree (for cron, after bulk moves)."""
    return sum(
        sync_members(a)
        for a in db.session.scalars(select(Assignment).where(Assignment.named_only.is_(False)))
    )


def on_people_arrived(organisation: Organisation | None, **_) -> None:
    """Receiver of `person_joined` and `person_moved`: the assignments covering where the
    people now are take them in (every assignment when no single organisation is named)."""
    if organisation is None:
        sync_all()
    else:
        sync_for(organisation)


def delete(assignment: Assignment, actor: User | None = None) -> None:
    """Remove an assignment and its members' due dates (told first, while it still exists)."""
    events.assignment_changed.send(assignment, action="remove", actor=actor, user_ids=[])
    db.session.execute(
        AssignmentMember.__table__.delete().where(AssignmentMember.assignment_id == assignment.id)
    )
    db.session.delete(assignment)


@dataclass(frozen=True)
class MyAssignment:
    course: Course
    due_on: date
    status: str  # "not_started", "in_progress" or "completed"
    overdue: bool


def for_user(user: User) -> list[MyAssignment]:
    """The official's assigned courses, soonest due first; one query. A course assigned
    twice counts once, with the earlier due date."""
    rows = db.session.execute(
        select(Course, func.min(AssignmentMember.due_on), Enrolment.status)
        .select_from(AssignmentMember)
        .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .outerjoin(Enrolment, and_(Enrolment.user_id == user.id, Enrolment.course_id == Course.id))
        .where(AssignmentMember.user_id == user.id)
        .options(selectinload(Course.current_version).selectinload(CourseVersion.editions))
        .group_by(Course.id, Enrolment.status)
        .order_by(func.min(AssignmentMember.due_on), Course.slug)
    ).all()
    now = today(user.organisation_id)
    mine = []
    for course, due_on, status in rows:
        state = {
            EnrolmentStatus.COMPLETED.value: "completed",
            EnrolmentStatus.ACTIVE.value: "in_progress",
        }.get(status, "not_started")
        mine.append(MyAssignment(course, due_on, state, state != "completed" and due_on < now))
    return mine


#: How long My learning shows a new assignment or a changed due date.
NOTICE_DAYS = 30


@dataclass(frozen=True)
class Notice:
    course: Course
    kind: str  # "assigned" or "due_changed"
    at: datetime
    due_on: date


def notices_for(user: User, limit: int = 5) -> list[Notice]:
    """My learning's notices: courses assigned to the person, or whose due date changed, in
    the last NOTICE_DAYS days and not completed, newest first.

    Read from the facts themselves rather than a table of notices: a membership's added_at
    says when the course was assigned, the audit log's "assignment.change" entries when its
    due date changed (the same facts the e-mails told). So the page and the mail cannot
    disagree, and a completed or removed assignment leaves no stale notice behind.
    """
    since = utcnow() - timedelta(days=NOTICE_DAYS)
    changed_at = func.max(AuditEntry.at)
    rows = db.session.execute(
        select(Course, AssignmentMember.added_at, changed_at, func.min(AssignmentMember.due_on))
        .select_from(AssignmentMember)
        .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .outerjoin(
            AuditEntry,
            and_(
                AuditEntry.target_type == "assignment",
                AuditEntry.target_id == Assignment.id,
                AuditEntry.action == "assignment.change",
                AuditEntry.at >= since,
                AuditEntry.at > AssignmentMember.added_at,
            ),
        )
        .where(
            AssignmentMember.user_id == user.id,
            AssignmentMember.completed.is_(False),
            or_(AssignmentMember.added_at >= since, AuditEntry.id.is_not(None)),
        )
        .group_by(Course.id, AssignmentMember.assignment_id, AssignmentMember.added_at)
        .options(selectinload(Course.current_version).selectinload(CourseVersion.editions))
    ).all()
    notices: dict[int, Notice] = {}
    for course, added_at, changed, due_on in rows:
        if changed is not None:
            notice = Notice(course, "due_changed", changed, due_on)
        else:
            notice = Notice(course, "assigned", added_at, due_on)
        if course.id not in notices or notices[course.id].at < notice.at:
            notices[course.id] = notice
    return sorted(notices.values(), key=lambda n: n.at, reverse=True)[:limit]


@dataclass(frozen=True)
class AssignmentRow:
    assignment: Assignment
    members: int
    completed: int
    overdue: int


def summary(actor: User, page: int = 1, per_page: int = 50):
    """Assignments over the actor's organisations, with member, completed and overdue counts
    from one grouped query per page."""
    completed = case((Enrolment.status == EnrolmentStatus.COMPLETED.value, 1), else_=0)
    overdue = case(
        (
            and_(
                AssignmentMember.due_on < today(actor.organisation_id),
                func.coalesce(Enrolment.status, "") != EnrolmentStatus.COMPLETED.value,
            ),
            1,
        ),
        else_=0,
    )
    counts = (
        select(
            AssignmentMember.assignment_id.label("assignment_id"),
            func.count().label("members"),
            func.sum(completed).label("completed"),
            func.sum(overdue).label("overdue"),
        )
        .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
        .outerjoin(
            Enrolment,
            and_(
                Enrolment.user_id == AssignmentMember.user_id,
                Enrolment.course_id == Assignment.course_id,
            ),
        )
        .group_by(AssignmentMember.assignment_id)
        .subquery()
    )
    stmt = (
        select(Assignment, counts.c.members, counts.c.completed, counts.c.overdue)
        .join(Organisation, Organisation.id == Assignment.organisation_id)
        .outerjoin(counts, counts.c.assignment_id == Assignment.id)
        .where(policy.org_scope(actor, Role.REVIEWER))
        .order_by(Assignment.created_at.desc(), Assignment.id.desc())
    )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery()))
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return total, [AssignmentRow(a, m or 0, c or 0, o or 0) for a, m, c, o in rows]
