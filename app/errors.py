"""Error pages in the user's language, for every status a user can provoke."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db

log = logging.getLogger("aula.errors")

TITLES = {
    400: _l("Bad request"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("File too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong"),
}
MESSAGES = {
    400: _l("The request could not be understood. Go back, reload the page and try again."),
    403: _l("You do not have permission to see this page."),
    404: _l("There is nothing at this address. Check the link or start from the home page."),
    405: _l("This address does not accept that kind of request."),
    413: _l("The file is larger than the allowed size."),
    429: _l("Too many attempts in a short time. Wait a minute and try again."),
    500: _l(
        "An unexpected error happened on our side. It has been logged; please try again later."
    ),
}


def _render(code: int, message=None):
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=TITLES.get(code, TITLES[500]),
            message=message or MESSAGES.get(code, MESSAGES[500]),
        ),
        code,
    )


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_exc):
        return _render(
            400,
            _l("The form has expired or was sent from elsewhere. Reload the page and try again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        return _render(exc.code)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _render(500)
