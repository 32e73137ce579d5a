"""A draft's structure: language editions, modules and lessons added, renamed, moved and
removed, and the package paths their positions and slugs give them."""

from __future__ import annotations

import unicodedata

from app.accounts.models import User
from app.audit.models import record
from app.catalog import package as pkg
from app.extensions import db

from .models import Draft, DraftEdition, DraftLesson, DraftModule
from .revisions import Invalid, claim, touch


def slug_from(title: str, taken: set[str]) -> str:
    """An ASCII slug for a title, numbered past the ones already taken."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    words = "".join(c if c.isalnum() else " " for c in ascii_title.lower()).split()
    base = "-".join(words)[:60].strip("-") or "part"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def course_id_of(lesson: DraftLesson) -> int:
    return lesson.module.edition.course_id


# Package paths ------------------------------------------------------------------------------


def lesson_path(lesson: DraftLesson) -> str:
    module = lesson.module
    return f"{module.edition.language}/{module.dirname}/{lesson.filename}"


# Editions, modules, lessons -----------------------------------------------------------------


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
    touch(draft)
    record("draft.edition_add", "course", draft.course_id, actor=actor, language=language)
    db.session.flush()
    return edition


def add_module(actor: User, edition: DraftEdition, title: str) -> DraftModule:
    position = len(edition.modules) + 1
    module = DraftModule(
        position=position, slug=slug_from(title, {m.slug for m in edition.modules}), title=title
    )
    edition.modules.append(module)
    touch(edition.draft)
    record("draft.module_add", "course", edition.course_id, actor=actor, module=title)
    db.session.flush()
    return module


def rename_module(actor: User, module: DraftModule, revision: int, title: str) -> None:
    claim(DraftModule, module.id, revision, module.quiz or "", title=title)
    touch(module.edition.draft)
    record("draft.module_rename", "course", module.edition.course_id, actor=actor, module=title)
    db.session.flush()
    db.session.refresh(module)


def add_lesson(actor: User, module: DraftModule, title: str, minutes: int = 10) -> DraftLesson:
    lesson = DraftLesson(
        position=len(module.lessons) + 1,
        slug=slug_from(title, {les.slug for les in module.lessons}),
        title=title,
        minutes=minutes,
        body_md="",  # the page shows the title; the checker asks for text before publishing
    )
    module.lessons.append(lesson)
    touch(module.edition.draft)
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
    course_id = row.edition.course_id if isinstance(row, DraftModule) else course_id_of(row)
    record("draft.move", "course", course_id, actor=actor, item=row.title, step=step)
    db.session.flush()


def remove(actor: User, row: DraftModule | DraftLesson) -> None:
    if isinstance(row, DraftModule):
        parent, course_id = row.edition, row.edition.course_id
        parent.modules.remove(row)
        _renumber(parent.modules)
    else:
        parent, course_id = row.module, course_id_of(row)
        parent.lessons.remove(row)
        _renumber(parent.lessons)
    record("draft.remove", "course", course_id, actor=actor, item=row.title)
    db.session.flush()
