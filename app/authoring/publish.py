"""Publishing a draft as the course's next version, and rolling a course back.

Publishing writes the draft out as a package and reads it back with the package checker
(the same checks as `flask courses check` and the .zip upload), then imports it, so files and
browser stay in step. Officials keep the version they enrolled on; new enrolments get the new
one.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from sqlalchemy import delete, select, update

from app.accounts.models import User
from app.audit.models import record
from app.catalog import package as pkg
from app.catalog import services
from app.catalog.models import Course, CourseVersion
from app.extensions import db

from .drafts import discard, get_draft
from .models import Draft, DraftComment, DraftMedia, DraftReview
from .review import approved


class NotApproved(Exception):
    """The course asks for a review and no reviewer has approved the draft as it is."""


def to_package(draft: Draft) -> tuple[pkg.Package | None, list[pkg.Problem]]:
    """Write the draft as a package and read it back with the checker."""
    slug = draft.course.slug
    media = db.session.execute(
        select(DraftMedia.path, DraftMedia.sha256).where(DraftMedia.course_id == draft.course_id)
    )
    written = services.build_package(
        slug, {"slug": slug, **draft.meta}, draft.editions, dict(media.all())
    )
    with tempfile.TemporaryDirectory() as tmp:
        try:
            root = pkg.write_package(written, Path(tmp))
        except (KeyError, TypeError):
            return None, [pkg.Problem(f"{slug}/course.toml", 1, "course settings are incomplete")]
        return pkg.read_package(root, shown_as=slug)


def publish(actor: User, draft: Draft, note: str) -> tuple[CourseVersion | None, list[pkg.Problem]]:
    """Make the draft the course's next version (owners only; the caller checks). Problems
    from the checker mean nothing was published."""
    if draft.review_required and not approved(draft):
        raise NotApproved()
    package, problems = to_package(draft)
    if problems:
        return None, problems
    outcome = services.import_package(package, actor)
    version = outcome.version
    if outcome.created:
        version.note, version.published_by_id = note or None, actor.id
    draft.based_on_id = version.id
    # A review covers one publication; the next round starts afresh.
    db.session.execute(
        update(DraftReview)
        .where(DraftReview.course_id == draft.course_id)
        .values(approved_at=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(DraftComment).where(DraftComment.course_id == draft.course_id))
    record(
        "course.publish",
        "course",
        draft.course_id,
        actor=actor,
        version=version.number,
        created=outcome.created,
        note=note,
    )
    db.session.flush()
    return version, []


def restore(actor: User, course: Course, version: CourseVersion, note: str) -> CourseVersion:
    """Roll back: publish an old version's content again as the newest version; the draft,
    if any, starts over from it."""
    outcome = services.import_package(services.package_from_version(version), actor)
    if outcome.created:
        outcome.version.note = note or f"= {version.number}"
        outcome.version.published_by_id = actor.id
    draft = get_draft(course)
    if draft is not None:
        discard(actor, draft)
    record(
        "course.restore",
        "course",
        course.id,
        actor=actor,
        restored=version.number,
        version=outcome.version.number,
    )
    db.session.flush()
    return outcome.version
