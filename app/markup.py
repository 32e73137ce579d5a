"""Markdown to safe HTML: the one renderer and sanitiser for lessons, question texts and the
authoring previews, so every page that shows written content allows the same things."""

from __future__ import annotations

import re
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt

#: Raw HTML nested deeper than this is refused at import (the sanitiser's time grows with
#: the square of the depth) and shown as text if it reaches rendering some other way.
MAX_HTML_DEPTH = 100

ALLOWED_TAGS = set(nh3.ALLOWED_TAGS) - {"map", "area", "center", "details", "summary"}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title", "hreflang"},
    "img": {"src", "alt", "title", "width", "height", "loading"},
    "th": {"scope", "colspan", "rowspan"},
    "td": {"colspan", "rowspan"},
    "ol": {"start"},
    "abbr": {"title"},
}
URL_SCHEMES = {"http", "https", "mailto"}

_md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
#: For a body whose raw HTML nests too deep: its tags are shown as text.
_md_no_html = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
_VOID_TAGS = frozenset(
    "area base br col embed hr img input link meta param source track wbr".split()
)
#: Elements whose end tag may be left out: a new one closes the last, so they do not nest.
_OPTIONAL_END_TAGS = frozenset(
    "p li dt dd tr td th thead tbody tfoot colgroup option optgroup rb rt rtc rp".split()
)
# No "<" inside a tag: a tag never started is skipped at once, so the scan stays linear.
_HTML_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^<>]*?(/?)>")


def html_too_deep(tokens) -> int | None:
    """The 1-based line of a Markdown body (parsed into tokens) where its raw HTML opens
    an element nested more than MAX_HTML_DEPTH deep, or None. Markdown's own nesting is
    bounded by the parser."""
    stack: list[str] = []
    for token in tokens:
        if token.type == "html_block":
            chunks = [token.content]
        else:
            chunks = [c.content for c in token.children or () if c.type == "html_inline"]
        for chunk in chunks:
            for tag in _HTML_TAG.finditer(chunk):
                closing, name, self_closing = tag[1], tag[2].lower(), tag[3]
                if self_closing or name in _VOID_TAGS or name in _OPTIONAL_END_TAGS:
                    continue
                if not closing:
                    stack.append(name)
                    if len(stack) > MAX_HTML_DEPTH:
                        return (token.map[0] if token.map else 0) + 1
                elif name in stack:
                    while stack.pop() != name:
                        pass
    return None


def too_deep(body: str) -> int | None:
    """html_too_deep for a Markdown body."""
    return html_too_deep(_md.parse(body))


def _walk(tokens, visit: Callable) -> None:
    for token in tokens:
        visit(token)
        if token.children:
            _walk(token.children, visit)


def links(body: str) -> list[tuple[str, str]]:
    """(kind, url) for every link and image in a Markdown body, including raw HTML ones."""
    found: list[tuple[str, str]] = []

    def visit(token) -> None:
        if token.type == "link_open":
            found.append(("link", token.attrGet("href") or ""))
        elif token.type == "image":
            found.append(("image", token.attrGet("src") or ""))

    _walk(_md.parse(body), visit)
    return found


def sanitise(html: str) -> str:
    """Only the allowed tags, attributes and URL schemes survive; links open no window."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
    )


def render(body: str, rewrite: Callable | None = None) -> str:
    """Markdown to sanitised HTML. `rewrite` sees every token first (a lesson points its
    package links at site URLs); raw HTML nested too deep is rendered as text."""
    md = _md
    tokens = md.parse(body)
    if html_too_deep(tokens) is not None:
        md = _md_no_html
        tokens = md.parse(body)
    if rewrite is not None:
        _walk(tokens, rewrite)
    return sanitise(md.renderer.render(tokens, md.options, {}))
