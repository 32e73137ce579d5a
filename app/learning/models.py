"""Who follows which course, on which version, and how far they have got."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from app.accounts.models import Organisation, User
from app.catalog.models import Course, CourseVersion, Edition, Lesson
from app.clock import utcnow
from app.extensions import db
from app.quizzes.models import QuizAttempt


class EnrolmentStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"

    @property
    def title(self) -> str:
        return str(_STATUS_TITLES[self])


_STATUS_TITLES = {
    EnrolmentStatus.ACTIVE: _l("In progress"),
    EnrolmentStatus.COMPLETED: _l("Completed"),
    EnrolmentStatus.WITHDRAWN: _l("Withdrawn"),
}


class EnrolmentError(ValueError):
    """A learning action that cannot happen (no published version, not enrolled, a status
    change the enrolment's status does not allow...)."""


class Enrolment(db.Model):
    """An official following a course; pinned to the version and edition they started on."""

    __tablename__ = "enrolments"
    __table_args__ = (
        UniqueConstraint("user_id", "course_id"),
        # Covers the reports' per-person counts: no table lookups for status or course.
        Index("ix_enrolments_user_status_course", "user_id", "status", "course_id"),
        # Completions in a period, for the monthly series, without reading the table.
        Index("ix_enrolments_status_completed", "status", "completed_at", "user_id"),
        # The dashboard's rollup and monthly series by organisation, read from the index alone
        # (user_id: to leave out deactivated accounts without reading the table).
        Index(
            "ix_enrolments_org_course_status", "organisation_id", "course_id", "status", "user_id"
        ),
        Index(
            "ix_enrolments_status_completed_org",
            "status",
            "completed_at",
            "organisation_id",
            "user_id",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The official's organisation, copied from users and kept in step when they move
    #: (learning.services.follow_moves), so reports group enrolments without a join.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"))
    status: Mapped[str] = mapped_column(
        String(20), default=EnrolmentStatus.ACTIVE.value, index=True
    )
    #: Who enrolled them: themself, or a reviewer.
    enrolled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]
    last_lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    course: Mapped[Course] = relationship()
    version: Mapped[CourseVersion] = relationship()
    edition: Mapped[Edition] = relationship()
    last_lesson: Mapped[Lesson | None] = relationship()
    #: Read only, and it gives each attempt its `enrolment`: quizzes know the id alone. The
    #: database's ON DELETE CASCADE removes the attempts of a deleted enrolment.
    attempts: Mapped[list[QuizAttempt]] = relationship(
        viewonly=True, backref=backref("enrolment", viewonly=True)
    )

    @property
    def status_enum(self) -> EnrolmentStatus:
        # Not yet flushed, the column default has not been applied: a new enrolment is active.
        return EnrolmentStatus(self.status or EnrolmentStatus.ACTIVE)

    @property
    def is_active(self) -> bool:
        return self.status != EnrolmentStatus.WITHDRAWN

    # The status changes. Active is where every enrolment starts; completed is for good (what
    # an official earned never changes); withdrawn comes back to active on enrolling again.

    def _move(self, to: EnrolmentStatus, allowed_from: EnrolmentStatus) -> None:
        if self.status_enum is not allowed_from:
            raise EnrolmentError(f"a {self.status_enum} enrolment cannot become {to}")
        self.status = to.value

    def complete(self, at: datetime) -> None:
        """Active to completed, at the given time."""
        self._move(EnrolmentStatus.COMPLETED, EnrolmentStatus.ACTIVE)
        self.completed_at = at

    def withdraw(self) -> None:
        """Active to withdrawn; progress is kept for a return."""
        self._move(EnrolmentStatus.WITHDRAWN, EnrolmentStatus.ACTIVE)

    def reactivate(self) -> None:
        """Withdrawn to active again, on the same version and edition."""
        self._move(EnrolmentStatus.ACTIVE, EnrolmentStatus.WITHDRAWN)


class LessonProgress(db.Model):
    """A lesson an official marked as done, within one enrolment."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("enrolment_id", "lesson_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    completed_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assignment(db.Model):
    """A course a reviewer requires of an organisation's subtree, or of a list of people.

    Who it applies to is materialised in assignment_members (with each person's due date),
    so dashboards count with plain indexed joins, and people who join the organisation later
    are added by sync_members() with their own due date.
    """

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    #: The subtree assigned, or, for a list of people, the organisation that owns the list.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: True for a list of named people: newcomers to the organisation are not added.
    named_only: Mapped[bool] = mapped_column(default=False)
    #: A fixed date, or a number of days from the day each person gets the assignment.
    due_on: Mapped[date | None]
    due_days: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship()
    organisation: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()


class AssignmentMember(db.Model):
    """One person's share of an assignment, with their own due date."""

    __tablename__ = "assignment_members"
    __table_args__ = (
        Index("ix_assignment_members_user_due", "user_id", "due_on"),
        # Covers "open and past due": the overdue counts read only this index.
        Index("ix_assignment_members_open", "completed", "due_on", "user_id", "assignment_id"),
    )

    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    due_on: Mapped[date] = mapped_column(index=True)
    #: Whether the person has completed the course: kept in step by sync_members (at
    #: insert) and mark_completed (when an enrolment completes), so overdue counts need no
    #: join with enrolments.
    completed: Mapped[bool] = mapped_column(default=False, server_default=false())
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
