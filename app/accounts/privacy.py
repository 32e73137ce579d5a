"""Accounts' part of a data-rights request (app/privacy/): the person's record and roles,
who may erase them, and the anonymised record that erasure leaves behind."""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from sqlalchemy import select

from app.accounts import policy
from app.accounts.models import Membership, Organisation, Role, User
from app.clock import iso_utc, utcnow
from app.extensions import db

#: What an erased account's name becomes: its number only, which reads the same in every
#: language and says nothing about the person; people lists add a translated "Erased".
ERASED_NAME = "#{id}"


def erased_email(user_id: int) -> str:
    """A unique address nobody can receive mail at (.invalid is reserved, RFC 2606)."""
    return f"erased-{user_id}@invalid"


def export(user: User) -> dict:
    """The "account" and "roles" parts of the download."""
    return {"account": _account(user), "roles": _roles(user)}


def _account(user: User) -> dict:
    org = user.organisation
    chain = db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(org.ancestor_ids()))
    ).all()
    names = dict(chain)
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "job_title": user.job_title,
        "locale": user.locale,
        "quiz_time_percent": user.quiz_time_percent,
        "organisation": {"name": org.name, "slug": org.slug, "kind": org.kind},
        "organisation_path": [names[i] for i in org.ancestor_ids() if i in names],
        "created_at": iso_utc(user.created_at),
        "last_login_at": iso_utc(user.last_login_at),
        "is_active": user.is_active_account,
        "password_set": user.has_password,
        "erased_at": iso_utc(user.erased_at),
    }


def _roles(user: User) -> list[dict]:
    rows = db.session.execute(
        select(Membership.role, Organisation.name, Organisation.slug, Membership.created_at)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.created_at, Membership.id)
    ).all()
    own = {
        "role": Role.OFFICIAL.value,
        "organisation": user.organisation.name,
        "organisation_slug": user.organisation.slug,
        "since": iso_utc(user.created_at),
    }
    return [own] + [
        {"role": role, "organisation": name, "organisation_slug": slug, "since": iso_utc(at)}
        for role, name, slug, at in rows
    ]


def erase_refusal(actor: User, user: User) -> str | None:
    """Why this admin may not erase this person (translated), or None when they may.

    Whether the admin manages the person at all is the caller's check (a 403, not a reason).
    """
    if user.erased_at is not None:
        return _("This account has already been erased.")
    if user.id == actor.id:
        return _("You cannot erase your own account. Ask another administrator.")
    roles = list(user.memberships)
    if any(m.role == Role.ADMIN for m in roles):
        return _(
            "This person is an administrator. Remove their administrator roles first, "
            "then erase the account."
        )
    if any(not policy.can_act_on(actor, Role.ADMIN, m.organisation) for m in roles):
        return _(
            "This person holds roles over organisations you do not manage. Ask an "
            "administrator of those organisations."
        )
    return None


def erase(user: User) -> dict[str, int]:
    """Keep the row, anonymised (enrolment and completion counts stay right); remove the
    name, e-mail, job title, extra quiz time, password, roles and last sign-in time. Flushes
    nothing."""
    counts = {"roles_revoked": len(user.memberships)}
    user.memberships.clear()
    user.name = ERASED_NAME.format(id=user.id)
    user.email = erased_email(user.id)
    user.job_title = ""
    # More time on quizzes may say something about the person's health: not kept either.
    user.quiz_time_percent = 100
    user.password_hash = None
    # A new nonce ends every session and kills every reset or invitation link already sent.
    user.session_nonce = secrets.token_hex(8)
    user.is_active_account = False
    user.last_login_at = None
    user.erased_at = utcnow()
    return counts
