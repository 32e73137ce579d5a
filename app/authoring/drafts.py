"""Editing a course in the browser: the draft, opened from the course's current version or
started empty with a new course, its settings, editions and lessons saved, and discarded.

A draft is shaped like a course package (see publish.py for how it becomes a version); its
structure, question banks, media and review live in the modules named so. Every change is
checked against the revision its form was filled from (revisions.py) and written to the audit
log. Services flush; the view commits.
"""

from __future__ import annotations

from sqlalchemy import delete

from app.accounts.models import User
from app.audit.models import record
from app.catalog import package as pkg
from app.catalog import services
from app.catalog.models import Course
from app.clock import utcnow
from app.extensions import db

from .authors import OWNER
from .media import store_media
from .models import (
    CourseAuthor,
    Draft,
    DraftComment,
    DraftEdition,
    DraftLesson,
    DraftMedia,
    DraftModule,
    DraftReview,
)
from .revisions import Invalid, claim, touch
from .structure import course_id_of

# Opening, creating, discarding ------------------------------------------------------------


def get_draft(course: Course) -> Draft | None:
    return db.session.get(Draft, course.id)


def open_draft(actor: User, course: Course) -> Draft:
    """The course's draft, made from its current version when there is none yet."""
    draft = get_draft(course)
    if draft is not None:
        return draft
    version = course.current_version
    if version is None:
        raise Invalid("the course has no version to start from")
    package = services.package_from_version(version)
    draft = Draft(course_id=course.id, based_on_id=version.id, meta=_meta_of(package))
    db.session.add(draft)
    _fill_from_package(draft, package)
    record("draft.open", "course", course.id, actor=actor, version=version.number)
    db.session.flush()
    return draft


def _meta_of(package: pkg.Package) -> dict:
    return {k: v for k, v in package.meta.items() if k != "slug"}


def _fill_from_package(draft: Draft, package: pkg.Package) -> None:
    for language, esrc in package.editions.items():
        edition = DraftEdition(
            language=language,
            title=esrc.title,
            summary=esrc.summary,
            final_quiz=esrc.final.text if esrc.final else None,
            final_settings=dict(esrc.final_settings),
        )
        draft.editions.append(edition)
        for index, msrc in enumerate(esrc.modules, start=1):
            module = DraftModule(
                position=index,
                slug=msrc.slug,
                title=msrc.title,
                quiz=msrc.quiz.text if msrc.quiz else None,
                quiz_settings=dict(msrc.quiz_settings),
            )
            edition.modules.append(module)
            for lindex, lsrc in enumerate(msrc.lessons, start=1):
                module.lessons.append(
                    DraftLesson(
                        position=lindex,
                        slug=lsrc.slug,
                        title=lsrc.title,
                        minutes=lsrc.minutes,
                        body_md=lsrc.body,
                    )
                )
    db.session.flush()
    for path, data in package.media.items():
        store_media(draft, path, data)


def new_course(
    actor: User,
    *,
    slug: str,
    language: str,
    title: str,
    summary: str,
    hours: float,
    pass_mark: int,
    booklet_title: str,
    booklet_reference: str,
) -> Course:
    """A course started in the browser: no version until its first publication; the actor
    owns it."""
    if not pkg.SLUG.match(slug):
        raise Invalid("slug")
    if services.find_course(slug) is not None:
        raise Invalid("taken")
    course = Course(slug=slug)
    db.session.add(course)
    db.session.flush()
    db.session.add(CourseAuthor(course_id=course.id, user_id=actor.id, role=OWNER))
    draft = Draft(
        course_id=course.id,
        meta={
            # As the package reader gives it: a whole number of hours is an integer.
            "hours": int(hours) if float(hours).is_integer() else hours,
            "pass_mark": pass_mark,
            "certificate_validity_months": None,
            "themes": [],
            "authors": [actor.name],
            "booklet": {
                "title": booklet_title,
                "reference": booklet_reference,
                "number": None,
                "url": None,
            },
        },
    )
    db.session.add(draft)
    draft.editions.append(DraftEdition(language=language, title=title, summary=summary))
    record("course.create", "course", course.id, actor=actor, language=language)
    db.session.flush()
    return course


def discard(actor: User, draft: Draft) -> None:
    """Throw the draft away (its comments and review requests with it)."""
    course_id = draft.course_id
    for table in (DraftComment, DraftReview, DraftMedia):
        db.session.execute(delete(table).where(table.course_id == course_id))
    db.session.delete(draft)
    record("draft.discard", "course", course_id, actor=actor)
    db.session.flush()


# Settings, editions, lessons --------------------------------------------------------------


def save_settings(actor: User, draft: Draft, revision: int, meta: dict, review_required: bool):
    claim(Draft, draft.course_id, revision, "", meta=meta, review_required=review_required)
    touch(draft)
    record("draft.settings", "course", draft.course_id, actor=actor)
    db.session.flush()
    db.session.refresh(draft)


def save_edition(actor: User, edition: DraftEdition, revision: int, title: str, summary: str):
    claim(DraftEdition, edition.id, revision, "", title=title, summary=summary)
    touch(edition.draft)
    record("draft.edition", "course", edition.course_id, actor=actor, language=edition.language)
    db.session.flush()
    db.session.refresh(edition)


def save_lesson(
    actor: User, lesson: DraftLesson, revision: int, title: str, minutes: int, body: str
) -> None:
    """Save a lesson; Conflict when someone saved it since `revision` (nothing written)."""
    claim(
        DraftLesson,
        lesson.id,
        revision,
        lesson.body_md,
        title=title,
        minutes=minutes,
        body_md=body,
        updated_at=utcnow(),
    )
    touch(lesson.module.edition.draft)
    record("draft.lesson_save", "course", course_id_of(lesson), actor=actor, lesson=lesson.title)
    db.session.flush()
    db.session.refresh(lesson)
