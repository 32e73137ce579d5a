"""The catalogue and course media. The course and lesson pages, which depend on the reader's
enrolment, belong to the learning domain (its course_views module)."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_babel import get_locale

from app.catalog import services
from app.catalog.models import MediaFile
from app.catalog.package import LANGUAGES
from app.extensions import db

bp = Blueprint("catalog", __name__, template_folder="templates")


def _locale() -> str:
    return str(get_locale() or "es")


@bp.route("/courses")
def list_courses():
    """Published courses in the visitor's language, with search and filters."""
    q = request.args.get("q", "").strip()[:100]
    theme = request.args.get("theme", "").strip()[:60]
    language = request.args.get("language", "")
    if language not in LANGUAGES:
        language = ""
    page = db.paginate(
        services.catalogue_query(q, theme, language),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    locale = _locale()
    items = [
        (version, services.pick_edition(version.editions, locale, language or None))
        for version in page.items
    ]
    return render_template(
        "catalog/list.html",
        page=page,
        items=items,
        q=q,
        theme=theme,
        language=language,
        themes=services.all_themes(),
    )


@bp.route("/media/<sha256>/<name>")
def media(sha256: str, name: str):
    """An image or attachment; its address changes with its content, so it is cached for a year."""
    if len(sha256) != 64:
        abort(404)
    if request.headers.get("If-None-Match", "").strip('"') == sha256:
        response = Response(status=304)
    else:
        item = db.session.get(MediaFile, sha256) or abort(404)
        response = Response(item.data, mimetype=item.content_type)
    response.set_etag(sha256)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    # An SVG opened on its own must not run anything.
    response.headers["Content-Security-Policy"] = (
        "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    if not name.lower().endswith(tuple(".png .jpg .jpeg .gif .svg .webp".split())):
        response.headers["Content-Disposition"] = "attachment"
    return response
