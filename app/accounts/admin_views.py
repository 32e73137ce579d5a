"""Administration of organisations, users and roles, limited to the admin's subtree."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.accounts import policy, services, zones
from app.accounts.forms import GrantRoleForm, OrganisationForm, UserForm
from app.accounts.models import GRANTED_ROLES, Membership, Organisation, OrgKind, Role, User
from app.accounts.staff_views import people_query
from app.extensions import db
from app.forms import ConfirmForm, options

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
log = logging.getLogger("aula.accounts")


@bp.route("/organisations")
def list_organisations():
    """The tree of organisations the admin manages, with their headcounts."""
    orgs = policy.orgs_in_scope(current_user, Role.ADMIN)
    counts = dict(
        db.session.execute(
            select(User.organisation_id, func.count())
            .where(User.organisation_id.in_([o.id for o, _label in orgs]))
            .group_by(User.organisation_id)
        ).all()
    )
    return render_template("accounts/admin_orgs.html", orgs=orgs, counts=counts)


def _org_form(form: OrganisationForm, org: Organisation | None) -> dict[int, Organisation]:
    form.kind.choices = options((k.value, k.title) for k in OrgKind)
    choices = [
        (o, label)
        for o, label in policy.orgs_in_scope(current_user, Role.ADMIN)
        if org is None or not org.contains(o)
    ]
    top = [(0, _("(none: a new top of the tree)"))] if policy.is_network_admin(current_user) else []
    form.parent.choices = options(top + [(o.id, label) for o, label in choices])
    top_zone = current_app.config["DEFAULT_TIME_ZONE"]
    form.time_zone.choices = zones.zone_choices(
        _("Same as the organisation it belongs to (at the top: %(zone)s)", zone=top_zone)
    )
    return {o.id: o for o, _label in choices}


def _save_org(form: OrganisationForm, org: Organisation | None, parents: dict):
    parent = parents.get(form.parent.data)
    if parent is None and form.parent.data != 0:
        abort(403)
    try:
        if org is None:
            org = services.create_organisation(
                form.name.data, form.slug.data, form.kind.data, parent, form.time_zone.data or None
            )
        else:
            services.update_organisation(
                org,
                form.name.data,
                form.slug.data,
                form.kind.data,
                parent,
                form.time_zone.data or None,
            )
    except services.AccountError as exc:
        getattr(form, exc.field or "name").errors.append(str(exc))
        db.session.rollback()
        return None
    db.session.commit()
    flash(_("Organisation saved."), "success")
    return redirect(url_for("admin.list_organisations"))


@bp.route("/organisations/new", methods=["GET", "POST"])
def new_organisation():
    """Add an organisation or department."""
    form = OrganisationForm()
    parents = _org_form(form, None)
    if request.method == "GET" and request.args.get("parent", "").isdigit():
        form.parent.data = int(request.args["parent"])
    if form.validate_on_submit():
        response = _save_org(form, None, parents)
        if response is not None:
            return response
    return render_template("accounts/admin_org_form.html", form=form, org=None)


@bp.route("/organisations/<id:org_id>", methods=["GET", "POST"])
def edit_organisation(org_id: int):
    """Rename or move an organisation."""
    org = policy.organisation_for_admin(current_user, org_id)
    form = OrganisationForm(obj=org)
    parents = _org_form(form, org)
    if request.method == "GET":
        form.parent.data = org.parent_id or 0
    if form.validate_on_submit():
        if (
            org.parent_id is None
            and form.parent.data != 0
            and not policy.is_network_admin(current_user)
        ):
            abort(403)
        response = _save_org(form, org, parents)
        if response is not None:
            return response
    return render_template("accounts/admin_org_form.html", form=form, org=org)


@bp.route("/users")
def list_users():
    """Everyone in the admin's organisations, with search and pages."""
    q = request.args.get("q", "").strip()[:100]
    page = db.paginate(
        people_query(current_user, q, Role.ADMIN),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
        count=True,
    )
    return render_template("accounts/admin_users.html", page=page, q=q)


@bp.route("/users/<id:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    """Edit a person's record and see their roles."""
    user = policy.person_for_admin(current_user, user_id)
    form = UserForm(obj=user)
    scope = policy.orgs_in_scope(current_user, Role.ADMIN)
    orgs = {o.id: o for o, _label in scope}
    form.organisation.choices = options((o.id, label) for o, label in scope)
    if request.method == "GET":
        form.organisation.data = user.organisation_id
        form.is_active.data = user.is_active_account
    if form.validate_on_submit():
        org = orgs.get(form.organisation.data) or abort(403)
        if user.id == current_user.id and not form.is_active.data:
            form.is_active.errors.append(_("You cannot deactivate your own account."))
        else:
            services.update_user(
                user,
                name=form.name.data,
                organisation=org,
                locale=form.locale.data,
                job_title=form.job_title.data or "",
                is_active=form.is_active.data,
                actor=current_user,
            )
            db.session.commit()
            flash(_("User saved."), "success")
            return redirect(url_for("admin.edit_user", user_id=user.id))
    grant = GrantRoleForm(formdata=None)
    grant.role.choices = options((r.value, r.title) for r in GRANTED_ROLES)
    grant.organisation.choices = form.organisation.choices
    memberships = db.session.scalars(
        select(Membership)
        .where(Membership.user_id == user.id, policy.memberships_in_scope(current_user))
        .options(joinedload(Membership.organisation))
    ).all()
    return render_template(
        "accounts/admin_user_form.html",
        form=form,
        user=user,
        grant=grant,
        memberships=memberships,
        revoke=ConfirmForm(formdata=None),
    )


@bp.route("/users/<id:user_id>/roles", methods=["POST"])
def grant_role(user_id: int):
    """Give a person a role over an organisation in the admin's subtree."""
    user = policy.person_for_admin(current_user, user_id)
    form = GrantRoleForm()
    form.role.choices = options((r.value, r.title) for r in GRANTED_ROLES)
    scope = {o.id: o for o, _label in policy.orgs_in_scope(current_user, Role.ADMIN)}
    form.organisation.choices = options((i, o.name) for i, o in scope.items())
    if not form.validate_on_submit():
        abort(400)
    membership = services.grant_role(
        user, Role(form.role.data), scope[form.organisation.data], actor=current_user
    )
    db.session.commit()
    log.info("user %s granted membership %s", current_user.id, membership.id)
    flash(_("Role granted."), "success")
    return redirect(url_for("admin.edit_user", user_id=user.id))


@bp.route("/memberships/<id:membership_id>/revoke", methods=["POST"])
def revoke_role(membership_id: int):
    """Take a role away; an admin cannot remove their own last admin role."""
    membership = policy.membership_for_admin(current_user, membership_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    user_id = membership.user_id
    own_admin = [m for m in current_user.memberships if m.role == Role.ADMIN]
    if membership.user_id == current_user.id and membership in own_admin and len(own_admin) == 1:
        flash(_("You cannot remove your own last administrator role."), "error")
    else:
        services.revoke_role(membership, actor=current_user)
        db.session.commit()
        flash(_("Role removed."), "success")
    return redirect(url_for("admin.edit_user", user_id=user_id))
