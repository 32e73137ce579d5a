"""Signing in and out, password reset, invitations and the profile page."""

from __future__ import annotations

import logging

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from app.accounts import audit, policy, services, zones
from app.accounts.auth import safe_next
from app.accounts.emails import reset_message
from app.accounts.forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ProfileForm,
    SetPasswordForm,
)
from app.accounts.models import Role
from app.extensions import db, limiter
from app.mail import send

bp = Blueprint("accounts", __name__, template_folder="templates")
log = logging.getLogger("aula.accounts")


def _address_and_email() -> str:
    return f"{request.remote_addr}|{request.form.get('email', '').strip().lower()}"


def _login_limit() -> str:
    return current_app.config["LOGIN_LIMIT"]


def _address_limit() -> str:
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _email_only() -> str:
    return request.form.get("email", "").strip().lower()


def _reset_email_limit() -> str:
    return current_app.config["RESET_LIMIT_PER_EMAIL"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_address_and_email, methods=["POST"])
@limiter.limit(_address_limit, methods=["POST"])
def login():
    """Sign in with e-mail and password; the same message for unknown e-mail and bad password."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(form.next.data, _landing(current_user)))
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            log.info("failed sign-in from %s", request.remote_addr)
            audit.login_failed(form.email.data, services.find_user_by_email(form.email.data))
            db.session.commit()
            # A form error, not a flash: it heads the error summary that takes the focus.
            form.form_errors.append(_("Wrong e-mail address or password."))
        else:
            services.record_login(user)
            audit.login_succeeded(user)
            db.session.commit()
            login_user(user, remember=form.remember.data)
            log.info("user %s signed in", user.id)
            return redirect(safe_next(form.next.data, _landing(user)))
    return render_template("accounts/login.html", form=form)


def _landing(user) -> str:
    """Where sign-in leads without a `next`: officials straight to their courses, staff to the
    home page that points to their screens."""
    if policy.has_role(user, Role.TRAINER) or policy.has_role(user, Role.REVIEWER):
        return url_for("main.index")
    return url_for("learning.my_learning")


@bp.route("/logout", methods=["POST"])
def logout():
    """Sign out (POST only, so a link on another site cannot sign anyone out)."""
    if current_user.is_authenticated:
        audit.logged_out(current_user)
        db.session.commit()
    logout_user()
    flash(_("You are signed out."), "info")
    return redirect(url_for("main.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, key_func=_address_and_email, methods=["POST"])
@limiter.limit(_address_limit, methods=["POST"])
# Per e-mail, whoever asks: its owner already holds the links sent, each valid until used.
@limiter.limit(_reset_email_limit, key_func=_email_only, methods=["POST"])
def forgot_password():
    """Send a reset link; the answer is the same whether or not the address has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None and user.is_active_account:
            send([reset_message(user)])
        flash(
            _("If an account uses this address, we have sent it a link to choose a new password."),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form)


def _set_password_page(token: str, purpose: str, template: str):
    try:
        user = services.load_token(token, purpose)
    except services.TokenError as exc:
        return render_template("accounts/token_invalid.html", message=str(exc)), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data)
        except services.AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            services.record_login(user)
            audit.password_set(user, "reset" if purpose == services.RESET else "invitation_accept")
            db.session.commit()
            login_user(user)
            flash(_("Your password is saved. Welcome to Aula."), "success")
            return redirect(_landing(user))
    return render_template(template, form=form, user=user)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """Choose a new password from an e-mailed link."""
    return _set_password_page(token, services.RESET, "accounts/reset.html")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    """Accept an invitation by choosing a password."""
    return _set_password_page(token, services.INVITE, "accounts/accept_invitation.html")


def _profile_form(**kwargs) -> ProfileForm:
    """The profile form; its zone select offers "my organisation's" (named) first."""
    form = ProfileForm(obj=current_user, **kwargs)
    inherited = zones.zone_of_org(current_user.organisation_id).key
    form.time_zone.choices = zones.zone_choices(
        _("Same as my organisation (%(zone)s)", zone=inherited)
    )
    return form


@bp.route("/profile", methods=["GET", "POST"])
def profile():
    """The signed-in person's own name, job title, language and time zone."""
    form = _profile_form()
    password_form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                form.name.data,
                form.locale.data,
                form.job_title.data,
                time_zone=form.time_zone.data or None,
            )
        except services.AccountError as exc:
            getattr(form, exc.field or "name").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form)


@bp.route("/profile/password", methods=["POST"])
def change_password():
    """Change one's password; other sessions are signed out, this one stays."""
    form = _profile_form(formdata=None)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        user = services.authenticate(current_user.email, password_form.current_password.data)
        if user is None:
            password_form.current_password.errors.append(_("The current password is wrong."))
        else:
            try:
                services.set_password(current_user, password_form.password.data)
            except services.AccountError as exc:
                password_form.password.errors.append(str(exc))
            else:
                audit.password_set(current_user, "change")
                db.session.commit()
                # Re-issue this session's cookie with the new nonce; a proxy would recurse.
                login_user(current_user._get_current_object())
                flash(_("Your password is changed."), "success")
                return redirect(url_for("accounts.profile"))
    return render_template("accounts/profile.html", form=form, password_form=password_form), 400
