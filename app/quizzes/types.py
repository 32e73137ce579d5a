"""Question types: one class per type, holding everything that differs from one type to the next.

A type knows how GIFT's answer block reads into its fields (`read`, called by the parser once
the generic part is parsed) and how it is written back (`write`, `fractions`), how an
official's answer is read from the quiz form (`read_form`) and graded (`grade`), how answers
are counted in the item analysis (`chosen`) and shown in plain text (`describe_answer`) or in
the data download (`export_answer`), which template fragment renders its form field, and
how a trainer's per-question form maps to its fields and back (`fields_from_form`,
`fields_to_form`, `form_fields`; the generic part, title and text, stays in authoring).

Questions are dicts in the normalised GIFT form (tests/conformance/gift/README.md). Multiple
choice and multiple answers share GIFT's qtype "multichoice" and tell themselves apart by
`single`; `type_of()` picks the class. Adding a type means adding a class to `TYPES`.

Standard library and flask_babel's lazy_gettext only (the parser uses this module: the
authoring form's messages are marked for translation but translated only when shown), and
nothing of the app above app.quizzes.gift_syntax, so the parser, the writer, grading and
analysis can all import it.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l

from app.quizzes import gift_syntax as syntax
from app.quizzes.gift_syntax import WS, moodle_grade, percent_text

__all__ = [
    "AUTHORABLE",
    "TYPES",
    "Grade",
    "InvalidResponse",
    "QuestionType",
    "parse_number",
    "type_of",
]


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


def _single(form, name: str) -> str | None:
    """The one value of a field; a field sent twice is not something our forms do."""
    values = form.getlist(name)
    if len(values) > 1:
        raise InvalidResponse(f"{name} sent more than once")
    return values[0] if values else None


def _typed_text(form, name: str) -> str | None:
    value = _single(form, name) or ""
    if len(value) > 20_000:
        raise InvalidResponse("answer too long")
    return value.strip() or None


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


def _percent(row: dict, default: float) -> float:
    """A form row's credit as a percentage; blank is the type's default."""
    value = row.get("percent")
    return default if value is None or value == "" else float(value)


def _credit(fraction: float) -> str:
    """The form's credit for a fraction: Moodle's grade nearest to it (the form offers only
    Moodle's grades; Moodle itself would refuse or round another)."""
    return percent_text(moodle_grade(fraction)[1])


def _number(value) -> str:
    return value if isinstance(value, str) else f"{value:g}"


def _feedback(row: dict) -> str:
    return (row.get("feedback") or "").strip()


def _form_answer(text: str, fraction: float, feedback: str) -> dict:
    return {
        "text": text,
        "format": "moodle",
        "fraction": fraction,
        "feedback": feedback,
        "feedbackformat": "moodle",
    }


class QuestionType:
    """The behaviour one type of question has; the defaults suit a type with no answer."""

    #: The key in TYPES.
    key: str = ""
    #: The normalised question's "qtype", as GIFT names it.
    qtype: str = ""
    #: Whether an official answers it (and a quiz counts it).
    answerable: bool = True
    #: The template whose `field(question, name, saved)` macro renders the official's form
    #: field for this type (app/quizzes/templates/; learning's quiz page and authoring's
    #: "try a quiz" both call it through the `question_fragment` filter).
    fragment: str = ""
    #: Its name in the authoring form's type menu.
    label: Any = ""
    #: Whether the authoring form offers it (multiple answers is written through multiple
    #: choice's form, whose credits decide `single`).
    authorable: bool = True
    #: The authoring form's fields it uses besides the generic ones (title, text, general
    #: feedback), and those of each answer row (none: the form shows no rows).
    form_fields: tuple[str, ...] = ()
    answer_fields: tuple[str, ...] = ()
    #: What the form says about its answer rows, if it has any.
    form_hint: Any = ""

    # GIFT ---------------------------------------------------------------------------------

    def read(self, reader, answers: str, offset: int, qformat: str, opening: int) -> dict:
        """The type's fields from the text inside the answer block (the general feedback
        already cut off). `reader` is the parser's reader of this question: it locates
        errors (`reader.error`) and lends GIFT's reading helpers."""
        return {}

    def write(self, question: dict[str, Any], qformat: str) -> str | None:
        """What goes between the answer block's braces; None for no block at all."""
        return ""

    def fractions(self, question: dict[str, Any]) -> list[float]:
        """The grades its answers carry, as Moodle checks them on import."""
        return []

    # Taking and grading -------------------------------------------------------------------

    def read_form(self, question: dict[str, Any], form, name: str) -> Any:
        """The official's answer from a posted form (fields named after `name`); None when
        blank. Raises InvalidResponse for a value no honest form can send."""
        return None

    def grade(self, question: dict[str, Any], response) -> Grade:
        """Score a response; raises InvalidResponse for a response the question cannot have."""
        raise InvalidResponse(f"{self.qtype} questions are not answered")

    # Showing answers ----------------------------------------------------------------------

    def chosen(self, question: dict[str, Any], response) -> list[str]:
        """What the official answered, as texts to count in the item analysis."""
        return []

    def describe_answer(self, question: dict[str, Any], response) -> str:
        """The answer in plain text, for a person to read; "" when there is none."""
        return "" if response is None else str(response)

    def export_answer(self, question: dict[str, Any], response) -> Any:
        """The answer as the data download shows it: as given, never the answer key."""
        return response

    # Authoring form -----------------------------------------------------------------------

    def fields_from_form(self, data: dict, rows: list[dict]) -> tuple[dict, dict[str, Any]]:
        """The type's fields from a trainer's form values (`rows`: the answer rows that have
        text), and what is wrong by form field name, as messages marked for translation."""
        return {}, {}

    def fields_to_form(self, question: dict[str, Any]) -> dict:
        """The form values of the type's fields, the inverse of `fields_from_form`."""
        return {}


class MultipleChoice(QuestionType):
    """One answer among several ({=right ~wrong}): a radio button each."""

    key = qtype = "multichoice"
    fragment = "quizzes/questions/multichoice.html"
    label = _l("Multiple choice")
    answer_fields = ("text", "percent", "feedback")
    form_hint = _l(
        "Give the right answer a credit of 100, or several answers partial credits adding up "
        "to 100; a negative credit takes marks away. Leave the rows you do not need empty."
    )

    def read(self, reader, answers: str, offset: int, qformat: str, opening: int) -> dict:
        pieces = reader.split(answers, offset, "~=", keep="=")
        if len(pieces) < 2:
            message = "a multiple-choice question needs at least two answers (~wrong, =right)"
            raise reader.error(message, opening, "importminerror")
        result = []
        for piece, position in pieces:
            answer = piece.strip(WS)
            if answer.startswith("="):
                # Moodle reads no %weight% after "=": it stays in the text.
                fraction, answer = 1.0, answer[1:]
            else:
                weight, answer = reader.weight(answer, position + reader.lead(piece))
                fraction = 0.0 if weight is None else weight
            (text, fmt), (feedback, feedbackformat) = reader.comment(answer, qformat)
            result.append(
                {
                    "text": text,
                    "format": fmt,
                    "fraction": fraction,
                    "feedback": feedback,
                    "feedbackformat": feedbackformat,
                }
            )
        return {"single": 1 if "=" in answers else 0, "answers": result}

    def write(self, question: dict[str, Any], qformat: str) -> str:
        answers = syntax.items(question, "answers", 2, "a multiple-choice question")
        fractions = [syntax.number(answer.get("fraction"), "fraction") for answer in answers]
        full = [fraction == 1 for fraction in fractions]
        single = question.get("single", 1 if any(full) else 0)
        # GIFT marks a one-answer question by its "=" answers, which always give full marks.
        if single and not any(full):
            raise ValueError("a single-answer multiple choice needs an answer with fraction 1")
        equals = [bool(single) and is_full for is_full in full]
        if all(equals):
            # Without any "~" the block would read as short answer; ~%100% keeps the meaning.
            equals[-1] = False
        written = []
        for answer, fraction, is_equals in zip(answers, fractions, equals, strict=True):
            text = syntax.clean(answer.get("text"), "answer text")
            tag = syntax.format_tag(text, answer.get("format") or qformat, qformat)
            if is_equals:
                mark = "="  # the parser reads no weight after "=", so the text needs no care
            elif fraction != 0 or syntax.looks_weighted(text, tag):
                mark = "~" + syntax.weight(fraction)
            else:
                mark = "~"
            feedback = syntax.feedback(answer, "feedback", qformat)
            written.append(mark + tag + syntax.escape(text) + feedback)
        return " ".join(written)

    def fractions(self, question: dict[str, Any]) -> list[float]:
        return [answer.get("fraction") for answer in question.get("answers") or []]

    def read_form(self, question: dict[str, Any], form, name: str) -> Any:
        values = form.getlist(name)
        if len(values) > 1:
            raise InvalidResponse("one answer only")
        if values and not values[0].isdigit():
            raise InvalidResponse("answer positions must be integers")
        return int(values[0]) if values else None

    def grade(self, question: dict[str, Any], response) -> Grade:
        answers = question["answers"]
        chosen = _positions(response, len(answers))
        if question.get("single", 1) and len(chosen) > 1:
            raise InvalidResponse("one answer only")
        if not chosen:
            return Grade(0.0)
        total = sum(answers[i]["fraction"] for i in chosen)
        feedback = "\n".join(answers[i]["feedback"] for i in chosen if answers[i]["feedback"])
        return Grade(_clamp(total), feedback)

    def chosen(self, question: dict[str, Any], response) -> list[str]:
        if response is None:
            return []
        positions = response if isinstance(response, list) else [response]
        answers = question["answers"]
        return [answers[i]["text"] for i in positions if 0 <= i < len(answers)]

    def describe_answer(self, question: dict[str, Any], response) -> str:
        return "; ".join(self.export_answer(question, response) or [])

    def export_answer(self, question: dict[str, Any], response) -> Any:
        # Chosen options by their text: positions mean nothing outside the attempt.
        if response is None:
            return None
        texts = [a.get("text", "") for a in question.get("answers", [])]
        chosen = response if isinstance(response, list) else [response]
        return [texts[i] for i in chosen if isinstance(i, int) and 0 <= i < len(texts)]

    def fields_from_form(self, data: dict, rows: list[dict]) -> tuple[dict, dict[str, Any]]:
        errors: dict[str, Any] = {}
        if len(rows) < 2:
            errors["answers"] = _l("Give at least two answers.")
        weights = [_percent(r, 0.0) for r in rows]
        full = [w for w in weights if w == 100]
        # One answer at 100 and none above 0: one answer (radio buttons); else several.
        single = len(full) == 1 and all(w <= 0 for w in weights if w != 100)
        if not single and not errors and abs(sum(w for w in weights if w > 0) - 100) > 0.01:
            errors["answers"] = _l(
                "Give the right answer a credit of 100, or several answers positive credits "
                "adding up to 100."
            )
        answers = [
            _form_answer(r["text"].strip(), w / 100, _feedback(r))
            for r, w in zip(rows, weights, strict=True)
        ]
        return {"single": 1 if single else 0, "answers": answers}, errors

    def fields_to_form(self, question: dict[str, Any]) -> dict:
        return {
            "answers": [
                {"text": a["text"], "percent": _credit(a["fraction"]), "feedback": a["feedback"]}
                for a in question["answers"]
            ],
        }


class MultipleAnswers(MultipleChoice):
    """Several answers may be right ({~%50%a ~%50%b ~%-100%c}): a checkbox each, weights
    adding up. GIFT's "multichoice" with `single` 0."""

    key = "multiresponse"
    fragment = "quizzes/questions/multiresponse.html"
    label = _l("Multiple answers")
    authorable = False

    def read_form(self, question: dict[str, Any], form, name: str) -> Any:
        values = form.getlist(name)
        if not all(v.isdigit() for v in values):
            raise InvalidResponse("answer positions must be integers")
        return sorted({int(v) for v in values})


def _positions(response, count: int) -> list[int]:
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


class TrueFalse(QuestionType):
    """A statement, true or false ({T}, {FALSE#wrong#right})."""

    key = qtype = "truefalse"
    fragment = "quizzes/questions/truefalse.html"
    label = _l("True or false")
    form_fields = ("correct", "feedback_right", "feedback_wrong")

    def read(self, reader, answers: str, offset: int, qformat: str, opening: int) -> dict:
        bits = answers.split("#", 2)
        answer = reader.restore(bits[0]).strip(WS)
        # {TRUE#a#b}: a is the feedback for the wrong choice, b for the right one.
        wrong = reader.with_format(bits[1].strip(WS), qformat) if len(bits) > 1 else ("", qformat)
        right = reader.with_format(bits[2].strip(WS), qformat) if len(bits) > 2 else ("", qformat)
        correct = answer in ("T", "TRUE")
        true, false = (right, wrong) if correct else (wrong, right)
        return {
            "correctanswer": correct,
            "feedbacktrue": true[0],
            "feedbackfalse": false[0],
            # Not in Moodle's flat form, but a feedback's [html] must not be lost.
            "feedbacktrueformat": true[1],
            "feedbackfalseformat": false[1],
            "penalty": 1,
        }

    def write(self, question: dict[str, Any], qformat: str) -> str:
        correct = question.get("correctanswer")
        if not isinstance(correct, bool):
            raise ValueError(f"correctanswer must be True or False, not {correct!r}")
        if question.get("penalty", 1) != 1:
            raise ValueError("GIFT true/false questions always have penalty 1")
        true = syntax.feedback(question, "feedbacktrue", qformat)
        false = syntax.feedback(question, "feedbackfalse", qformat)
        # {TRUE#a#b}: a is shown for the wrong choice, b for the right one.
        wrong, right = (false, true) if correct else (true, false)
        word = "TRUE" if correct else "FALSE"
        if right:
            return word + (wrong or "#") + right
        return word + wrong

    def read_form(self, question: dict[str, Any], form, name: str) -> Any:
        value = _single(form, name)
        if value not in (None, "true", "false"):
            raise InvalidResponse("true or false expected")
        return None if value is None else value == "true"

    def grade(self, question: dict[str, Any], response) -> Grade:
        if not isinstance(response, bool):
            raise InvalidResponse("true or false expected")
        right = response == bool(question["correctanswer"])
        # GIFT's {T#a#b}: a is shown to whoever chose wrong, b to whoever chose right.
        chosen_feedback = question["feedbacktrue"] if response else question["feedbackfalse"]
        return Grade(1.0 if right else 0.0, chosen_feedback)

    def chosen(self, question: dict[str, Any], response) -> list[str]:
        return [] if response is None else ["true" if response else "false"]

    def describe_answer(self, question: dict[str, Any], response) -> str:
        return " ".join(self.chosen(question, response))

    def fields_from_form(self, data: dict, rows: list[dict]) -> tuple[dict, dict[str, Any]]:
        right = (data.get("feedback_right") or "").strip()
        wrong = (data.get("feedback_wrong") or "").strip()
        correct = data.get("correct") == "true"
        fields = {
            "correctanswer": correct,
            "feedbacktrue": right if correct else wrong,
            "feedbackfalse": wrong if correct else right,
            "feedbacktrueformat": "moodle",
            "feedbackfalseformat": "moodle",
            "penalty": 1,
        }
        return fields, {}

    def fields_to_form(self, question: dict[str, Any]) -> dict:
        correct = bool(question.get("correctanswer"))
        true, false = question["feedbacktrue"], question["feedbackfalse"]
        return {
            "correct": "true" if correct else "false",
            "feedback_right": true if correct else false,
            "feedback_wrong": false if correct else true,
        }


def _fold(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(text.split())).casefold()


def _wildcard(pattern: str, case_sensitive: bool) -> re.Pattern:
    # "*" in a short answer matches any run of characters, as in Moodle.
    parts = [re.escape(part) for part in pattern.split("*")]
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile("^" + ".*".join(parts) + "$", flags | re.DOTALL)


class _Typed(QuestionType):
    """A type answered by typing into one field."""

    def read_form(self, question: dict[str, Any], form, name: str) -> Any:
        return _typed_text(form, name)

    def chosen(self, question: dict[str, Any], response) -> list[str]:
        return [] if response is None else [str(response)[:80]]


class ShortAnswer(_Typed):
    """A word or phrase typed in ({=Paris =paris}), case ignored, "*" as a wildcard."""

    key = qtype = "shortanswer"
    fragment = "quizzes/questions/shortanswer.html"
    label = _l("Short answer")
    answer_fields = ("text", "percent", "feedback")
    form_hint = _l(
        "One accepted answer on each row, capitals ignored; * stands for any characters. "
        "Leave the credit empty for full marks."
    )

    def read(self, reader, answers: str, offset: int, qformat: str, opening: int) -> dict:
        pieces = reader.split(answers, offset, "=")
        if not pieces:
            message = "a short-answer question needs at least one answer"
            raise reader.error(message, opening, "importminerror")
        result = []
        for piece, position in pieces:
            weight, answer = reader.weight(piece.strip(WS), position + reader.lead(piece))
            (text, _fmt), (feedback, feedbackformat) = reader.comment(answer, qformat)
            result.append(
                {
                    "text": text,
                    "fraction": 1.0 if weight is None else weight,
                    "feedback": feedback,
                    "feedbackformat": feedbackformat,
                }
            )
        return {"answers": result}

    def write(self, question: dict[str, Any], qformat: str) -> str:
        answers = syntax.items(question, "answers", 1, "a short-answer question")
        if question.get("usecase"):
            raise ValueError("GIFT cannot mark a short answer as case sensitive")
        written = []
        for answer in answers:
            fraction = syntax.number(answer.get("fraction"), "fraction")
            text = syntax.clean(answer.get("text"), "answer text")
            # Short answers keep no format: a tag is written only to protect a tag-like start.
            tag = syntax.format_tag(text, qformat, qformat)
            weighted = fraction != 1 or syntax.looks_weighted(text, tag)
            weight = syntax.weight(fraction) if weighted else ""
            feedback = syntax.feedback(answer, "feedback", qformat)
            written.append((weight, tag + syntax.escape(text) + feedback))
        if any("->" in rest for _weight_text, rest in written):
            # "=" with "->" reads as matching. One answer can do without "=": its explicit
            # weight keeps it from reading as TRUE/FALSE; several cannot.
            if len(written) > 1:
                raise ValueError("short answers with several answers cannot contain '->' in GIFT")
            fraction = syntax.number(answers[0].get("fraction"), "fraction")
            return syntax.weight(fraction) + written[0][1]
        return " ".join(f"={weight}{rest}" for weight, rest in written)

    def fractions(self, question: dict[str, Any]) -> list[float]:
        return [answer.get("fraction") for answer in question.get("answers") or []]

    def grade(self, question: dict[str, Any], response) -> Grade:
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

    def fields_from_form(self, data: dict, rows: list[dict]) -> tuple[dict, dict[str, Any]]:
        errors: dict[str, Any] = {}
        if not rows:
            errors["answers"] = _l("Give at least one accepted answer.")
        weights = [_percent(r, 100.0) for r in rows]
        if rows and max(weights) <= 0:
            errors["answers"] = _l("At least one answer must give credit.")
        answers = [
            _form_answer(r["text"].strip(), w / 100, _feedback(r))
            for r, w in zip(rows, weights, strict=True)
        ]
        return {"answers": answers}, errors

    def fields_to_form(self, question: dict[str, Any]) -> dict:
        return {
            "answers": [
                {"text": a["text"], "percent": _credit(a["fraction"]), "feedback": a["feedback"]}
                for a in question["answers"]
            ]
        }


class Numerical(_Typed):
    """A number, within a tolerance ({#3.14:0.01}, {#1..2}, {#=1822 =%50%1822:2 ~#No})."""

    key = qtype = "numerical"
    fragment = "quizzes/questions/numerical.html"
    label = _l("Number")
    answer_fields = ("text", "tolerance", "percent", "feedback")
    form_hint = _l(
        "One accepted number on each row, with how far from it an answer may be (tolerance). "
        "Leave the credit empty for full marks."
    )

    def read(self, reader, answers: str, offset: int, qformat: str, opening: int) -> dict:
        answers, offset = answers[1:], offset + 1
        tilde = answers.find("~")
        # "~#feedback" after the answers is the feedback for any other value.
        otherwise = answers[tilde:] if tilde != -1 else ""
        if tilde != -1:
            answers = answers[:tilde]
        pieces = reader.split(answers, offset, "=")
        if not pieces:
            message = (
                "a numerical question needs an answer: expected {#n}, {#n:tolerance} or {#min..max}"
            )
            raise reader.error(message, opening, "giftnonumericalanswers")
        result = []
        for piece, position in pieces:
            position += reader.lead(piece)
            weight, answer = reader.weight(piece.strip(WS), position)
            (text, _fmt), (feedback, feedbackformat) = reader.comment(answer, qformat)
            value, tolerance = self._number_and_tolerance(reader, text, position)
            result.append(
                {
                    "answer": value,
                    "tolerance": tolerance,
                    "fraction": 1.0 if weight is None else weight,
                    "feedback": feedback,
                    "feedbackformat": feedbackformat,
                }
            )
        if otherwise:
            _unused, (feedback, feedbackformat) = reader.comment(otherwise, qformat)
            result.append(
                {
                    "answer": "*",
                    "tolerance": None,
                    "fraction": 0.0,
                    "feedback": feedback,
                    "feedbackformat": feedbackformat,
                }
            )
        return {"answers": result}

    @staticmethod
    def _number_and_tolerance(reader, text: str, position: int) -> tuple[float | str, float]:
        """`n`, `n:tolerance`, `min..max` (midpoint and half-width) or `*` (any value)."""
        expected = "expected a number, 'n:tolerance', 'min..max' or '*'"
        dots = text.find("..")
        colon = text.find(":")
        if dots > 0:
            low, high = reader.number(text[:dots]), reader.number(text[dots + 2 :])
            middle = None if low is None or high is None else (low + high) / 2
            if middle is None or not math.isfinite(middle) or not math.isfinite(high - middle):
                raise reader.error(
                    f"'{reader.shown(text)}' is not a numerical range: {expected}",
                    position,
                    "numericalformat",
                )
            return middle, high - middle
        if colon > 0:
            answer, tolerance_text = text[:colon].strip(WS), text[colon + 1 :].strip(WS)
            tolerance = reader.number(tolerance_text)
            if tolerance is None:
                shown = reader.shown(tolerance_text)
                message = f"tolerance '{shown}' is not a number: {expected}"
                raise reader.error(message, position, "errornotnumbers")
        else:
            answer, tolerance = text.strip(WS), 0.0
        if answer == "*":
            return "*", tolerance
        value = reader.number(answer)
        if value is None:
            # Moodle would import this as "*" (any value, full marks); see docs/gift.md.
            raise reader.error(
                f"numerical answer '{reader.shown(answer)}' is not a number: {expected}",
                position,
                "numericalformat",
            )
        return value, tolerance

    def write(self, question: dict[str, Any], qformat: str) -> str:
        answers = list(question.get("answers") or [])
        otherwise = None
        # The parser's answer "*" with tolerance None is GIFT's "~#feedback", always last.
        if answers and answers[-1].get("tolerance") is None and answers[-1].get("answer") == "*":
            otherwise = answers.pop()
            if syntax.number(otherwise.get("fraction"), "fraction") != 0:
                raise ValueError("the '*' answer without tolerance (~#feedback) has fraction 0")
        if not answers:
            raise ValueError("a numerical question needs at least one answer")
        written = []
        for answer in answers:
            value = answer.get("answer")
            number = "*" if value == "*" else syntax.number_text(value, "numerical answer")
            tolerance = syntax.number(answer.get("tolerance"), "tolerance")
            if tolerance != 0:
                number += ":" + syntax.number_text(tolerance, "tolerance")
            fraction = syntax.number(answer.get("fraction"), "fraction")
            weight = syntax.weight(fraction) if fraction != 1 else ""
            written.append(weight + number + syntax.feedback(answer, "feedback", qformat))
        # Moodle drops a first answer that PHP's empty() calls empty, and "0" is one: {#0}
        # would leave no answer (giftnonumericalanswers) and lose the whole file. "=" first
        # keeps it, and both parsers read {#=0} as {#0}.
        if len(written) > 1 or written[0] == "0":
            written = ["=" + item for item in written]
        if otherwise is not None:
            written.append("~" + syntax.feedback(otherwise, "feedback", qformat))
        return "#" + " ".join(written)

    def fractions(self, question: dict[str, Any]) -> list[float]:
        return [answer.get("fraction") for answer in question.get("answers") or []]

    def grade(self, question: dict[str, Any], response) -> Grade:
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

    def fields_from_form(self, data: dict, rows: list[dict]) -> tuple[dict, dict[str, Any]]:
        errors: dict[str, Any] = {}
        answers = []
        for index, row in enumerate(rows, start=1):
            try:
                value = parse_number(row["text"])
                tolerance = parse_number(row.get("tolerance") or "0")
            except ValueError:
                errors["answers"] = _l("Answer %(n)s: write numbers, such as 3.14.", n=index)
                break
            answers.append(
                {
                    "answer": value,
                    "tolerance": abs(tolerance),
                    "fraction": _percent(row, 100.0) / 100,
                    "feedback": _feedback(row),
                    "feedbackformat": "moodle",
                }
            )
        if not rows:
            errors["answers"] = _l("Give at least one accepted answer.")
        return {"answers": answers}, errors

    def fields_to_form(self, question: dict[str, Any]) -> dict:
        return {
            "answers": [
                {
                    "text": _number(a["answer"]),
                    "tolerance": _number(a["tolerance"]),
                    "percent": _credit(a["fraction"]),
                    "feedback": a["feedback"],
                }
                for a in question["answers"]
            ]
        }


class Matching(QuestionType):
    """Items to match with answers ({=Canada -> Ottawa =Italy -> Rome}): a menu per item."""

    key = qtype = "match"
    fragment = "quizzes/questions/match.html"
    label = _l("Matching")
    answer_fields = ("text", "match")
    form_hint = _l("An item and what it matches on each row: at least two rows.")

    def read(self, reader, answers: str, offset: int, qformat: str, opening: int) -> dict:
        pieces = reader.split(answers, offset, "=")
        if len(pieces) < 2:
            message = "a matching question needs at least two pairs '=question -> answer'"
            raise reader.error(message, opening, "importminerror")
        pairs = []
        for piece, position in pieces:
            item = piece.strip(WS)
            arrow = item.find("->")
            if arrow == -1:
                shown = reader.shown(reader.restore(item))
                message = f"matching item '{shown}' has no '->': expected '=question -> answer'"
                raise reader.error(message, position + reader.lead(piece), "giftmatchingformat")
            subquestion, fmt = reader.with_format(item[:arrow], qformat)
            answer = reader.restore(item[arrow + 2 :]).strip(WS)
            pairs.append({"subquestion": subquestion, "format": fmt, "answer": answer})
        return {"pairs": pairs}

    def write(self, question: dict[str, Any], qformat: str) -> str:
        pairs = syntax.items(question, "pairs", 2, "a matching question")
        written = []
        for pair in pairs:
            subquestion = syntax.clean(pair.get("subquestion"), "subquestion")
            if "->" in subquestion:
                # The first "->" of an item ends its subquestion; "-" and ">" have no escape.
                raise ValueError(f"matching subquestion {subquestion!r} cannot contain '->'")
            tag = syntax.format_tag(subquestion, pair.get("format") or qformat, qformat)
            answer = syntax.escape(syntax.clean(pair.get("answer"), "matching answer"))
            written.append(f"={tag}{syntax.escape(subquestion)} -> {answer}")
        return " ".join(written)

    def read_form(self, question: dict[str, Any], form, name: str) -> Any:
        chosen = {}
        for index, _pair in enumerate(question["pairs"]):
            value = _single(form, f"{name}_{index}")
            if value:
                chosen[index] = value
        return chosen

    def grade(self, question: dict[str, Any], response) -> Grade:
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

    def describe_answer(self, question: dict[str, Any], response) -> str:
        if not isinstance(response, dict):
            return ""
        lines = []
        for index, pair in enumerate(question.get("pairs", [])):
            chosen = response.get(index, response.get(str(index)))
            if chosen is not None:
                lines.append(f"{pair.get('subquestion', '')} -> {chosen}")
        return "; ".join(lines)

    def fields_from_form(self, data: dict, rows: list[dict]) -> tuple[dict, dict[str, Any]]:
        pairs = [
            {"subquestion": r["text"].strip(), "format": "moodle", "answer": r["match"].strip()}
            for r in rows
            if (r.get("match") or "").strip()
        ]
        errors: dict[str, Any] = {}
        if len(pairs) < 2:
            errors["answers"] = _l("Give at least two items, each with what it matches.")
        return {"pairs": pairs}, errors

    def fields_to_form(self, question: dict[str, Any]) -> dict:
        return {
            "answers": [{"text": p["subquestion"], "match": p["answer"]} for p in question["pairs"]]
        }


class Essay(_Typed):
    """A written answer ({}), graded by a trainer."""

    key = qtype = "essay"
    fragment = "quizzes/questions/essay.html"
    label = _l("Essay (graded by a trainer)")

    def grade(self, question: dict[str, Any], response) -> Grade:
        if not isinstance(response, str):
            raise InvalidResponse("text expected")
        return Grade(None)

    def chosen(self, question: dict[str, Any], response) -> list[str]:
        return []


class Description(QuestionType):
    """Text between questions, with no answer block."""

    key = qtype = "description"
    answerable = False
    fragment = "quizzes/questions/description.html"
    label = _l("Text only (no answer)")

    def write(self, question: dict[str, Any], qformat: str) -> None:
        return None

    def describe_answer(self, question: dict[str, Any], response) -> str:
        return ""


#: Every question type by key. Order is the order forms offer them in.
TYPES: dict[str, QuestionType] = {
    kind.key: kind
    for kind in (
        MultipleChoice(),
        MultipleAnswers(),
        TrueFalse(),
        ShortAnswer(),
        Numerical(),
        Matching(),
        Essay(),
        Description(),
    )
}
#: The types a trainer picks in the per-question form, by key, in the form's order.
AUTHORABLE: dict[str, QuestionType] = {k: t for k, t in TYPES.items() if t.authorable}
#: The GIFT qtypes an official answers.
ANSWERABLE = frozenset(kind.qtype for kind in TYPES.values() if kind.answerable)


def type_of(question: dict[str, Any]) -> QuestionType:
    """The type of a normalised question; ValueError for a qtype no class handles
    ("category" included: it is a bank's heading, not a question)."""
    qtype = question.get("qtype")
    if qtype == "multichoice" and not question.get("single", 1):
        return TYPES["multiresponse"]
    kind = TYPES.get(qtype) if isinstance(qtype, str) else None
    if kind is None or kind.qtype != qtype:
        raise ValueError(f"unknown question type {qtype!r}")
    return kind
