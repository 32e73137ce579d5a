"""Server-side grading of one response to one question, in the normalised GIFT form.

Each grader returns a fraction between 0 and 1, the way Moodle scores these types: weights
add up, a negative total is floored at 0 per question, numerical answers count within their
tolerance, short answers ignore case. Questions the server cannot grade alone (essays)
return None: they wait for a trainer.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass


class InvalidResponse(ValueError):
    """A response the question cannot have (tampered or malformed); nothing is recorded."""


@dataclass(frozen=True)
class Grade:
    """The score of one response, and the feedback it earns."""

    fraction: float | None
    feedback: str = ""

    @property
    def needs_grading(self) -> bool:
        return self.fraction is None


def _clamp(value: float) -> float:
    return min(1.0, max(0.0, value))


def _indices(response, count: int) -> list[int]:
    """Chosen answer positions, refusing anything that is not a valid position."""
    values = response if isinstance(response, list | tuple | set) else [response]
    chosen = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise InvalidResponse("answer positions must be integers")
        if isinstance(value, str) and not value.strip().isdigit():
            raise InvalidResponse("answer positions must be integers")
        index = int(value)
        if not 0 <= index < count:
            raise InvalidResponse("no such answer")
        if index not in chosen:
            chosen.append(index)
    return chosen


def grade_multichoice(question: dict, response) -> Grade:
    answers = question["answers"]
    chosen = _indices(response, len(answers))
    if question.get("single", 1) and len(chosen) > 1:
        raise InvalidResponse("one answer only")
    if not chosen:
        return Grade(0.0)
    total = sum(answers[i]["fraction"] for i in chosen)
    feedback = "\n".join(answers[i]["feedback"] for i in chosen if answers[i]["feedback"])
    return Grade(_clamp(total), feedback)


def grade_truefalse(question: dict, response) -> Grade:
    if not isinstance(response, bool):
        raise InvalidResponse("true or false expected")
    right = response == bool(question["correctanswer"])
    # GIFT's {T#a#b}: a is shown to whoever chose wrong, b to whoever chose right.
    chosen_feedback = question["feedbacktrue"] if response else question["feedbackfalse"]
    return Grade(1.0 if right else 0.0, chosen_feedback)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


def _wildcard(pattern: str, case_sensitive: bool) -> re.Pattern:
    # "*" in a short answer matches any run of characters, as in Moodle.
    parts = [re.escape(part) for part in pattern.split("*")]
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile("^" + ".*".join(parts) + "$", flags | re.DOTALL)


def grade_shortanswer(question: dict, response) -> Grade:
    if not isinstance(response, str):
        raise InvalidResponse("text expected")
    case_sensitive = bool(question.get("usecase", 0))
    given = " ".join(response.split())
    if not given:
        return Grade(0.0)
    best: dict | None = None
    for answer in question["answers"]:
        text = " ".join(answer["text"].split())
        if "*" in text:
            matched = bool(_wildcard(text, case_sensitive).match(given))
        elif case_sensitive:
            matched = unicodedata.normalize("NFC", text) == unicodedata.normalize("NFC", given)
        else:
            matched = _fold(text) == _fold(given)
        if matched and (best is None or answer["fraction"] > best["fraction"]):
            best = answer
    if best is None:
        return Grade(0.0)
    return Grade(_clamp(best["fraction"]), best.get("feedback", ""))


def parse_number(text) -> float:
    """A number typed by an official: a decimal comma is accepted, nothing else extra."""
    if isinstance(text, bool):
        raise InvalidResponse("a number expected")
    if isinstance(text, int | float):
        value = float(text)
    else:
        cleaned = str(text).strip().replace(",", ".")
        if not re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?", cleaned):
            raise InvalidResponse("a number expected")
        value = float(cleaned)
    if not math.isfinite(value):
        raise InvalidResponse("a number expected")
    return value


def grade_numerical(question: dict, response) -> Grade:
    value = parse_number(response)
    best: dict | None = None
    for answer in question["answers"]:
        if answer["answer"] == "*":
            matched = True
        else:
            tolerance = abs(float(answer.get("tolerance") or 0))
            # A tiny slack so that 3.14 with tolerance 0.01 accepts 3.15 despite binary floats.
            matched = abs(value - float(answer["answer"])) <= tolerance + 1e-9
        if matched and (best is None or answer["fraction"] > best["fraction"]):
            best = answer
    if best is None:
        return Grade(0.0)
    return Grade(_clamp(best["fraction"]), best.get("feedback", ""))


def grade_match(question: dict, response) -> Grade:
    """response maps each subquestion's position to the chosen answer text."""
    if not isinstance(response, dict):
        raise InvalidResponse("one choice per item expected")
    items = [(i, p) for i, p in enumerate(question["pairs"]) if p["subquestion"].strip()]
    if not items:
        return Grade(0.0)
    allowed = {p["answer"] for p in question["pairs"]}
    right = 0
    for index, pair in items:
        chosen = response.get(index, response.get(str(index)))
        if chosen is not None and chosen not in allowed:
            raise InvalidResponse("no such choice")
        right += chosen == pair["answer"]
    return Grade(right / len(items))


def grade_essay(question: dict, response) -> Grade:
    if not isinstance(response, str):
        raise InvalidResponse("text expected")
    return Grade(None)


GRADERS = {
    "multichoice": grade_multichoice,
    "truefalse": grade_truefalse,
    "shortanswer": grade_shortanswer,
    "numerical": grade_numerical,
    "match": grade_match,
    "essay": grade_essay,
}


def grade(question: dict, response) -> Grade:
    """Score a response; raises InvalidResponse for a response the question cannot have."""
    grader = GRADERS.get(question.get("qtype"))
    if grader is None:
        raise InvalidResponse(f"{question.get('qtype')} questions are not answered")
    return grader(question, response)
