"""Taking quizzes: start an attempt, turn posted answers into responses, grade, keep scores.

Services flush; the view commits. Grading happens here, on the server, only. An attempt
belongs to an enrolment known by its id alone: callers pass the id, edition and pass mark.
"""

from __future__ import annotations

import logging
import random
import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import load_only
from sqlalchemy.orm.attributes import set_committed_value

from app import events
from app.clock import utcnow
from app.extensions import db
from app.quizzes import gift
from app.quizzes.grading import InvalidResponse, grade
from app.quizzes.models import FINAL, AttemptClosed, AttemptState, QuizAttempt, QuizResponse
from app.quizzes.types import type_of

log = logging.getLogger("aula.quizzes")

ANSWERABLE = {"multichoice", "truefalse", "shortanswer", "numerical", "match", "essay"}


#: What a quiz does when its package sets nothing (docs/course-format.md, "Quiz settings").
DEFAULTS = {
    "attempts": None,
    "grading": "highest",
    "time_limit_minutes": None,
    "draw": None,
    "draw_by_category": None,
    "shuffle_questions": False,
    "shuffle_answers": False,
    "feedback": "after_attempt",
    "one_per_page": False,
    "late_submission": "grade_saved",
    "extensions": 0,
    "extension_minutes": 10,
}
#: Slack for a slow link between pressing "submit" at the deadline and the post arriving.
GRACE = timedelta(seconds=30)


@dataclass(frozen=True)
class QuizRef:
    """Which quiz of an edition: a module's, or the final exam, with its settings."""

    key: str
    gift_text: str
    #: The catalogue's Module whose quiz this is (None for the final exam): the engine only
    #: hands it back to the pages, which show its title.
    module: Any = None
    settings: dict = field(default_factory=dict)

    def setting(self, name: str):
        return self.settings.get(name, DEFAULTS[name])


def quiz_key(module: Any) -> str:
    """ "m<module id>" for a module's quiz, "final" for the final exam (module None)."""
    return FINAL if module is None else f"m{module.id}"


def quizzes_of(edition: Any) -> list[QuizRef]:
    """Every quiz an enrolment on a catalogue Edition must pass, in course order."""
    refs = [
        QuizRef(quiz_key(m), m.quiz, m, m.quiz_settings or {}) for m in edition.modules if m.quiz
    ]
    if edition.final_quiz:
        refs.append(QuizRef(FINAL, edition.final_quiz, None, edition.final_settings or {}))
    return refs


def questions_for(gift_text: str) -> list[dict]:
    """The questions an attempt shows: categories dropped, descriptions kept (not graded)."""
    return [q for q in gift.parse(gift_text) if q.get("qtype") not in (None, "category")]


def current_attempt(enrolment_id: int, key: str) -> QuizAttempt | None:
    return db.session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.enrolment_id == enrolment_id,
            QuizAttempt.quiz_key == key,
            QuizAttempt.state == AttemptState.IN_PROGRESS,
        )
    )


def attempt_count(enrolment_id: int, key: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(QuizAttempt)
        .where(QuizAttempt.enrolment_id == enrolment_id, QuizAttempt.quiz_key == key)
    )


def attempts(enrolment_id: int, key: str, latest: int | None = None) -> list[QuizAttempt]:
    """Past attempts for the history table (the latest ones when asked): their scores, not
    their question snapshots."""
    found = list(
        db.session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.enrolment_id == enrolment_id, QuizAttempt.quiz_key == key)
            .options(
                load_only(
                    QuizAttempt.id,
                    QuizAttempt.number,
                    QuizAttempt.state,
                    QuizAttempt.score,
                    QuizAttempt.pass_mark,
                )
            )
            .order_by(QuizAttempt.number.desc())
            .limit(latest)
        )
    )
    return found[::-1]


class AttemptLimitReached(Exception):
    """Every attempt the quiz allows has been used."""


def attempts_left(ref: QuizRef, used: int) -> int | None:
    allowed = ref.setting("attempts")
    return None if allowed is None else max(0, allowed - used)


def snapshot(ref: QuizRef, rng: random.Random) -> list[dict]:
    """The questions of a new attempt: drawn, shuffled and frozen as the settings say."""
    questions = questions_for(ref.gift_text)
    draw, by_category = ref.setting("draw"), ref.setting("draw_by_category")
    if by_category:
        groups = gift.questions_by_category(ref.gift_text)
        questions = []
        for category, wanted in by_category.items():
            pool = [q for q in groups.get(category, []) if q["qtype"] in ANSWERABLE]
            questions += rng.sample(pool, min(wanted, len(pool)))
    elif draw:
        answerable = [q for q in questions if q["qtype"] in ANSWERABLE]
        questions = rng.sample(answerable, min(draw, len(answerable)))
    if ref.setting("shuffle_questions"):
        questions = rng.sample(questions, len(questions))
    if ref.setting("shuffle_answers"):
        questions = [
            {**q, "answers": rng.sample(q["answers"], len(q["answers"]))}
            if q["qtype"] == "multichoice"
            else q
            for q in questions
        ]
    return questions


