"""Learning's part of a data-rights request (app/privacy/): enrolments with each lesson read,
assignments (received, and created as a reviewer). Erasure keeps all of it: reports count
enrolments and completions, and the person behind them is anonymised by accounts."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from app.accounts.models import Organisation, User
from app.catalog.models import Course, CourseVersion, Edition, Lesson, Module
from app.clock import iso_utc
from app.extensions import db
from app.learning.models import Assignment, AssignmentMember, Enrolment, LessonProgress


def enrolment_ids(user: User) -> Select:
    """The person's enrolments, as a subquery for the slices that hang off them (quizzes)."""
    return select(Enrolment.id).where(Enrolment.user_id == user.id)


def export(user: User) -> dict:
    """The "enrolments" and "assignments" parts of the download."""
    return {"enrolments": _enrolments(user), "assignments": _assignments(user)}


def _enrolments(user: User) -> list[dict]:
    enrolments = db.session.execute(
        select(
            Enrolment.id,
            Enrolment.edition_id,
            Course.slug,
            Edition.title,
            Edition.language,
            CourseVersion.number,
            Enrolment.status,
            Enrolment.enrolled_at,
            Enrolment.completed_at,
            Enrolment.enrolled_by_id,
        )
        .join(Course, Course.id == Enrolment.course_id)
        .join(Edition, Edition.id == Enrolment.edition_id)
        .join(CourseVersion, CourseVersion.id == Enrolment.version_id)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    ).all()
    lessons = db.session.execute(
        select(Lesson.id, Lesson.edition_id, Module.title, Lesson.title)
        .join(Module, Module.id == Lesson.module_id)
        .where(
            Lesson.edition_id.in_(select(Enrolment.edition_id).where(Enrolment.user_id == user.id))
        )
        .order_by(Lesson.edition_id, Module.position, Lesson.position)
    ).all()
    done = {
        (enrolment_id, lesson_id): at
        for enrolment_id, lesson_id, at in db.session.execute(
            select(
                LessonProgress.enrolment_id, LessonProgress.lesson_id, LessonProgress.completed_at
            ).where(LessonProgress.enrolment_id.in_(enrolment_ids(user)))
        )
    }
    by_edition: dict[int, list] = {}
    for lesson_id, edition_id, module_title, title in lessons:
        by_edition.setdefault(edition_id, []).append((lesson_id, module_title, title))
    return [
        {
            "id": e.id,
            "course": e.slug,
            "title": e.title,
            "language": e.language,
            "version": e.number,
            "status": e.status,
            "enrolled_at": iso_utc(e.enrolled_at),
            "enrolled_by_you": e.enrolled_by_id in (None, user.id),
            "completed_at": iso_utc(e.completed_at),
            "lessons": [
                {
                    "module": module_title,
                    "lesson": title,
                    "completed_at": iso_utc(done.get((e.id, lesson_id))),
                }
                for lesson_id, module_title, title in by_edition.get(e.edition_id, [])
            ],
        }
        for e in enrolments
    ]


def _assignments(user: User) -> list[dict]:
    rows = db.session.execute(
        select(
            Course.slug,
            Organisation.name,
            Assignment.named_only,
            AssignmentMember.due_on,
            AssignmentMember.completed,
            AssignmentMember.added_at,
        )
        .select_from(AssignmentMember)
        .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .join(Organisation, Organisation.id == Assignment.organisation_id)
        .where(AssignmentMember.user_id == user.id)
        .order_by(AssignmentMember.due_on, Course.slug)
    ).all()
    return [
        {
            "course": slug,
            "assigned_through": org,
            "named_list": named,
            "due_on": iso_utc(due),
            "completed": completed,
            "added_at": iso_utc(added),
        }
        for slug, org, named, due, completed, added in rows
    ]


def assignments_created(user: User) -> list[dict]:
    """Assignments the person made as a reviewer: part of the download's "authorship"."""
    rows = db.session.execute(
        select(Course.slug, Organisation.name, Assignment.created_at, Assignment.due_on)
        .join(Course, Course.id == Assignment.course_id)
        .join(Organisation, Organisation.id == Assignment.organisation_id)
        .where(Assignment.created_by_id == user.id)
        .order_by(Assignment.created_at, Assignment.id)
    ).all()
    return [
        {"course": s, "organisation": org, "created_at": iso_utc(at), "due_on": iso_utc(due)}
        for s, org, at, due in rows
    ]


def erase(user: User) -> dict[str, int]:
    """Nothing is removed (see the module's docstring); says how many enrolments stay."""
    kept = db.session.scalar(
        select(func.count()).select_from(Enrolment).where(Enrolment.user_id == user.id)
    )
    return {"enrolments_kept": kept or 0}
