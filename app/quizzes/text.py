"""Question and feedback text in the format GIFT declares, rendered safe for a page."""

from __future__ import annotations

from markupsafe import Markup, escape

from app import markup


def render_text(text: str, fmt: str = "moodle") -> Markup:
    """html and markdown are sanitised like lessons; moodle and plain text are escaped."""
    if not text:
        return Markup("")
    if fmt == "markdown":
        return Markup(markup.render(text))  # noqa: S704 - sanitised with the lesson allow-list
    if fmt == "html":
        return Markup(markup.sanitise(text))  # noqa: S704 - sanitised with the lesson allow-list
    # Every line is escaped before joining: only our own <br> is markup.
    return Markup("<br>".join(escape(line) for line in text.split("\n")))  # noqa: S704
