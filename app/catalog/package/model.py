"""What a course package holds once read: the format's names and limits, the checked
package (Package and its Edition/Module/Lesson/Quiz sources) and the problems found."""

from __future__ import annotations

import hashlib
import json
import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Protocol

LANGUAGES = ("es", "pt_BR", "fr", "en")
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
NUMBERED = re.compile(r"^(\d{1,3})-([a-z0-9]+(?:-[a-z0-9]+)*)$")
THEME = SLUG
MEDIA_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".csv": "text/csv",
    ".txt": "text/plain",
    ".odt": "application/vnd.oasis.opendocument.text",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".gif", ".svg", ".webp"}
MAX_MEDIA_BYTES = 5 * 1024 * 1024
COURSE_KEYS = {
    "slug",
    "hours",
    "pass_mark",
    "certificate_validity_months",
    "themes",
    "authors",
    "booklet",
}
BOOKLET_KEYS = {"number", "title", "reference", "url"}
#: Upper bounds for numbers that end up in integer columns or in date arithmetic.
MAX_HOURS = 10_000
MAX_MINUTES = 10_000
MAX_VALIDITY_MONTHS = 1200
MAX_COUNT = 10_000

QUIZ_SETTINGS = {
    "attempts": "positive integer",
    "time_limit_minutes": "positive integer",
    "draw": "positive integer",
    "draw_by_category": "category counts",
    "grading": ("highest", "last"),
    "feedback": ("after_attempt", "after_passing", "never"),
    "shuffle_questions": "boolean",
    "shuffle_answers": "boolean",
    "one_per_page": "boolean",
    "late_submission": ("grade_saved", "refuse"),
    "extensions": "positive integer",
    "extension_minutes": "positive integer",
}
#: Settings that only make sense with a time limit.
TIMED_SETTINGS = ("extensions", "extension_minutes")


@dataclass(frozen=True, order=True)
class Problem:
    """One error, located by file (relative to where checking started) and line."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class QuizSource:
    filename: str
    text: str


@dataclass
class LessonSource:
    position: int
    slug: str
    filename: str
    title: str
    minutes: int
    body: str


@dataclass
class ModuleSource:
    position: int
    slug: str
    dirname: str
    title: str
    lessons: list[LessonSource] = field(default_factory=list)
    quiz: QuizSource | None = None
    #: The [quiz] table of module.toml, as written (defaults are the quiz engine's).
    quiz_settings: dict = field(default_factory=dict)


@dataclass
class EditionSource:
    language: str
    title: str
    summary: str
    modules: list[ModuleSource] = field(default_factory=list)
    final: QuizSource | None = None
    #: The [final] table of edition.toml.
    final_settings: dict = field(default_factory=dict)


@dataclass
class Package:
    """A checked package: everything needed to import it, and nothing from the disk."""

    slug: str
    meta: dict
    editions: dict[str, EditionSource]
    media: dict[str, bytes]

    def canonical(self) -> dict:
        """The content that defines a version: equal packages give equal hashes."""
        return {
            "meta": self.meta,
            "editions": {
                lang: {
                    "title": e.title,
                    "summary": e.summary,
                    "final": e.final.text if e.final else None,
                    "final_settings": e.final_settings,
                    "modules": [
                        {
                            "dir": m.dirname,
                            "title": m.title,
                            "quiz": m.quiz.text if m.quiz else None,
                            "quiz_settings": m.quiz_settings,
                            "lessons": [
                                [les.filename, les.title, les.minutes, les.body]
                                for les in m.lessons
                            ],
                        }
                        for m in e.modules
                    ],
                }
                for lang, e in sorted(self.editions.items())
            },
            "media": {p: hashlib.sha256(b).hexdigest() for p, b in sorted(self.media.items())},
        }

    def content_hash(self) -> str:
        data = json.dumps(self.canonical(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(data.encode()).hexdigest()


# Stored content, as the one builder of a package from it reads it (catalog.services.
# build_package): a published version's rows and a draft's rows both have this shape.


class LessonContent(Protocol):
    position: int
    slug: str
    filename: str
    title: str
    minutes: int
    body_md: str


class ModuleContent(Protocol):
    position: int
    slug: str
    dirname: str
    title: str
    quiz: str | None
    quiz_settings: dict | None
    lessons: Sequence[LessonContent]


class EditionContent(Protocol):
    language: str
    title: str
    summary: str
    final_quiz: str | None
    final_settings: dict | None
    modules: Sequence[ModuleContent]


def edition_source(edition: EditionContent) -> EditionSource:
    """An edition's stored content (its modules, lessons and question banks) as the package
    holds it."""
    source = EditionSource(
        edition.language,
        edition.title,
        edition.summary,
        final=QuizSource("final.gift", edition.final_quiz) if edition.final_quiz else None,
        final_settings=dict(edition.final_settings or {}),
    )
    for module in edition.modules:
        lessons = [
            LessonSource(les.position, les.slug, les.filename, les.title, les.minutes, les.body_md)
            for les in module.lessons
        ]
        source.modules.append(
            ModuleSource(
                module.position,
                module.slug,
                module.dirname,
                module.title,
                lessons,
                quiz=QuizSource("quiz.gift", module.quiz) if module.quiz else None,
                quiz_settings=dict(module.quiz_settings or {}),
            )
        )
    return source


@dataclass(frozen=True)
class Target:
    """Where a relative link or image points inside the package."""

    kind: str  # "lesson", "media" or "external"
    path: str  # package-relative path, or the URL itself


def media_type(path: str) -> str:
    return MEDIA_TYPES.get(PurePosixPath(path).suffix.lower()) or (
        mimetypes.guess_type(path)[0] or "application/octet-stream"
    )
