"""Course import, export and the queries behind the catalogue. Services flush; callers commit."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app import events, search
from app.accounts.models import User
from app.cache import LruCache
from app.catalog import package as pkg
from app.catalog.models import (
    Course,
    CourseVersion,
    Edition,
    Lesson,
    MediaFile,
    Module,
    VersionMedia,
    VersionTheme,
)
from app.extensions import db

log = logging.getLogger("aula.catalog")


@dataclass
class ImportOutcome:
    course: Course
    version: CourseVersion
    created: bool


def find_course(slug: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.slug == slug))


def lesson_url(course_slug: str, lesson_id: int) -> str:
    # Stored inside lesson HTML, so it must not depend on the request (learning.course_views).
    return f"/courses/{course_slug}/lessons/{lesson_id}"


def media_url(sha256: str, path: str) -> str:
    return f"/media/{sha256}/{PurePosixPath(path).name}"


def import_package(package: pkg.Package, actor: User | None = None) -> ImportOutcome:
    """Store a checked package as the course's new current version, unless nothing changed;
    a new version is announced (`course_published`) with who published it (None: the CLI)."""
    content_hash = package.content_hash()
    course = find_course(package.slug)
    if course is None:
        course = Course(slug=package.slug)
        db.session.add(course)
        db.session.flush()
    elif course.current_version is not None and course.current_version.content_hash == content_hash:
        return ImportOutcome(course, course.current_version, created=False)

    number = (
        db.session.scalar(
            select(func.max(CourseVersion.number)).where(CourseVersion.course_id == course.id)
        )
        or 0
    ) + 1
    meta = package.meta
    version = CourseVersion(
        course=course,
        number=number,
        content_hash=content_hash,
        hours=meta["hours"],
        pass_mark=meta["pass_mark"],
        certificate_validity_months=meta.get("certificate_validity_months"),
        themes_list=meta["themes"],
        authors=meta["authors"],
        booklet=meta["booklet"],
    )
    db.session.add(version)
    db.session.flush()
    db.session.add_all(
        VersionTheme(version_id=version.id, theme=t) for t in dict.fromkeys(meta["themes"])
    )

    media_hashes = {}
    for path, data in package.media.items():
        digest = hashlib.sha256(data).hexdigest()
        media_hashes[path] = digest
        if db.session.get(MediaFile, digest) is None:
            db.session.add(
                MediaFile(
                    sha256=digest, content_type=pkg.media_type(path), size=len(data), data=data
                )
            )
        db.session.add(VersionMedia(version_id=version.id, path=path, sha256=digest))

    lessons: list[tuple[Lesson, str, str]] = []
    for language, source in package.editions.items():
        edition = Edition(
            version=version,
            language=language,
            title=source.title,
            summary=source.summary,
            final_quiz=source.final.text if source.final else None,
            final_settings=source.final_settings,
        )
        db.session.add(edition)
        db.session.flush()
        for msrc in source.modules:
            module = Module(
                edition=edition,
                position=msrc.position,
                slug=msrc.slug,
                dirname=msrc.dirname,
                title=msrc.title,
                quiz=msrc.quiz.text if msrc.quiz else None,
                quiz_settings=msrc.quiz_settings,
            )
            db.session.add(module)
            for lsrc in msrc.lessons:
                lesson = Lesson(
                    module=module,
                    edition_id=edition.id,
                    position=lsrc.position,
                    slug=lsrc.slug,
                    filename=lsrc.filename,
                    title=lsrc.title,
                    minutes=lsrc.minutes,
                    body_md=lsrc.body,
                    body_html="",
                )
                db.session.add(lesson)
                lessons.append((lesson, f"{language}/{msrc.dirname}/{lsrc.filename}", lsrc.body))
    db.session.flush()

    # Lesson ids exist only now, so links between lessons are rendered in a second pass.
    ids_by_path = {path: lesson.id for lesson, path, _body in lessons}

    def url_for_target(target: pkg.Target) -> str:
        if target.kind == "lesson":
            return lesson_url(course.slug, ids_by_path[target.path])
        return media_url(media_hashes[target.path], target.path)

    for lesson, path, body in lessons:
        lesson.body_html = pkg.render_lesson(body, path, url_for_target)
    course.current_version = version
    db.session.flush()
    log.info("course %s imported as version %d", course.slug, number)
    events.course_published.send(version, actor=actor)
    return ImportOutcome(course, version, created=True)


def build_package(
    slug: str, meta: dict, editions: Iterable[pkg.EditionContent], media: Mapping[str, str]
) -> pkg.Package:
    """The one way stored content becomes a package, for a published version and a draft
    alike. editions: rows shaped like pkg.EditionContent; media: package path -> sha256 of
    a stored media file."""
    data = dict(
        db.session.execute(
            select(MediaFile.sha256, MediaFile.data).where(
                MediaFile.sha256.in_(set(media.values()))
            )
        ).all()
    )
    return pkg.Package(
        slug,
        meta,
        {edition.language: pkg.edition_source(edition) for edition in editions},
        {path: data[sha256] for path, sha256 in media.items()},
    )


def package_from_version(version: CourseVersion) -> pkg.Package:
    """Rebuild the package a version was made from (for export and round trips)."""
    media = db.session.execute(
        select(VersionMedia.path, VersionMedia.sha256).where(VersionMedia.version_id == version.id)
    )
    meta = {
        "slug": version.course.slug,
        "hours": version.hours if version.hours % 1 else int(version.hours),
        "pass_mark": version.pass_mark,
        "certificate_validity_months": version.certificate_validity_months,
        "themes": version.theme_names,
        "authors": version.authors,
        "booklet": version.booklet,
    }
    return build_package(version.course.slug, meta, version.editions, dict(media.all()))


def get_version(course: Course, number: int | None) -> CourseVersion | None:
    if number is None:
        return course.current_version
    return db.session.scalar(
        select(CourseVersion).where(
            CourseVersion.course_id == course.id, CourseVersion.number == number
        )
    )


# Catalogue queries -----------------------------------------------------------------------


def pick_edition(editions: list[Edition], locale: str, wanted: str | None = None) -> Edition | None:
    """The edition asked for, else the visitor's language, else Spanish, else any."""
    by_language = {e.language: e for e in editions}
    for choice in (wanted, locale, "es"):
        if choice in by_language:
            return by_language[choice]
    return editions[0] if editions else None


