"""Notices: an e-mail to each official when a course is assigned to them or its due date
changes, written to the outbox in the transaction of the change and rendered at delivery.

The message carries ids and the due date only; the recipient's language, name and the
course title are read when the worker delivers it, so a notice is never built from a change
that rolled back, and it speaks the language the person has when it leaves.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from app import outbox
from app.accounts.models import User
from app.accounts.zones import zone_of
from app.catalog import services as catalog
from app.catalog.models import Course
from app.extensions import db
from app.learning.models import AssignmentMember
from app.mail import external_url, render_message, send

TOPIC = "mail.assignment_notice"
_CHUNK = 500
_KIND = {"create": "assigned", "extend": "assigned", "change": "due_changed"}


def on_assignment_changed(assignment, action: str, user_ids=(), **_) -> None:
    """Receiver of `assignment_changed`: one outbox message per person told, skipping those
    who already completed the course or whose account is closed."""
    kind = _KIND.get(action)
    ids = list(user_ids)
    if kind is None or not ids:
        return
    for start in range(0, len(ids), _CHUNK):
        rows = db.session.execute(
            select(AssignmentMember.user_id, AssignmentMember.due_on)
            .join(User, User.id == AssignmentMember.user_id)
            .where(
                AssignmentMember.assignment_id == assignment.id,
                AssignmentMember.user_id.in_(ids[start : start + _CHUNK]),
                AssignmentMember.completed.is_(False),
                User.is_active_account.is_(True),
            )
            .order_by(AssignmentMember.user_id)
        ).all()
        outbox.enqueue_many(
            TOPIC,
            [
                {
                    "kind": kind,
                    "user_id": user_id,
                    "course_id": assignment.course_id,
                    "due_on": due_on.isoformat(),
                }
                for user_id, due_on in rows
            ],
        )


def deliver(message_id: int, payload: dict) -> None:
    """Outbox handler: render the notice in the recipient's language and send it. A person
    or course gone since is nothing to tell."""
    user = db.session.get(User, payload["user_id"])
    course = db.session.get(Course, payload["course_id"])
    if user is None or course is None or not user.is_active_account or user.erased_at:
        return
    kind = payload["kind"]
    send(
        [
            render_message(
                user.email,
                user.locale,
                f"reminders/email/notice_{kind}_subject.txt",
                f"reminders/email/notice_{kind}.txt",
                zone=zone_of(user),
                user=user,
                title=catalog.display_title(course.current_version, user.locale),
                due_on=date.fromisoformat(payload["due_on"]),
                link=external_url("course.show_course", slug=course.slug),
                my_learning=external_url("learning.my_learning"),
            )
        ]
    )
