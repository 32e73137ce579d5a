"""Editing a course in the browser: the draft, its changes, review, publication and rollback.

A draft is shaped like a course package. Publishing writes it out as one and reads it back
with the package checker (the same checks as `flask courses check` and the .zip upload), then
imports it as the course's next version, so files and browser stay in step. Officials keep
the version they enrolled on; new enrolments get the new one.

Every change bumps a revision with a conditional UPDATE: a form carries the revision it was
filled from, and a save against a newer one is refused with both texts (`Conflict`).
Services flush; the view commits. Every change is written to the audit log.
"""

from __future__ import annotations

import difflib
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from sqlalchemy import delete, func, select, update

from app.accounts.models import User, utcnow
from app.audit.models import record
from app.catalog import package as pkg
from app.catalog import services
from app.catalog.models import Course, CourseVersion, MediaFile
from app.extensions import db
from app.quizzes import gift

from . import authors
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

MAX_UPLOAD = pkg.MAX_MEDIA_BYTES

# What an upload's first bytes must look like for its file type: a name alone proves nothing.
_SIGNATURES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".pdf": (b"%PDF-",),
    ".odt": (b"PK\x03\x04",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
}


class Conflict(Exception):
    """Someone saved the same thing since the form was filled in; `current` is theirs."""

    def __init__(self, current: str, revision: int):
        super().__init__("changed meanwhile")
        self.current = current
        self.revision = revision


class Invalid(ValueError):
    """Input the draft cannot take; the message names what is wrong (translated by the view)."""


@dataclass(frozen=True)
class QuizBank:
    """A question bank of the draft: a module's quiz or an edition's final exam."""

    key: str  # "m<module id>" or "final-<edition id>"
    label: str
    text: str | None
    settings: dict
    revision: int
    owner: DraftModule | DraftEdition


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
        _store_media(draft, path, data)


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
    db.session.add(CourseAuthor(course_id=course.id, user_id=actor.id, role=authors.OWNER))
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


# Conditional updates -----------------------------------------------------------------------


