"""Published versions side by side: a course's lessons matched across versions, and a line
diff of one lesson's text."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from app.catalog.models import CourseVersion


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
