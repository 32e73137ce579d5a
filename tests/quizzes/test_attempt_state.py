"""The attempt's state changes: in progress to submitted (graded) or waiting for grading,
waiting to submitted once graded; nothing goes back, and a second submission is refused."""

from datetime import datetime

import pytest

from app.accounts.models import User
from app.catalog.models import Course
from app.extensions import db
from app.learning import services as learning
from app.quizzes import services
from app.quizzes.models import AttemptClosed, AttemptState, QuizAttempt

AT = datetime(2026, 3, 1, 12, 0)


@pytest.fixture
def attempt(app, world, tiny) -> QuizAttempt:
    """An open attempt at the tiny course's first quiz, saved."""
    user = db.session.get(User, world.official_cdmx)
    enrolment = learning.enrol(user, db.session.get(Course, tiny.course.id), "es")
    ref = services.quizzes_of(enrolment.edition)[0]
    opened = services.start_attempt(enrolment.id, ref, 70)
    db.session.commit()
    return opened


def test_submit_with_a_score_grades_the_attempt(attempt):
    attempt.submit(80.0, AT)
    assert (attempt.state, attempt.score, attempt.submitted_at) == ("submitted", 80.0, AT)
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get(QuizAttempt, attempt.id)
    assert (stored.state_enum, stored.score) == (AttemptState.SUBMITTED, 80.0)


def test_submit_without_a_score_waits_for_grading_then_is_graded(attempt):
    attempt.submit(None, AT)
    assert attempt.state == "needs_grading"
    assert attempt.score is None
    attempt.mark_graded(55.0)
    assert (attempt.state, attempt.score) == ("submitted", 55.0)


def test_a_second_submission_is_refused(attempt):
    attempt.submit(80.0, AT)
    with pytest.raises(AttemptClosed):
        attempt.submit(10.0, AT)
    assert attempt.score == 80.0


def test_a_submission_made_meanwhile_elsewhere_wins(attempt):
    """The object still says in progress; the row says submitted: the UPDATE finds no row."""
    db.session.execute(
        QuizAttempt.__table__.update()
        .where(QuizAttempt.id == attempt.id)
        .values(state=AttemptState.SUBMITTED.value, score=90.0)
    )
    with pytest.raises(AttemptClosed, match="meanwhile"):
        attempt.submit(10.0, AT)


@pytest.mark.parametrize("state", [AttemptState.IN_PROGRESS, AttemptState.SUBMITTED])
def test_only_an_attempt_waiting_for_grading_is_graded(state):
    attempt = QuizAttempt(state=state.value, score=None)
    with pytest.raises(AttemptClosed, match="not waiting for grading"):
        attempt.mark_graded(50.0)
    assert attempt.state == state.value
    assert attempt.score is None


def test_an_attempt_waiting_for_grading_cannot_be_submitted_again():
    attempt = QuizAttempt(state=AttemptState.NEEDS_GRADING.value)
    with pytest.raises(AttemptClosed, match="cannot be submitted"):
        attempt.submit(50.0, AT)
