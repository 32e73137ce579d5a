"""Locale choice: profile, else the switcher's choice, else the browser, else Spanish; and
the time zone a rendering uses when it is for someone else (an e-mail's recipient)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import flask_babel
from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    """Flask-Babel's locale selector."""
    if not has_request_context():
        # CLI output is read by operators; e-mails force the recipient's locale themselves.
        return "en"
    languages = current_app.config["LANGUAGES"]
    if current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    # Accept-Language uses pt-BR; Werkzeug matches it against our pt_BR only with a dash.
    offered = [code.replace("_", "-") for code in languages]
    best = request.accept_languages.best_match(offered)
    if best is None:
        # "pt" alone, or "fr-CA", should still land on a language we have.
        for lang, _quality in request.accept_languages:
            prefix = lang.split("-")[0].lower()
            for code in languages:
                if code.split("_")[0] == prefix:
                    return code
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    return best.replace("-", "_")


LANGUAGE_NAMES = {"es": "Español", "pt_BR": "Português (Brasil)", "fr": "Français", "en": "English"}


@contextmanager
def in_zone(zone: ZoneInfo | str | None) -> Iterator[None]:
    """Format dates in zone inside the block, as force_locale does for the language: an
    e-mail is read in its recipient's time zone, not the sender's. None changes nothing."""
    if zone is None or not has_app_context():
        yield
        return
    previous = g.get("aula_zone")
    g.aula_zone = zone if isinstance(zone, str) else zone.key
    flask_babel.refresh()  # forget the zone cached for this request (keeps a forced locale)
    try:
        yield
    finally:
        g.aula_zone = previous
        flask_babel.refresh()


def forced_zone() -> str | None:
    """The zone in_zone set, for the time zone selector to honour first."""
    return g.get("aula_zone") if has_app_context() else None
