"""Course packages on disk: read and check them, render lessons, write them back.

Pure Python with no Flask import, so `flask courses check` needs no database and tests need
no app. See docs/course-format.md for the format. The pieces: model (what a package holds),
toml (TOML from strangers), links (links between its files), reader, writer; callers use
the names below (`from app.catalog import package as pkg`).
"""

from __future__ import annotations

from .links import render_lesson, resolve
from .model import (
    IMAGE_SUFFIXES,
    LANGUAGES,
    MAX_MEDIA_BYTES,
    MEDIA_TYPES,
    QUIZ_SETTINGS,
    SLUG,
    EditionContent,
    EditionSource,
    LessonContent,
    LessonSource,
    ModuleContent,
    ModuleSource,
    Package,
    Problem,
    QuizSource,
    Target,
    edition_source,
    media_type,
)
from .reader import check_gift, read_package, read_slug
from .toml import parse_toml
from .writer import write_package

__all__ = [
    "IMAGE_SUFFIXES",
    "LANGUAGES",
    "MAX_MEDIA_BYTES",
    "MEDIA_TYPES",
    "QUIZ_SETTINGS",
    "SLUG",
    "EditionContent",
    "EditionSource",
    "LessonContent",
    "LessonSource",
    "ModuleContent",
    "ModuleSource",
    "Package",
    "Problem",
    "QuizSource",
    "Target",
    "check_gift",
    "edition_source",
    "media_type",
    "parse_toml",
    "read_package",
    "read_slug",
    "render_lesson",
    "resolve",
    "write_package",
]
