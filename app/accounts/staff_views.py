"""Reviewer screens: the staff of one's organisation, invitations and CSV import."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app import search
from app.accounts import invitations, policy, services
from app.accounts.emails import invitation_message, send_invitations
from app.accounts.forms import ImportForm, InviteForm, ResendForm
from app.accounts.models import Role, User
from app.accounts.staff_import import HEADER_NAMES, StaffImportError, import_staff
from app.extensions import db
from app.forms import options
from app.mail import send

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")
log = logging.getLogger("aula.accounts")

#: How many row errors a page shows; the rest are counted.
MAX_ERRORS_SHOWN = 200


def people_query(actor: User, q: str, role: Role = Role.REVIEWER):
    """People the actor may see, optionally narrowed by a search on name or e-mail that
    forgives accents and case (app/search.py)."""
    stmt = (
        select(User)
        .where(policy.people_scope(actor, role))
        .options(joinedload(User.organisation))
        .order_by(User.name, User.id)
    )
    if q:
        stmt = stmt.where(search.matches(User.search_key, q))
    return stmt


@bp.route("/")
def list_staff():
    """The officials in the reviewer's organisations, a page at a time."""
    q = request.args.get("q", "").strip()[:100]
    page = db.paginate(
        people_query(current_user, q),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
        count=True,
    )
    return render_template(
        "accounts/staff_list.html", page=page, q=q, resend_form=ResendForm(formdata=None)
    )


def _org_choices(form_field) -> dict[int, object]:
    choices = policy.orgs_in_scope(current_user, Role.REVIEWER)
    form_field.choices = options((org.id, label) for org, label in choices)
    return {org.id: org for org, _label in choices}


@bp.route("/invite", methods=["GET", "POST"])
def invite():
    """Create an account for a colleague and e-mail them a link to choose a password."""
    form = InviteForm()
    orgs = _org_choices(form.organisation)
    if request.method == "GET":
        form.locale.data = current_user.locale
    if form.validate_on_submit():
        org = orgs.get(form.organisation.data)
        if org is None:
            abort(403)
        try:
            user = services.create_user(
                form.email.data,
                form.name.data,
                org,
                locale=form.locale.data,
                job_title=form.job_title.data or "",
                actor=current_user,
            )
        except services.AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            db.session.commit()
            log.info("user %s invited %s into %s", current_user.id, user.id, org.slug)
            send([invitation_message(user)])
            flash(_("Invitation sent to %(email)s.", email=user.email), "success")
            return redirect(url_for("staff.list_staff"))
    return render_template("accounts/staff_invite.html", form=form)


def _resent(queued: int, skipped: int) -> None:
    if queued:
        flash(
            ngettext(
                "Invitation sent again to %(num)s person.",
                "Invitation sent again to %(num)s people.",
                queued,
            ),
            "success",
        )
    if skipped:
        flash(
            ngettext(
                "%(num)s person was skipped: already signed in, or invited less than 10 "
                "minutes ago.",
                "%(num)s people were skipped: already signed in, or invited less than 10 "
                "minutes ago.",
                skipped,
            ),
            "info",
        )


@bp.route("/<id:user_id>/invitation", methods=["POST"])
def resend_invitation(user_id: int):
    """Send a person their invitation again (a new link), at most once per 10 minutes."""
    person = policy.person_for_reviewer(current_user, user_id)
    if not ResendForm().validate_on_submit():
        abort(400)
    queued, skipped = invitations.queue(current_user, [person.id])
    db.session.commit()
    log.info("user %s re-sent the invitation of %s: %d", current_user.id, person.id, queued)
    _resent(queued, skipped)
    return redirect(url_for("people.show_person", user_id=person.id))


@bp.route("/invitations", methods=["POST"])
def resend_invitations():
    """Invitations again to the people ticked on the staff list, or to everyone in the
    reviewer's organisations who has not signed in yet (imported people too)."""
    form = ResendForm()
    if not form.validate_on_submit():
        abort(400)
    if form.everyone.data:
        ids = invitations.pending_in_scope(current_user)
    else:
        chosen = request.form.getlist("user_id", type=int)[:5000]
        ids = list(
            db.session.scalars(
                select(User.id).where(User.id.in_(chosen), policy.people_scope(current_user))
            )
        )
        if not ids:
            flash(_("Tick the people to invite again, or choose everyone not signed in."), "error")
            return redirect(url_for("staff.list_staff"))
    queued, skipped = invitations.queue(current_user, ids)
    db.session.commit()
    log.info("user %s re-sent %d invitations", current_user.id, queued)
    _resent(queued, skipped)
    return redirect(url_for("staff.list_staff"))


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    """Upload a staff CSV: every row is checked first, and one bad row stops the whole file."""
    form = ImportForm()
    orgs = _org_choices(form.organisation)
    errors = []
    if form.validate_on_submit():
        org = orgs.get(form.organisation.data)
        if org is None:
            abort(403)
        data = form.file.data.read()
        try:
            result = import_staff(
                data, org, create_departments=form.create_departments.data, actor=current_user
            )
        except StaffImportError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            db.session.commit()
            log.info(
                "user %s imported %d new and %d updated staff into %s",
                current_user.id,
                len(result.created),
                result.updated,
                org.slug,
            )
            if form.send_invitations.data:
                send_invitations(result.created)
            flash(
                _(
                    "Import done: %(created)d new accounts, %(updated)d updated.",
                    created=len(result.created),
                    updated=result.updated,
                ),
                "success",
            )
            return redirect(url_for("staff.list_staff"))
    status = 400 if errors else 200
    return (
        render_template(
            "accounts/staff_import.html",
            form=form,
            header_names=HEADER_NAMES,
            errors=errors[:MAX_ERRORS_SHOWN],
            hidden_errors=max(0, len(errors) - MAX_ERRORS_SHOWN),
        ),
        status,
    )
