"""The two data-rights screens: a person downloads their data; an admin erases a person.
URLs stay under the profile and the admin pages where people look for them."""

from __future__ import annotations

import json
import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import policy
from app.accounts.forms import EraseForm
from app.clock import utcnow
from app.extensions import db
from app.forms import ConfirmForm

from . import services

bp = Blueprint("privacy", __name__, template_folder="templates")
log = logging.getLogger("aula.privacy")


@bp.route("/profile/my-data", methods=["POST"])
def export_my_data():
    """Everything Aula holds about the signed-in person, as a JSON download.

    A POST, because taking the data writes an audit entry (and a link on another site
    cannot start a download).
    """
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    now = utcnow()
    body = json.dumps(services.export_data(user, now), ensure_ascii=False, indent=2)
    services.record_export(user)
    db.session.commit()
    log.info("user %s downloaded their data", user.id)
    response = current_app.response_class(body, mimetype="application/json")
    filename = services.export_filename(now.date())
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/admin/users/<id:user_id>/erase", methods=["GET", "POST"])
def erase_user(user_id: int):
    """Erase a person on their request, once the admin has typed their address; a refusal
    (oneself, an administrator, already erased) is explained on the page and changes nothing."""
    user = policy.person_for_admin(current_user, user_id)
    actor = current_user._get_current_object()
    refusal = services.erase_refusal(actor, user)
    form = EraseForm()
    if refusal is None and form.validate_on_submit():
        if form.email.data.strip().lower() != user.email:
            form.email.errors.append(
                _("This is not the person's e-mail address. Type it exactly as shown.")
            )
        else:
            counts = services.erase_user(actor, user, form.hide_names.data)
            db.session.commit()
            log.info("user %s erased user %s: %s", actor.id, user.id, counts)
            flash(_("The account is erased."), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    status = 400 if request.method == "POST" else 200
    page = render_template("privacy/erase.html", user=user, form=form, refusal=refusal)
    return page, status
