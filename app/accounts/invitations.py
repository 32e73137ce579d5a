"""Invitations sent again: to one person or to everyone a reviewer reaches who was invited
(or imported without an invitation) and has not signed in yet.

Each invitation queued is an audit entry ("account.invite") and an outbox message in the
same transaction. The audit entry is also the rate limit: a person invited in the last
RESEND_GAP is skipped, so a double click or two reviewers at once send one e-mail.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import ColumnElement, select

from app import outbox
from app.accounts import policy
from app.accounts.emails import invitation_message
from app.accounts.models import Role, User
from app.audit.models import AuditEntry, record
from app.clock import utcnow
from app.extensions import db
from app.mail import send

TOPIC = "mail.invitation"
RESEND_GAP = timedelta(minutes=10)
ACTION = "account.invite"
_CHUNK = 500


def pending() -> ColumnElement[bool]:
    """SQL condition on User: may be invited (active, never chose a password, not erased)."""
    return (
        User.is_active_account.is_(True) & User.password_hash.is_(None) & User.erased_at.is_(None)
    )


def pending_in_scope(actor: User) -> list[int]:
    """Ids of everyone in the actor's reviewer subtree still waiting to sign in."""
    return list(
        db.session.scalars(
            select(User.id).where(policy.people_scope(actor, Role.REVIEWER), pending())
        )
    )


def _recently_invited(ids: list[int]) -> set[int]:
    return set(
        db.session.scalars(
            select(AuditEntry.target_id).where(
                AuditEntry.target_type == "user",
                AuditEntry.target_id.in_(ids),
                AuditEntry.action == ACTION,
                AuditEntry.at > utcnow() - RESEND_GAP,
            )
        )
    )


def queue(actor: User | None, user_ids: Iterable[int]) -> tuple[int, int]:
    """Queue an invitation for each of these people who may still be invited and was not
    invited in the last RESEND_GAP; (queued, skipped). The caller checked the scope, and
    commits: nothing leaves before that."""
    ids = list(dict.fromkeys(user_ids))
    queued = 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        recent = _recently_invited(chunk)
        people = db.session.execute(
            select(User.id, User.organisation_id)
            .where(User.id.in_(chunk), pending())
            .order_by(User.id)
        ).all()
        fresh = [(uid, org) for uid, org in people if uid not in recent]
        for uid, org in fresh:
            record(ACTION, "user", uid, actor=actor, organisation_id=org)
        outbox.enqueue_many(TOPIC, [{"user_id": uid} for uid, _org in fresh])
        queued += len(fresh)
    return queued, len(ids) - queued


def deliver(message_id: int, payload: dict) -> None:
    """Outbox handler: the invitation, with a fresh link, unless the person has signed in
    (or left) since it was queued."""
    user = db.session.get(User, payload["user_id"])
    if user is None or user.has_password or not user.is_active_account or user.erased_at:
        return
    send([invitation_message(user)])
