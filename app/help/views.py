"""The help index, a help page per role and the accessibility statement."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_babel import get_locale
from markupsafe import Markup

from app.help import pages

bp = Blueprint("help", __name__, template_folder="templates")


@bp.route("/help/")
def index():
    return render_template("help/index.html", pages=pages.PAGES)


@bp.route("/help/<page>")
def show(page: str):
    body = pages.source(page, str(get_locale()))
    if body is None:
        abort(404)
    contact = current_app.config["ACCESSIBILITY_CONTACT"]
    html = Markup(pages.render(body.replace("{contact}", contact)))  # noqa: S704 - our own text
    return render_template("help/page.html", title=pages.PAGES[page], body=html, page=page)


@bp.route("/accessibility")
def accessibility():
    return show("accessibility")
