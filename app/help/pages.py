"""The help pages: which exist, where each lives on disk, and which one a screen points to."""

from __future__ import annotations

import re
from pathlib import Path

from flask_babel import lazy_gettext as _l
from markdown_it import MarkdownIt

CONTENT = Path(__file__).parent / "content"
FALLBACK = "en"

#: Page name -> its title, in the order the help index lists them.
PAGES = {
    "official": _l("Taking courses"),
    "trainer": _l("Writing courses"),
    "reviewer": _l("Following your staff"),
    "admin": _l("Administering Aula"),
    "accessibility": _l("Accessibility statement"),
}

#: Blueprint of the screen -> (help page, section anchor) that explains it.
SCREENS = {
    "catalog": ("official", "catalogue"),
    "course": ("official", "course"),
    "learning": ("official", "my-learning"),
    "quiz": ("official", "quizzes"),
    "certificates": ("official", "certificates"),
    "accounts": ("official", "profile"),
    "privacy": ("official", "profile"),
    "author": ("trainer", "courses"),
    "drafts": ("trainer", "drafts"),
    "teach": ("trainer", "results"),
    "staff": ("reviewer", "staff"),
    "people": ("reviewer", "staff"),
    "assignments": ("reviewer", "assignments"),
    "reports": ("reviewer", "reports"),
    "audit": ("reviewer", "audit"),
    "admin": ("admin", "organisations"),
}


def source(page: str, locale: str) -> str | None:
    """The Markdown of a page in the locale (English where a translation is missing), or None
    for a page that does not exist."""
    if page not in PAGES:
        return None
    for language in (locale, FALLBACK):
        path = CONTENT / language / f"{page}.md"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    return None


#: Our own text, so no raw HTML and no sanitiser: "## Title {#anchor}" gives the heading an id
#: that stays the same in every language, for the links from each screen.
_md = MarkdownIt("commonmark", {"html": False}).enable(["table"])
_ANCHOR = re.compile(r"\s*\{#([a-z0-9-]+)\}\s*$")


def render(body: str) -> str:
    """The page's HTML, with the anchors its headings name."""
    tokens = _md.parse(body)
    for opening, inline in zip(tokens, tokens[1:], strict=False):
        if opening.type == "heading_open" and (found := _ANCHOR.search(inline.content)):
            opening.attrSet("id", found.group(1))
            inline.content = inline.content[: found.start()]
            for child in inline.children or []:
                if child.type == "text":
                    child.content = _ANCHOR.sub("", child.content)
    return _md.renderer.render(tokens, _md.options, {})


def for_screen(blueprint: str | None) -> tuple[str, str] | None:
    """(page, anchor) of the help that explains a screen of this blueprint."""
    return SCREENS.get(blueprint or "")
