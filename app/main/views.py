"""The home page, the language switcher and the health check."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, redirect, render_template, session, url_for
from flask_login import current_user
from sqlalchemy import text

from app.accounts.auth import safe_next
from app.accounts.forms import LanguageForm
from app.extensions import csrf, db

bp = Blueprint("main", __name__, template_folder="templates")
log = logging.getLogger("aula.main")


@bp.route("/")
def index():
    """What Aula is, and where each kind of user goes next."""
    return render_template("main/index.html")


@bp.route("/language", methods=["POST"])
def set_language():
    """Switch language; a signed-in user's choice is saved to their profile."""
    form = LanguageForm()
    if form.validate_on_submit():
        session["locale"] = form.locale.data
        if current_user.is_authenticated:
            current_user.locale = form.locale.data
            db.session.commit()
    return redirect(safe_next(form.next.data, url_for("main.index")))


@bp.route("/healthz")
@csrf.exempt
def healthz():
    """For load balancers: 200 with the database reachable, 503 otherwise."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:  # any failure to reach the database is what we report
        log.exception("health check: database unreachable")
        db.session.rollback()
        database = "unavailable"
    status = 200 if database == "ok" else 503
    body = {"status": "ok" if status == 200 else "degraded", "database": database}
    body["version"] = current_app.config.get("AULA_VERSION", "0.1.0")
    return jsonify(body), status