def catalogue_query(q: str = "", theme: str = "", language: str = ""):
    """Current versions of published courses, filtered in SQL; one row per course."""
    stmt = (
        select(CourseVersion)
        .join(Course, Course.current_version_id == CourseVersion.id)
        .options(selectinload(CourseVersion.editions), selectinload(CourseVersion.themes))
        .order_by(Course.slug)
    )
    if theme:
        stmt = stmt.where(
            CourseVersion.id.in_(select(VersionTheme.version_id).where(VersionTheme.theme == theme))
        )
    if language:
        stmt = stmt.where(
            CourseVersion.id.in_(select(Edition.version_id).where(Edition.language == language))
        )
    if search.words(q):
        # Every word in the title or summary of one of the course's editions, accents and
        # case forgiven (app/search.py).
        stmt = stmt.where(
            CourseVersion.id.in_(
                select(Edition.version_id).where(search.matches(Edition.search_key, q))
            )
        )
    return stmt


def all_themes() -> list[str]:
    return list(
        db.session.scalars(
            select(VersionTheme.theme)
            .join(Course, Course.current_version_id == VersionTheme.version_id)
            .distinct()
            .order_by(VersionTheme.theme)
        )
    )


def edition_lessons(edition_id: int) -> list:
    """An edition's lessons in reading order: id, title and module only, in one query.

    Navigation needs no lesson bodies; loading 40 of them per page view was most of its cost.
    """
    return list(
        db.session.execute(
            select(Lesson.id, Lesson.title, Lesson.module_id)
            .join(Module, Module.id == Lesson.module_id)
            .where(Lesson.edition_id == edition_id)
            .order_by(Module.position, Lesson.position)
        )
    )


def published_courses() -> list[Course]:
    """Courses with a current version, for pickers (there are tens, not thousands)."""
    return list(
        db.session.scalars(
            select(Course)
            .where(Course.current_version_id.is_not(None))
            .options(selectinload(Course.current_version).selectinload(CourseVersion.editions))
            .order_by(Course.slug)
        )
    )


def display_title(version: CourseVersion, locale: str) -> str:
    edition = pick_edition(version.editions, locale)
    return edition.title if edition else version.course.slug


@dataclass(frozen=True)
class LessonPage:
    """Everything a lesson page shows that is not about the reader. Versions never change,
    so this is cached per process without any risk of going stale."""

    course_id: int
    course_slug: str
    version_id: int
    edition_id: int
    language: str
    edition_title: str
    module_title: str
    lesson_id: int
    title: str
    minutes: int
    body_html: str
    position: int
    count: int
    previous_id: int | None
    previous_title: str | None
    next_id: int | None
    next_title: str | None


def _load_lesson_page(slug: str, lesson_id: int) -> LessonPage | None:
    row = db.session.execute(
        select(
            Course.id,
            CourseVersion.id,
            Edition.id,
            Edition.language,
            Edition.title,
            Module.title,
            Lesson,
        )
        .join(Module, Module.id == Lesson.module_id)
        .join(Edition, Edition.id == Lesson.edition_id)
        .join(CourseVersion, CourseVersion.id == Edition.version_id)
        .join(Course, Course.id == CourseVersion.course_id)
        .where(Lesson.id == lesson_id, Course.slug == slug)
    ).first()
    if row is None:
        return None
    course_id, version_id, edition_id, language, edition_title, module_title, lesson = row
    nav = edition_lessons(edition_id)
    index = next(i for i, item in enumerate(nav) if item.id == lesson.id)
    previous = nav[index - 1] if index > 0 else None
    following = nav[index + 1] if index + 1 < len(nav) else None
    return LessonPage(
        course_id,
        slug,
        version_id,
        edition_id,
        language,
        edition_title,
        module_title,
        lesson.id,
        lesson.title,
        lesson.minutes,
        lesson.body_html,
        index + 1,
        len(nav),
        previous.id if previous else None,
        previous.title if previous else None,
        following.id if following else None,
        following.title if following else None,
    )


def lesson_page(slug: str, lesson_id: int) -> LessonPage | None:
    """The lesson's page data, or None when the lesson is not part of that course."""
    cache = current_app.extensions.setdefault("aula_lesson_pages", LruCache(512))
    page = cache.get((slug, lesson_id))
    if page is None:
        # Misses are not remembered: the lesson may be imported a moment later.
        page = _load_lesson_page(slug, lesson_id)
        if page is not None:
            cache.put((slug, lesson_id), page)
    return page
