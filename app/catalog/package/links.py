"""Links between the files of a package, and lessons rendered with them rewritten."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import unquote, urlsplit

from app import markup

from .model import Target


def resolve(lesson_path: str, url: str) -> Target | str:
    """Classify a link from a lesson; returns an error message for a link that is not allowed."""
    parts = urlsplit(url)
    if parts.scheme in {"http", "https", "mailto"}:
        return Target("external", url)
    if parts.scheme or parts.netloc:
        return f'links with "{parts.scheme or "//"}" are not allowed: {url}'
    if not parts.path:
        return Target("external", url)  # a same-page anchor
    if parts.path.startswith("/"):
        return f"absolute paths are not allowed; write the path relative to the lesson: {url}"
    joined = PurePosixPath(lesson_path).parent / unquote(parts.path)
    stack: list[str] = []
    for part in joined.parts:
        if part == "..":
            if not stack:
                return f"the link leaves the package: {url}"
            stack.pop()
        elif part != ".":
            stack.append(part)
    target = "/".join(stack)
    if target.endswith(".md"):
        return Target("lesson", target)
    return Target("media", target)


def render_lesson(body: str, lesson_path: str, url_for_target: Callable[[Target], str]) -> str:
    """Markdown to sanitised HTML, with package links rewritten to site URLs."""

    def rewrite(token) -> None:
        attr = "href" if token.type == "link_open" else "src" if token.type == "image" else None
        if attr:
            target = resolve(lesson_path, token.attrGet(attr) or "")
            if isinstance(target, Target) and target.kind != "external":
                token.attrSet(attr, url_for_target(target))
            if token.type == "image":
                token.attrSet("loading", "lazy")

    return markup.render(body, rewrite)
