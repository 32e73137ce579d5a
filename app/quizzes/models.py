"""Quiz attempts and their responses. Each attempt keeps a snapshot of the questions as they
were asked, so editing a course later never changes a past result."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, update
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.orm.attributes import set_committed_value

from app.clock import utcnow
from app.extensions import db

FINAL = "final"


class AttemptState(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    NEEDS_GRADING = "needs_grading"

    @property
    def title(self) -> str:
        return str(_STATE_TITLES[self])


_STATE_TITLES = {
    AttemptState.IN_PROGRESS: _l("In progress"),
    AttemptState.SUBMITTED: _l("Submitted"),
    AttemptState.NEEDS_GRADING: _l("Waiting for grading"),
}


class AttemptClosed(Exception):
    """The attempt is not in the state the change needs: submitted already (a double click,
    a second tab), or graded already."""


class QuizAttempt(db.Model):
    """One try at a module quiz or the final exam, within an enrolment."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("enrolment_id", "quiz_key", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The enrolment, by id only: the quiz engine knows no enrolment model (learning adds
    #: the `enrolment` relationship from its side).
    enrolment_id: Mapped[int] = mapped_column(
        ForeignKey("enrolments.id", ondelete="CASCADE"), index=True
    )
    #: "m<module id>" for a module quiz, "final" for the final exam.
    quiz_key: Mapped[str] = mapped_column(String(20))
    number: Mapped[int]
    state: Mapped[str] = mapped_column(String(20), default=AttemptState.IN_PROGRESS.value)
    #: The questions as asked, answers included: server-side only, never sent to the browser.
    questions: Mapped[list] = mapped_column(JSON)
    pass_mark: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When a time limit applies: answers posted after this (plus a short grace) are refused.
    #: The limit times the person's multiplier, moved later by each extension taken.
    deadline: Mapped[datetime | None]
    #: Extensions taken, against the quiz's `extensions` setting.
    extensions_used: Mapped[int] = mapped_column(default=0, server_default="0")
    submitted_at: Mapped[datetime | None]
    #: Percent, 0-100, once graded.
    score: Mapped[float | None]
    #: Answers saved so far ({"position": answer}), so a dropped connection loses nothing.
    draft: Mapped[dict] = mapped_column(JSON, default=dict)

    responses: Mapped[list[QuizResponse]] = relationship(
        back_populates="attempt", order_by="QuizResponse.position", cascade="all, delete-orphan"
    )

    @property
    def state_enum(self) -> AttemptState:
        # Not yet flushed, the column default has not been applied: a new attempt is open.
        return AttemptState(self.state or AttemptState.IN_PROGRESS)

    # The state changes: in progress, then submitted (graded) or waiting for a trainer to
    # grade its essays, then submitted. Nothing goes back.

    def submit(self, score: float | None, at: datetime) -> None:
        """Close the open attempt: graded with a score, or waiting for grading (score None).

        The change is one conditional UPDATE, so of two simultaneous submissions only one
        gets past it; the other raises AttemptClosed and changes nothing. What the UPDATE
        wrote is set on the object without reading the row (and its question snapshot) back.
        """
        if self.state_enum is not AttemptState.IN_PROGRESS:
            raise AttemptClosed(f"a {self.state_enum} attempt cannot be submitted")
        state = AttemptState.NEEDS_GRADING if score is None else AttemptState.SUBMITTED
        values = {"state": state.value, "submitted_at": at, "score": score}
        claimed = db.session.execute(
            update(QuizAttempt)
            .where(QuizAttempt.id == self.id, QuizAttempt.state == AttemptState.IN_PROGRESS)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:
            raise AttemptClosed("submitted meanwhile")
        for name, value in values.items():
            set_committed_value(self, name, value)

    def mark_graded(self, score: float) -> None:
        """Waiting for grading to submitted, once a trainer graded every essay."""
        if self.state_enum is not AttemptState.NEEDS_GRADING:
            raise AttemptClosed(f"a {self.state_enum} attempt is not waiting for grading")
        self.score = score
        self.state = AttemptState.SUBMITTED.value

    @property
    def passed(self) -> bool:
        return self.score is not None and self.score >= self.pass_mark


class QuizResponse(db.Model):
    """The answer given to one question of an attempt, with its grade."""

    __tablename__ = "quiz_responses"
    __table_args__ = (UniqueConstraint("attempt_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    attempt_id: Mapped[int] = mapped_column(
        ForeignKey("quiz_attempts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    response: Mapped[object | None] = mapped_column(JSON)
    #: 0-1; None while an essay waits for a trainer.
    fraction: Mapped[float | None]
    feedback: Mapped[str] = mapped_column(Text, default="")

    attempt: Mapped[QuizAttempt] = relationship(back_populates="responses")
