"""More time on timed quizzes for a person who needs it (WCAG 2.2.1 Timing Adjustable): a
reviewer grants a multiple of every time limit, and each attempt started afterwards gets it.
Attempts already open keep their deadline."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.accounts.models import User
from app.audit.models import record

ACTION = "account.quiz_time"
#: The multiples offered, in percent of a quiz's time limit.
TIME_PERCENTS = {
    100: _l("Standard time"),
    125: _l("1.25 × the time limit"),
    150: _l("1.5 × the time limit"),
    200: _l("2 × the time limit"),
    300: _l("3 × the time limit"),
}


def set_quiz_time(person: User, percent: int, actor: User) -> bool:
    """Grant (or take back, with 100) more time on timed quizzes; False when unchanged.
    The audit entry lands with the change, in the person's organisation."""
    if percent not in TIME_PERCENTS:
        raise ValueError(f"{percent} is not an offered time multiple")
    before = person.quiz_time_percent or 100
    if before == percent:
        return False
    person.quiz_time_percent = percent
    record(
        ACTION,
        "user",
        person.id,
        actor=actor,
        organisation_id=person.organisation_id,
        before=before,
        after=percent,
    )
    return True
