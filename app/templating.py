"""What every template can use: the current language, the language list and role checks."""

from __future__ import annotations

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_timezone
from flask_login import current_user

from app.accounts import policy
from app.accounts.models import Role
from app.help import pages as help_pages
from app.i18n import LANGUAGE_NAMES


def register(app: Flask) -> None:
    @app.context_processor
    def inject() -> dict:
        locale = str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])
        user = current_user
        return {
            "current_locale": locale,
            "html_lang": locale.replace("_", "-"),
            # The zone every |date and |datetime is shown in (accounts/zones.py); a function,
            # so pages that show no time do not resolve it.
            "current_time_zone": lambda: str(get_timezone()),
            "language_names": LANGUAGE_NAMES,
            "languages": app.config["LANGUAGES"],
            "is_reviewer": policy.has_role(user, Role.REVIEWER),
            "is_trainer": policy.has_role(user, Role.TRAINER),
            "is_admin": policy.has_role(user, Role.ADMIN),
            "current_path": request.full_path.rstrip("?") if request else "/",
            "screen_help": help_pages.for_screen(request.blueprint if request else None),
        }

    # Extraction trims {% trans %} blocks (babel.cfg); rendering must trim them the same way.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.filters["date"] = format_date
    app.jinja_env.filters["datetime"] = format_datetime
    app.jinja_env.filters["number"] = format_decimal
