"""Server-side grading of one response to one question, in the normalised GIFT form.

Each type grades its own responses (app.quizzes.types) and returns a fraction between 0 and
1, the way Moodle scores these types: weights add up, a negative total is floored at 0 per
question, numerical answers count within their tolerance, short answers ignore case.
Questions the server cannot grade alone (essays) return None: they wait for a trainer.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.quizzes.types import Grade, InvalidResponse, parse_number, type_of

__all__ = [
    "Grade",
    "InvalidResponse",
    "Preview",
    "grade",
    "grade_or_blank",
    "parse_number",
    "preview",
]


def grade(question: dict, response) -> Grade:
    """Score a response; raises InvalidResponse for a response the question cannot have."""
    try:
        kind = type_of(question)
    except ValueError:
        raise InvalidResponse(f"{question.get('qtype')} questions are not answered") from None
    return kind.grade(question, response)


def grade_or_blank(question: dict, response) -> Grade:
    """A response's grade as a submission counts it: no answer at all scores 0."""
    if response is None or response == [] or response == {}:
        return Grade(0.0)
    return grade(question, response)


@dataclass(frozen=True)
class Preview:
    """A set of questions answered and graded without recording anything."""

    #: (question, response, grade) in order; grade None for a question nobody answers.
    results: list[tuple[dict, object, Grade | None]]
    #: The sum of the fractions the server could grade, and how many there were (essays,
    #: waiting for a trainer, count in neither).
    score: float
    total: int


def preview(questions: list[dict], responses: dict[int, object]) -> Preview:
    """Grade a whole set of questions, as a submission would, recording nothing (the trainer's
    "try a quiz"). responses maps positions to answers; raises InvalidResponse like grade()."""
    results: list[tuple[dict, object, Grade | None]] = []
    for position, question in enumerate(questions):
        try:
            answerable = type_of(question).answerable
        except ValueError:
            answerable = False
        if answerable:
            response = responses.get(position)
            results.append((question, response, grade_or_blank(question, response)))
        else:
            results.append((question, None, None))
    graded = [g.fraction for _q, _r, g in results if g is not None and g.fraction is not None]
    return Preview(results, sum(graded), len(graded))