def time_allowed(ref: QuizRef, time_percent: int = 100) -> timedelta | None:
    """The quiz's time limit for a person granted time_percent of it (an accommodation)."""
    minutes = ref.setting("time_limit_minutes")
    return timedelta(minutes=minutes * time_percent / 100) if minutes else None


def start_attempt(
    enrolment_id: int,
    ref: QuizRef,
    pass_mark: int,
    rng: random.Random | None = None,
    time_percent: int = 100,
) -> QuizAttempt:
    """Open an attempt for the enrolment, or return the one already open (a second tab gets
    the same). A timed quiz gives time_percent of its limit: the person's accommodation as
    it stands when the attempt starts."""
    existing = current_attempt(enrolment_id, ref.key)
    if existing is not None:
        return existing
    used = attempt_count(enrolment_id, ref.key)
    if attempts_left(ref, used) == 0:
        raise AttemptLimitReached()
    number = (
        db.session.scalar(
            select(func.max(QuizAttempt.number)).where(
                QuizAttempt.enrolment_id == enrolment_id, QuizAttempt.quiz_key == ref.key
            )
        )
        or 0
    ) + 1
    allowed = time_allowed(ref, time_percent)
    attempt = QuizAttempt(
        enrolment_id=enrolment_id,
        quiz_key=ref.key,
        number=number,
        questions=snapshot(ref, rng or random.SystemRandom()),
        pass_mark=pass_mark,
        deadline=None if allowed is None else utcnow() + allowed,
        extensions_used=0,
    )
    db.session.add(attempt)
    db.session.flush()
    log.info("enrolment %s started attempt %s on %s", enrolment_id, attempt.id, ref.key)
    return attempt


def responses_from_form(questions: list[dict], form, positions=None) -> dict[int, object]:
    """Read each question's answer from a posted form (field q<position>); absent means blank.

    positions limits the reading to the questions shown on that page. Raises
    InvalidResponse for a value no honest form can send.
    """
    for key in form:
        found = re.fullmatch(r"q(\d+)(?:_\d+)?", key)
        if found and (
            int(found.group(1)) >= len(questions)
            or (positions is not None and int(found.group(1)) not in positions)
        ):
            raise InvalidResponse(f"{key} is not a question of this page")
    responses: dict[int, object] = {}
    for position, question in enumerate(questions):
        if positions is not None and position not in positions:
            continue
        kind = type_of(question)
        if kind.answerable:
            responses[position] = kind.read_form(question, form, f"q{position}")
    return responses


def is_blank(value) -> bool:
    return value is None or value == "" or value == [] or value == {}


def unanswered(attempt: QuizAttempt, responses: dict[int, object]) -> list[int]:
    """Positions of the answerable questions left blank by these answers and the saved ones."""
    answers = {**draft_responses(attempt), **responses}
    return [
        position
        for position, question in enumerate(attempt.questions)
        if question["qtype"] in ANSWERABLE and is_blank(answers.get(position))
    ]


def save_draft(attempt: QuizAttempt, responses: dict[int, object], now=None) -> bool:
    """Keep the answers given so far; refused (False) once the attempt is closed or late."""
    if attempt.state != AttemptState.IN_PROGRESS or is_late(attempt, now):
        return False
    draft = dict(attempt.draft or {})
    draft.update({str(p): v for p, v in responses.items()})
    attempt.draft = draft
    db.session.flush()
    return True


def draft_responses(attempt: QuizAttempt) -> dict[int, object]:
    return {int(p): v for p, v in (attempt.draft or {}).items()}


def is_late(attempt: QuizAttempt, now=None) -> bool:
    return attempt.deadline is not None and (now or utcnow()) > attempt.deadline + GRACE


class NoExtensionLeft(Exception):
    """The attempt cannot be given more time: untimed, closed, past its deadline, or every
    extension the quiz allows taken."""


def extensions_left(ref: QuizRef, attempt: QuizAttempt, now=None) -> int:
    """How many more extensions the open, timed attempt may take now."""
    if (
        attempt.deadline is None
        or attempt.state_enum is not AttemptState.IN_PROGRESS
        or is_late(attempt, now)
    ):
        return 0
    return max(ref.setting("extensions") - (attempt.extensions_used or 0), 0)