def _claim(model, row_id, revision: int, current_text: str, **values) -> None:
    """Write values only if the row is still at the revision the form was filled from."""
    key = model.course_id if model is Draft else model.id
    result = db.session.execute(
        update(model)
        .where(key == row_id, model.revision == revision)
        .values(revision=model.revision + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        row = db.session.get(model, row_id)
        db.session.refresh(row)
        raise Conflict(current_text if row is None else _text_of(row), row.revision)


def _text_of(row) -> str:
    if isinstance(row, DraftLesson):
        return row.body_md
    if isinstance(row, DraftModule):
        return row.quiz or ""
    if isinstance(row, DraftEdition):
        return row.final_quiz or ""
    return ""


def _touch(draft: Draft) -> None:
    db.session.execute(
        update(Draft).where(Draft.course_id == draft.course_id).values(updated_at=utcnow())
    )


def save_settings(actor: User, draft: Draft, revision: int, meta: dict, review_required: bool):
    _claim(Draft, draft.course_id, revision, "", meta=meta, review_required=review_required)
    _touch(draft)
    record("draft.settings", "course", draft.course_id, actor=actor)
    db.session.flush()
    db.session.refresh(draft)


def save_edition(actor: User, edition: DraftEdition, revision: int, title: str, summary: str):
    _claim(DraftEdition, edition.id, revision, "", title=title, summary=summary)
    _touch(edition.draft)
    record("draft.edition", "course", edition.course_id, actor=actor, language=edition.language)
    db.session.flush()
    db.session.refresh(edition)


def save_lesson(
    actor: User, lesson: DraftLesson, revision: int, title: str, minutes: int, body: str
) -> None:
    """Save a lesson; Conflict when someone saved it since `revision` (nothing written)."""
    _claim(
        DraftLesson,
        lesson.id,
        revision,
        lesson.body_md,
        title=title,
        minutes=minutes,
        body_md=body,
        updated_at=utcnow(),
    )
    _touch(lesson.module.edition.draft)
    record("draft.lesson_save", "course", _course_id(lesson), actor=actor, lesson=lesson.title)
    db.session.flush()
    db.session.refresh(lesson)


def _course_id(lesson: DraftLesson) -> int:
    return lesson.module.edition.course_id


# Structure ----------------------------------------------------------------------------------


def _slug_from(title: str, taken: set[str]) -> str:
    import unicodedata

    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_title.lower()).split()
    base = "-".join(words)[:60].strip("-") or "part"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def add_edition(
    actor: User, draft: Draft, language: str, title: str, summary: str, copy_from: str | None
) -> DraftEdition:
    """A new language edition, empty or as a copy of another one to translate."""
    if language not in pkg.LANGUAGES or any(e.language == language for e in draft.editions):
        raise Invalid("language")
    edition = DraftEdition(language=language, title=title, summary=summary)
    source = next((e for e in draft.editions if e.language == copy_from), None)
    draft.editions.append(edition)
    if source is not None:
        edition.final_quiz, edition.final_settings = source.final_quiz, dict(source.final_settings)
        for module in source.modules:
            copy = DraftModule(
                position=module.position,
                slug=module.slug,
                title=module.title,
                quiz=module.quiz,
                quiz_settings=dict(module.quiz_settings),
            )
            edition.modules.append(copy)
            for lesson in module.lessons:
                copy.lessons.append(
                    DraftLesson(
                        position=lesson.position,
                        slug=lesson.slug,
                        title=lesson.title,
                        minutes=lesson.minutes,
                        body_md=lesson.body_md,
                    )
                )
    _touch(draft)
    record("draft.edition_add", "course", draft.course_id, actor=actor, language=language)
    db.session.flush()
    return edition


def add_module(actor: User, edition: DraftEdition, title: str) -> DraftModule:
    position = len(edition.modules) + 1
    module = DraftModule(
        position=position, slug=_slug_from(title, {m.slug for m in edition.modules}), title=title
    )
    edition.modules.append(module)
    _touch(edition.draft)
    record("draft.module_add", "course", edition.course_id, actor=actor, module=title)
    db.session.flush()
    return module


def rename_module(actor: User, module: DraftModule, revision: int, title: str) -> None:
    _claim(DraftModule, module.id, revision, module.quiz or "", title=title)
    _touch(module.edition.draft)
    record("draft.module_rename", "course", module.edition.course_id, actor=actor, module=title)
    db.session.flush()
    db.session.refresh(module)


def add_lesson(actor: User, module: DraftModule, title: str, minutes: int = 10) -> DraftLesson:
    lesson = DraftLesson(
        position=len(module.lessons) + 1,
        slug=_slug_from(title, {les.slug for les in module.lessons}),
        title=title,
        minutes=minutes,
        body_md="",  # the page shows the title; the checker asks for text before publishing
    )
    module.lessons.append(lesson)
    _touch(module.edition.draft)
    record("draft.lesson_add", "course", module.edition.course_id, actor=actor, lesson=title)
    db.session.flush()
    return lesson


def _renumber(rows) -> None:
    for index, row in enumerate(rows, start=1):
        row.position = index


def move(actor: User, row: DraftModule | DraftLesson, step: int) -> None:
    """Move a module within its edition, or a lesson within its module, one place."""
    siblings = list(row.edition.modules if isinstance(row, DraftModule) else row.module.lessons)
    index = siblings.index(row)
    target = index + step
    if not 0 <= target < len(siblings):
        return
    siblings[index], siblings[target] = siblings[target], siblings[index]
    _renumber(siblings)
    course_id = row.edition.course_id if isinstance(row, DraftModule) else _course_id(row)
    record("draft.move", "course", course_id, actor=actor, item=row.title, step=step)
    db.session.flush()


def remove(actor: User, row: DraftModule | DraftLesson) -> None:
    if isinstance(row, DraftModule):
        parent, course_id = row.edition, row.edition.course_id
        parent.modules.remove(row)
        _renumber(parent.modules)
    else:
        parent, course_id = row.module, _course_id(row)
        parent.lessons.remove(row)
        _renumber(parent.lessons)
    record("draft.remove", "course", course_id, actor=actor, item=row.title)
    db.session.flush()


# Question banks -----------------------------------------------------------------------------


def banks(draft: Draft) -> list[QuizBank]:
    found = []
    for edition in draft.editions:
        for module in edition.modules:
            found.append(
                QuizBank(
                    f"m{module.id}",
                    f"{edition.language} · {module.position}. {module.title}",
                    module.quiz,
                    module.quiz_settings or {},
                    module.revision,
                    module,
                )
            )
        found.append(
            QuizBank(
                f"final-{edition.id}",
                f"{edition.language} · final",
                edition.final_quiz,
                edition.final_settings or {},
                edition.revision,
                edition,
            )
        )
    return found


def find_bank(draft: Draft, key: str) -> QuizBank | None:
    return next((b for b in banks(draft) if b.key == key), None)


def gift_problems(text: str) -> list[tuple[int, str]]:
    """The quiz engine's parse errors as (line, message); none for a good bank."""
    return pkg.check_gift(text)


def save_bank(actor: User, bank: QuizBank, revision: int, text: str | None, settings: dict):
    """Replace a bank's GIFT text and settings. Text with errors is refused (Invalid)."""
    text = (text or "").replace("\r\n", "\n").strip("\n")
    if not text.strip():
        text = ""  # only blanks: no questions, as the bank page reads it (not an error)
    if text and gift_problems(text):
        raise Invalid("gift")
    value = (text + "\n") if text else None
    if isinstance(bank.owner, DraftModule):
        _claim(
            DraftModule,
            bank.owner.id,
            revision,
            bank.text or "",
            quiz=value,
            quiz_settings=settings,
        )
        draft = bank.owner.edition.draft
    else:
        _claim(
            DraftEdition,
            bank.owner.id,
            revision,
            bank.text or "",
            final_quiz=value,
            final_settings=settings,
        )
        draft = bank.owner.draft
    _touch(draft)
    record("draft.quiz_save", "course", draft.course_id, actor=actor, quiz=bank.label)
    db.session.flush()
    db.session.refresh(bank.owner)


def bank_questions(bank: QuizBank) -> list[dict]:
    return gift.parse(bank.text) if bank.text else []


# Media --------------------------------------------------------------------------------------


def content_matches(name: str, data: bytes) -> bool:
    """Whether the bytes are what the name says: signatures for binary types, UTF-8 without
    markup for text; SVG (which can carry script) is not accepted from the browser."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _SIGNATURES:
        return data.startswith(_SIGNATURES[suffix])
    if suffix == ".webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if suffix in {".txt", ".csv"}:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return "\x00" not in text and "<" not in text[:512]
    return False


def upload_media(actor: User, draft: Draft, filename: str, data: bytes) -> str:
    """Store an uploaded file under media/; returns its package path. Invalid when its type
    is not allowed, its content is not of that type, or it is too large."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix.lower()
    if suffix not in pkg.MEDIA_TYPES or suffix == ".svg":
        raise Invalid("type")
    if len(data) > MAX_UPLOAD:
        raise Invalid("size")
    if not content_matches(name, data):
        raise Invalid("content")
    safe = _slug_from(stem, set()) + suffix
    path = f"media/{safe}"
    _store_media(draft, path, data)
    _touch(draft)
    record("draft.media_upload", "course", draft.course_id, actor=actor, path=path)
    db.session.flush()
    return path


def _store_media(draft: Draft, path: str, data: bytes) -> None:
    digest = hashlib.sha256(data).hexdigest()
    if db.session.get(MediaFile, digest) is None:
        db.session.add(
            MediaFile(sha256=digest, content_type=pkg.media_type(path), size=len(data), data=data)
        )
    existing = db.session.get(DraftMedia, (draft.course_id, path))
    if existing is None:
        db.session.add(DraftMedia(course_id=draft.course_id, path=path, sha256=digest))
    else:
        existing.sha256 = digest


def media_of(draft: Draft) -> list[DraftMedia]:
    return list(
        db.session.scalars(
            select(DraftMedia).where(DraftMedia.course_id == draft.course_id).order_by("path")
        )
    )


# Rendering ----------------------------------------------------------------------------------


def lesson_path(lesson: DraftLesson) -> str:
    module = lesson.module
    return f"{module.edition.language}/{_dirname(module)}/{_filename(lesson)}"


def _dirname(module: DraftModule) -> str:
    return f"{module.position:02d}-{module.slug}"


def _filename(lesson: DraftLesson) -> str:
    return f"{lesson.position:02d}-{lesson.slug}.md"


def render_preview(draft: Draft, lesson: DraftLesson, body: str) -> str:
    """The lesson as officials will see it: the site's renderer and sanitiser; links to
    other lessons stay inert until publication gives them addresses."""
    hashes = {m.path: m.sha256 for m in media_of(draft)}

    def url_for_target(target: pkg.Target) -> str:
        if target.kind == "media" and target.path in hashes:
            return services.media_url(hashes[target.path], target.path)
        return "#"

    return pkg.render_lesson(body, lesson_path(lesson), url_for_target)


# Publishing ---------------------------------------------------------------------------------


def to_package(draft: Draft) -> tuple[pkg.Package | None, list[pkg.Problem]]:
    """Write the draft as a package and read it back with the checker."""
    slug = draft.course.slug
    editions = {}
    for edition in draft.editions:
        esrc = pkg.EditionSource(
            edition.language,
            edition.title,
            edition.summary,
            final=pkg.QuizSource("final.gift", edition.final_quiz) if edition.final_quiz else None,
            final_settings=dict(edition.final_settings or {}),
        )
        for module in edition.modules:
            msrc = pkg.ModuleSource(
                module.position,
                module.slug,
                _dirname(module),
                module.title,
                quiz=pkg.QuizSource("quiz.gift", module.quiz) if module.quiz else None,
                quiz_settings=dict(module.quiz_settings or {}),
            )
            msrc.lessons = [
                pkg.LessonSource(
                    les.position, les.slug, _filename(les), les.title, les.minutes, les.body_md
                )
                for les in module.lessons
            ]
            esrc.modules.append(msrc)
        editions[edition.language] = esrc
    media = {
        row.path: data
        for row, data in db.session.execute(
            select(DraftMedia, MediaFile.data)
            .join(MediaFile, MediaFile.sha256 == DraftMedia.sha256)
            .where(DraftMedia.course_id == draft.course_id)
        )
    }
    written = pkg.Package(slug, {"slug": slug, **draft.meta}, editions, media)
    with tempfile.TemporaryDirectory() as tmp:
        try:
            root = pkg.write_package(written, Path(tmp))
        except (KeyError, TypeError):
            return None, [pkg.Problem(f"{slug}/course.toml", 1, "course settings are incomplete")]
        return pkg.read_package(root, shown_as=slug)


def approved(draft: Draft) -> bool:
    """Some requested reviewer approved the draft after its last change."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(DraftReview)
            .where(
                DraftReview.course_id == draft.course_id,
                DraftReview.approved_at.is_not(None),
                DraftReview.approved_at
                >= select(Draft.updated_at)
                .where(Draft.course_id == draft.course_id)
                .scalar_subquery(),
            )
        )
        > 0
    )


class NotApproved(Exception):
    """The course asks for a review and no reviewer has approved the draft as it is."""


def publish(actor: User, draft: Draft, note: str) -> tuple[CourseVersion | None, list[pkg.Problem]]:
    """Make the draft the course's next version (owners only; the caller checks). Problems
    from the checker mean nothing was published."""
    if draft.review_required and not approved(draft):
        raise NotApproved()
    package, problems = to_package(draft)
    if problems:
        return None, problems
    outcome = services.import_package(package)
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
    outcome = services.import_package(services.package_from_version(version))
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


# Review -------------------------------------------------------------------------------------


def request_review(actor: User, draft: Draft, reviewer: User) -> None:
    if db.session.get(DraftReview, (draft.course_id, reviewer.id)) is None:
        db.session.add(DraftReview(course_id=draft.course_id, reviewer_id=reviewer.id))
    record("draft.review_request", "course", draft.course_id, actor=actor, reviewer=reviewer.email)
    db.session.flush()


def reviews(draft: Draft) -> list[DraftReview]:
    return list(
        db.session.scalars(
            select(DraftReview)
            .where(DraftReview.course_id == draft.course_id)
            .order_by(DraftReview.requested_at)
        )
    )


def is_reviewer(user: User, course: Course) -> bool:
    return db.session.get(DraftReview, (course.id, user.id)) is not None


def approve(actor: User, draft: Draft) -> None:
    review = db.session.get(DraftReview, (draft.course_id, actor.id))
    if review is None:
        raise authors.AuthoringRefused(draft.course.slug)
    review.approved_at = utcnow()
    record("draft.approve", "course", draft.course_id, actor=actor)
    db.session.flush()


def comment(actor: User, lesson: DraftLesson, body: str) -> DraftComment:
    entry = DraftComment(
        course_id=_course_id(lesson), lesson_id=lesson.id, author_id=actor.id, body=body
    )
    db.session.add(entry)
    record("draft.comment", "course", entry.course_id, actor=actor, lesson=lesson.title)
    db.session.flush()
    return entry


def comments(lesson: DraftLesson) -> list[DraftComment]:
    return list(
        db.session.scalars(
            select(DraftComment)
            .where(DraftComment.lesson_id == lesson.id)
            .order_by(DraftComment.created_at, DraftComment.id)
        )
    )


def comment_counts(draft: Draft) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(DraftComment.lesson_id, func.count())
            .where(DraftComment.course_id == draft.course_id)
            .group_by(DraftComment.lesson_id)
        ).all()
    )


# Versions -----------------------------------------------------------------------------------


def lesson_keys(version: CourseVersion) -> dict[str, tuple[str, str]]:
    """Lessons of a version by a key stable across versions (language/module/lesson slugs),
    with their titles and Markdown."""
    return {
        f"{e.language}/{m.slug}/{les.slug}": (les.title, les.body_md)
        for e in version.editions
        for m in e.modules
        for les in m.lessons
    }


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed"
    text: str


def diff_lines(old: str, new: str) -> list[DiffLine]:
    """A line diff of two lesson texts."""
    lines = []
    for line in difflib.ndiff(old.splitlines(), new.splitlines()):
        tag, text = line[:2], line[2:]
        if tag == "? ":
            continue
        lines.append(DiffLine({"  ": "same", "+ ": "added", "- ": "removed"}[tag], text))
    return lines
