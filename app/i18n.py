"""Locale choice: profile, else the switcher's choice, else the browser, else Spanish."""

from __future__ import annotations

from flask import current_app, has_request_context, request, session
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
