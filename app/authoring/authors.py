"""Who writes a course: owners (who publish and add co-authors) and co-authors, what each
may do, and the record of every change to the course."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts import policy
from app.accounts.models import Role, User
from app.audit.models import AuditEntry, record
from app.catalog.models import Course, Edition
from app.catalog.services import pick_edition
from app.extensions import db

from .models import CourseAuthor, DraftEdition

OWNER, COAUTHOR = "owner", "coauthor"


class AuthoringRefused(Exception):
    """The actor may not do this to this course."""


def role_on(user: User, course: Course) -> str | None:
    return db.session.scalar(
        select(CourseAuthor.role).where(
            CourseAuthor.course_id == course.id, CourseAuthor.user_id == user.id
        )
    )


def can_read(user: User, course: Course) -> bool:
    return policy.is_network_admin(user) or role_on(user, course) is not None


def can_publish(user: User, course: Course) -> bool:
    """Owners publish (a new version, from the browser or a package); so do network admins."""
    return policy.is_network_admin(user) or role_on(user, course) == OWNER


def my_courses(user: User) -> list[Course]:
    stmt = select(Course).order_by(Course.slug)
    if not policy.is_network_admin(user):
        stmt = stmt.join(CourseAuthor, CourseAuthor.course_id == Course.id).where(
            CourseAuthor.user_id == user.id
        )
    return list(db.session.scalars(stmt))


def titles(courses: list[Course], locale: str) -> dict[int, str]:
    """Each course's title in the reader's language, else Spanish, else any: the draft's
    (what its authors are writing now), else the published version's, else its identifier.
    Two queries for the whole list."""
    ids = [course.id for course in courses]
    drafts: dict[int, list] = {}
    for edition in db.session.scalars(
        select(DraftEdition).where(DraftEdition.course_id.in_(ids)).order_by(DraftEdition.id)
    ):
        drafts.setdefault(edition.course_id, []).append(edition)
    published: dict[int, list] = {}
    for course_id, edition in db.session.execute(
        select(Course.id, Edition)
        .join(Edition, Edition.version_id == Course.current_version_id)
        .where(Course.id.in_(ids))
        .order_by(Edition.id)
    ):
        published.setdefault(course_id, []).append(edition)
    result = {}
    for course in courses:
        edition = pick_edition(drafts.get(course.id, []), locale) or pick_edition(
            published.get(course.id, []), locale
        )
        result[course.id] = edition.title if edition and edition.title else course.slug
    return result


def add_author(actor: User, course: Course, person: User, role: str = COAUTHOR) -> None:
    if not can_publish(actor, course):
        raise AuthoringRefused(course.slug)
    if not policy.has_role(person, Role.TRAINER):
        raise ValueError("not a trainer")
    existing = db.session.get(CourseAuthor, (course.id, person.id))
    if existing is None:
        db.session.add(CourseAuthor(course_id=course.id, user_id=person.id, role=role))
    else:
        existing.role = role
    record("course.author_add", "course", course.id, actor=actor, user=person.email, role=role)


def remove_author(actor: User, course: Course, person: User) -> None:
    if not can_publish(actor, course):
        raise AuthoringRefused(course.slug)
    owners = db.session.scalars(
        select(CourseAuthor.user_id).where(
            CourseAuthor.course_id == course.id, CourseAuthor.role == OWNER
        )
    ).all()
    if owners == [person.id]:
        raise ValueError("last owner")
    entry = db.session.get(CourseAuthor, (course.id, person.id))
    if entry is not None:
        db.session.delete(entry)
        record("course.author_remove", "course", course.id, actor=actor, user=person.email)


def authors(course: Course) -> list[tuple[User, str]]:
    return list(
        db.session.execute(
            select(User, CourseAuthor.role)
            .join(CourseAuthor, CourseAuthor.user_id == User.id)
            .where(CourseAuthor.course_id == course.id)
            .order_by(CourseAuthor.role.desc(), User.name)
        ).all()
    )


def history(course: Course, limit: int = 100) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.target_type == "course", AuditEntry.target_id == course.id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
