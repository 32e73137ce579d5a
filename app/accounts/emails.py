"""The messages the accounts domain sends: invitations and password resets."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from app.accounts import services, zones
from app.accounts.models import User
from app.extensions import db
from app.mail import Message, external_url, render_message, send

_CHUNK = 500


def _link_message(user: User, purpose: str, endpoint: str, template: str) -> Message:
    token = services.make_token(user, purpose)
    return render_message(
        user.email,
        user.locale,
        f"accounts/email/{template}_subject.txt",
        f"accounts/email/{template}.txt",
        zone=zones.zone_of(user),
        user=user,
        link=external_url(endpoint, token=token),
    )


def invitation_message(user: User) -> Message:
    return _link_message(user, services.INVITE, "accounts.accept_invitation", "invite")


def reset_message(user: User) -> Message:
    return _link_message(user, services.RESET, "accounts.reset_password", "reset")


def send_invitations(user_ids: Iterable[int]) -> int:
    """Invite these users, loading them a chunk at a time; returns how many were sent."""
    ids = list(user_ids)
    sent = 0
    for start in range(0, len(ids), _CHUNK):
        users = db.session.scalars(select(User).where(User.id.in_(ids[start : start + _CHUNK])))
        messages = [invitation_message(u) for u in users]
        send(messages)
        sent += len(messages)
    return sent
