"""What reminders were sent, so a second run in the same week sends nothing twice."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class ReminderSent(db.Model):
    __tablename__ = "reminders_sent"
    __table_args__ = (Index("ix_reminders_sent_item", "user_id", "kind", "item_id", "sent_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: "assignment" (item: course id), "expiry" (item: certificate id), "summary" (item: 0)
    kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int]
    sent_on: Mapped[date]
