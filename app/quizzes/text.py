"""Question and feedback text in the format GIFT declares, rendered safe for a page."""

from __future__ import annotations

import nh3
from markupsafe import Markup, escape

from app.catalog.package import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, _md


def render_text(text: str, fmt: str = "moodle") -> Markup:
    """html and markdown are sanitised like lessons; moodle and plain text are escaped."""
    if not text:
        return Markup("")
    if fmt == "html":
        html = text
    elif fmt == "markdown":
        html = _md.render(text)
    else:
        # Every line is escaped before joining: only our own <br> is markup.
        return Markup("<br>".join(escape(line) for line in text.split("\n")))  # noqa: S704
    return Markup(  # noqa: S704 - sanitised by nh3 with the lesson allow-list
        nh3.clean(
            html,
            tags=ALLOWED_TAGS,
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
        )
    )
