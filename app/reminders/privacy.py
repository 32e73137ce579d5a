"""Reminders' part of a data-rights request (app/privacy/): which reminders were sent, and
erasure of those records (they exist only to avoid sending twice)."""

from __future__ import annotations

from sqlalchemy import delete, select

from app.accounts.models import User
from app.clock import iso_utc
from app.extensions import db

from .models import ReminderSent


def export(user: User) -> list[dict]:
    rows = db.session.execute(
        select(ReminderSent.kind, ReminderSent.item_id, ReminderSent.sent_on)
        .where(ReminderSent.user_id == user.id)
        .order_by(ReminderSent.sent_on, ReminderSent.id)
    ).all()
    return [{"kind": k, "item": i, "sent_on": iso_utc(d)} for k, i, d in rows]


def erase(user: User) -> dict[str, int]:
    deleted = db.session.execute(delete(ReminderSent).where(ReminderSent.user_id == user.id))
    return {"reminders_deleted": deleted.rowcount}