def extend_attempt(ref: QuizRef, attempt: QuizAttempt, now=None) -> QuizAttempt:
    """Move the deadline `extension_minutes` later, if the quiz allows one more extension.

    One conditional UPDATE, like submitting: two clicks at once take one extension, not two.
    """
    if extensions_left(ref, attempt, now) < 1:
        raise NoExtensionLeft()
    used = attempt.extensions_used or 0
    deadline = attempt.deadline + timedelta(minutes=ref.setting("extension_minutes"))
    claimed = db.session.execute(
        update(QuizAttempt)
        .where(
            QuizAttempt.id == attempt.id,
            QuizAttempt.state == AttemptState.IN_PROGRESS,
            QuizAttempt.extensions_used == used,
        )
        .values(deadline=deadline, extensions_used=used + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise NoExtensionLeft()
    set_committed_value(attempt, "deadline", deadline)
    set_committed_value(attempt, "extensions_used", used + 1)
    log.info("attempt %s extended to %s", attempt.id, deadline)
    return attempt


def submit_attempt(
    attempt: QuizAttempt, responses: dict[int, object], now=None, late_policy: str = "grade_saved"
) -> QuizAttempt:
    """Grade and close an open attempt exactly once.

    The state change is one conditional UPDATE (QuizAttempt.submit), so of two simultaneous
    submissions only one gets past it; the other raises AttemptClosed and records nothing.
    Answers posted after the deadline do not count, but those saved before it always do
    (WCAG 2.2.1: a slow final post must not cost the work done in time), whatever the
    late_submission policy: "refuse" only refuses the late post itself.
    """
    saved = draft_responses(attempt)
    if is_late(attempt, now):
        responses = saved
    else:
        responses = {**saved, **responses}
    graded: list[QuizResponse] = []
    total = count = 0.0
    waiting = False
    for position, question in enumerate(attempt.questions):
        if question["qtype"] not in ANSWERABLE:
            continue
        count += 1
        value = responses.get(position)
        if is_blank(value):
            graded.append(QuizResponse(position=position, response=None, fraction=0.0))
            continue
        result = grade(question, value)
        if result.needs_grading:
            waiting = True
        else:
            total += result.fraction
        graded.append(
            QuizResponse(
                position=position,
                response=value,
                fraction=result.fraction,
                feedback=result.feedback,
            )
        )
    attempt.submit(None if waiting else (100.0 * total / count if count else 100.0), utcnow())
    # Core executemany, not ORM objects: nothing needs the new ids back, and psycopg sends
    # one short prepared statement in a pipeline instead of parsing a 100-parameter one.
    db.session.execute(
        insert(QuizResponse),
        [
            {
                "attempt_id": attempt.id,
                "position": r.position,
                "response": r.response,
                "fraction": r.fraction,
                "feedback": r.feedback,
            }
            for r in graded
        ],
    )
    log.info("attempt %s submitted: %s %s", attempt.id, attempt.state, attempt.score)
    events.attempt_submitted.send(attempt)
    return attempt


def graded_scores(enrolment_ids: list[int]) -> dict[tuple[int, str], list[float]]:
    """The graded scores of these enrolments per quiz key, oldest attempt first (one query)."""
    graded: dict[tuple[int, str], list[float]] = {}
    for enrolment_id, key, score in db.session.execute(
        select(QuizAttempt.enrolment_id, QuizAttempt.quiz_key, QuizAttempt.score)
        .where(QuizAttempt.enrolment_id.in_(enrolment_ids), QuizAttempt.score.is_not(None))
        .order_by(QuizAttempt.enrolment_id, QuizAttempt.quiz_key, QuizAttempt.number)
    ):
        graded.setdefault((enrolment_id, key), []).append(score)
    return graded


def counted_score(scores: list[float], settings: dict) -> float:
    """The score that counts among a quiz's graded attempts (-1 with none): the highest,
    or the last when the quiz's grading setting says so."""
    if not scores:
        return -1
    return scores[-1] if settings.get("grading") == "last" else max(scores)


def quiz_scores(enrolment_id: int, refs: list[QuizRef]) -> dict[str, float]:
    """The enrolment's score that counts per quiz: the highest or the last graded one, per
    its setting."""
    settings = {ref.key: ref.settings for ref in refs}
    return {
        key: counted_score(scores, settings.get(key, {}))
        for (_enrolment, key), scores in graded_scores([enrolment_id]).items()
    }


def essays_to_grade(attempt: QuizAttempt) -> list[tuple[int, dict, QuizResponse]]:
    """(position, question, response) of each answer still waiting for a trainer."""
    return [
        (r.position, attempt.questions[r.position], r)
        for r in attempt.responses
        if r.fraction is None
    ]


def grade_essays(
    attempt: QuizAttempt, grades: dict[int, tuple[float, str]], grader_id: int
) -> QuizAttempt:
    """Record a trainer's grades for the essays of an attempt, then score it as a whole."""
    if attempt.state != AttemptState.NEEDS_GRADING:
        raise AttemptClosed()
    waiting = essays_to_grade(attempt)
    if {p for p, _q, _r in waiting} != set(grades):
        raise InvalidResponse("every waiting answer needs a grade")
    for position, _question, response in waiting:
        fraction, feedback = grades[position]
        if not 0.0 <= fraction <= 1.0:
            raise InvalidResponse("grades go from 0 to 100")
        response.fraction, response.feedback = fraction, feedback
    answerable = [r for r in attempt.responses]
    total = sum(r.fraction or 0.0 for r in answerable)
    attempt.mark_graded(100.0 * total / len(answerable) if answerable else 100.0)
    db.session.flush()
    log.info("attempt %s graded by user %s: %s", attempt.id, grader_id, attempt.score)
    return attempt
