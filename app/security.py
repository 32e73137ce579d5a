"""Security headers on every response: a strict CSP with no inline script and no other origin.

Written here rather than taken from Flask-Talisman: it is a dozen fixed headers, and the
maintained forks of Talisman would add a dependency for less control over them.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, abort, request

log = logging.getLogger("aula.security")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def register(app: Flask) -> None:
    @app.before_request
    def refuse_nul_bytes():
        # No text a person types holds a NUL, and PostgreSQL refuses one in any string
        # parameter: answer 400 here rather than fail inside a query. Uploaded files are
        # checked by their own readers.
        values = [*request.args.values(), *request.args.keys()]
        if request.method in {"POST", "PUT", "PATCH"} and request.mimetype in {
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        }:
            values += [*request.form.values(), *request.form.keys()]
        if any("\x00" in value for value in values):
            abort(400)

    if app.config.get("AULA_ENV") == "production" and not app.config["SESSION_COOKIE_SECURE"]:
        # Allowed for a benchmark on plain HTTP; anywhere else the session would travel bare.
        log.warning("SESSION_COOKIE_SECURE is off in production: cookies go over plain HTTP")

    @app.after_request
    def set_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure or app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        cache = response.cache_control
        if request.endpoint != "static" and not (cache.public or cache.private):
            # Pages and downloads carry personal data and CSRF tokens: stored nowhere, unless
            # the view chose a public or private cache on purpose. send_file's "no-cache"
            # alone is not such a choice: it still lets a shared cache keep the file.
            cache.no_store = True
        return response
