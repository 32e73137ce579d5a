"""Flask-Login wiring: loading the signed-in user, and redirects that stay on this site."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import Membership, User
from app.extensions import db


def init_login(app: Flask, manager: LoginManager) -> None:
    manager.init_app(app)
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to see this page.")
    manager.login_message_category = "info"
    # "basic" rather than "strong": phones on mobile networks change address all the time.
    manager.session_protection = "basic"

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        ident, _sep, nonce = user_id.partition(":")
        if not ident.isdigit():
            return None
        # One query for the user, their roles and the organisations those roles cover.
        user = (
            db.session.execute(
                select(User)
                .where(User.id == int(ident))
                .options(joinedload(User.memberships).joinedload(Membership.organisation))
            )
            .unique()
            .scalar_one_or_none()
        )
        # A password change rotates the nonce, which ends every other session.
        if user is None or user.session_nonce != nonce:
            return None
        return user


def safe_next(target: str | None, default: str) -> str:
    """target if it is a path on this site, else default: no open redirects."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    if "\\" in target or any(ord(c) < 32 for c in target):
        return default
    return target
