"""How a change to a draft is written, and the two ways it is refused.

Every editable row has a revision, bumped by a conditional UPDATE: a form carries the
revision it was filled from, and a save against a newer one is refused with the text saved
meanwhile (`Conflict`), so two people saving the same thing cannot overwrite each other
unseen. Input the draft cannot take is refused with `Invalid`.
"""

from __future__ import annotations

from sqlalchemy import update

from app.clock import utcnow
from app.extensions import db

from .models import Draft, DraftEdition, DraftLesson, DraftModule


class Conflict(Exception):
    """Someone saved the same thing since the form was filled in; `current` is theirs."""

    def __init__(self, current: str, revision: int):
        super().__init__("changed meanwhile")
        self.current = current
        self.revision = revision


class Invalid(ValueError):
    """Input the draft cannot take; the message names what is wrong (translated by the view)."""


def claim(model, row_id, revision: int, current_text: str, **values) -> None:
    """Write values only if the row is still at the revision the form was filled from."""
    key = model.course_id if model is Draft else model.id
    result = db.session.execute(
        update(model)
        .where(key == row_id, model.revision == revision)
        .values(revision=model.revision + 1, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        row = db.session.get(model, row_id)
        db.session.refresh(row)
        raise Conflict(current_text if row is None else _text_of(row), row.revision)


def _text_of(row) -> str:
    if isinstance(row, DraftLesson):
        return row.body_md
    if isinstance(row, DraftModule):
        return row.quiz or ""
    if isinstance(row, DraftEdition):
        return row.final_quiz or ""
    return ""


def touch(draft: Draft) -> None:
    """Mark the draft changed now (an approval given before no longer covers it)."""
    db.session.execute(
        update(Draft).where(Draft.course_id == draft.course_id).values(updated_at=utcnow())
    )
