"""Quizzes' part of a data-rights request (app/privacy/): attempts with the answers given,
and erasure of the free text people typed. The engine knows attempts by enrolment id only:
the caller says which enrolments are the person's."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select, update

from app.clock import iso_utc
from app.extensions import db
from app.quizzes.models import QuizAttempt, QuizResponse
from app.quizzes.types import type_of


def _answer(question: dict, response: Any) -> Any:
    """The answer as the person gave it, as its question type shows it (never the key)."""
    try:
        kind = type_of(question)
    except ValueError:  # a snapshot of a type since retired: as stored
        return response
    return kind.export_answer(question, response)


def export(enrolment_ids: Select) -> list[dict]:
    """Every attempt of these enrolments, oldest first, with each question and answer."""
    attempts = db.session.scalars(
        select(QuizAttempt)
        .where(QuizAttempt.enrolment_id.in_(enrolment_ids))
        .order_by(QuizAttempt.started_at, QuizAttempt.id)
    ).all()
    responses: dict[int, dict[int, QuizResponse]] = {}
    for response in db.session.scalars(
        select(QuizResponse).where(
            QuizResponse.attempt_id.in_(
                select(QuizAttempt.id).where(QuizAttempt.enrolment_id.in_(enrolment_ids))
            )
        )
    ):
        responses.setdefault(response.attempt_id, {})[response.position] = response
    out = []
    for attempt in attempts:
        given = responses.get(attempt.id, {})
        questions = []
        for position, question in enumerate(attempt.questions or []):
            response = given.get(position)
            raw = response.response if response else attempt.draft.get(str(position))
            questions.append(
                {
                    "position": position,
                    "type": question.get("qtype"),
                    "question": question.get("questiontext", ""),
                    "your_answer": _answer(question, raw),
                    "score_fraction": response.fraction if response else None,
                    "feedback": response.feedback if response else "",
                }
            )
        out.append(
            {
                "id": attempt.id,
                "enrolment_id": attempt.enrolment_id,
                "quiz": attempt.quiz_key,
                "number": attempt.number,
                "state": attempt.state,
                "started_at": iso_utc(attempt.started_at),
                "submitted_at": iso_utc(attempt.submitted_at),
                "score_percent": attempt.score,
                "pass_mark_percent": attempt.pass_mark,
                "passed": attempt.passed,
                "questions": questions,
            }
        )
    return out


def erase(enrolment_ids: Select) -> dict[str, int]:
    """Blank the text of written answers (and the feedback on them); grades stay."""
    attempts = db.session.execute(
        select(QuizAttempt.id, QuizAttempt.questions).where(
            QuizAttempt.enrolment_id.in_(enrolment_ids)
        )
    ).all()
    essays = {
        (attempt_id, position)
        for attempt_id, questions in attempts
        for position, q in enumerate(questions or [])
        if q.get("qtype") == "essay"
    }
    emptied = 0
    if essays:
        for response in db.session.scalars(
            select(QuizResponse).where(QuizResponse.attempt_id.in_({a for a, _p in essays}))
        ):
            if (response.attempt_id, response.position) in essays:
                response.response, response.feedback = "", ""
                emptied += 1
    # Answers saved while an attempt was open may hold written text too.
    db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.enrolment_id.in_(enrolment_ids))
        .values(draft={})
        .execution_options(synchronize_session=False)
    )
    return {"essays_emptied": emptied}
