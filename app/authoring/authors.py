"""Trainers in the browser: course packages imported from a .zip and exported as one,
owners and co-authors, and the record of every change."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path

from sqlalchemy import select

from app.accounts import policy
from app.accounts.models import Role, User
from app.audit.models import AuditEntry, record
from app.catalog import package as pkg
from app.catalog import services
from app.catalog.models import Course, CourseVersion
from app.extensions import db

from . import zipsafe
from .models import CourseAuthor

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


def import_zip(actor: User, upload) -> tuple[services.ImportOutcome | None, list[str]]:
    """Check and import an uploaded package, all or nothing; the problems otherwise, each
    as `path:line: message`. A new course makes the actor its owner."""
    with tempfile.TemporaryDirectory() as tmp:
        unpacked = Path(tmp) / "unpacked"
        unpacked.mkdir()
        folder, problems = zipsafe.extract(upload, unpacked)
        if problems:
            return None, [str(p) for p in problems]
        slug, problems = pkg.read_slug(folder)
        if problems:
            return None, [str(p) for p in problems]
        if not isinstance(slug, str) or not pkg.SLUG.match(slug):
            return None, ['course.toml:1: "slug" must be a course slug']
        if folder.name != slug:
            # Into a folder of its own: Path(tmp) / slug could be "unpacked" itself.
            named = Path(tmp) / "named"
            named.mkdir()
            folder = folder.rename(named / slug)
        package, found = pkg.read_package(folder, shown_as=slug)
        if found:
            return None, [str(p) for p in found]
        course = services.find_course(slug)
        if course is not None and not can_publish(actor, course):
            raise AuthoringRefused(slug)
        outcome = services.import_package(package)
        if course is None:
            db.session.add(CourseAuthor(course_id=outcome.course.id, user_id=actor.id, role=OWNER))
        record(
            "course.import",
            "course",
            outcome.course.id,
            actor=actor,
            version=outcome.version.number,
            created=outcome.created,
        )
        db.session.flush()
        return outcome, []


def export_zip(version: CourseVersion) -> bytes:
    """A version as a .zip that `flask courses import` (or the upload) reads back unchanged."""
    with tempfile.TemporaryDirectory() as tmp:
        root = pkg.write_package(services.package_from_version(version), Path(tmp))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(root.parent).as_posix())
        shutil.rmtree(root)
        return buffer.getvalue()


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
