"""Questions edited through a form: form values to the quiz engine's normalised question and
back, and changes spliced into a bank's GIFT text without disturbing the rest of it."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from app.quizzes import gift, gift_write
from app.quizzes.gift_write import moodle_grade, moodle_title_problem, percent_text
from app.quizzes.grading import parse_number

ANSWERED = {"multichoice", "shortanswer", "numerical", "match"}


def _row_values(rows: list[dict]) -> list[dict]:
    return [r for r in rows if (r.get("text") or "").strip()]


def _percent(row: dict, default: float | None = None) -> float | None:
    value = row.get("percent")
    return default if value is None or value == "" else float(value)


def _answer(text: str, fraction: float, feedback: str) -> dict:
    return {
        "text": text,
        "format": "moodle",
        "fraction": fraction,
        "feedback": feedback,
        "feedbackformat": "moodle",
    }


def from_form(data: dict) -> tuple[dict | None, dict[str, object]]:
    """The question a filled form describes, or the errors by field name (nothing built)."""
    qtype = data["qtype"]
    text = (data.get("questiontext") or "").strip()
    question: dict = {
        "qtype": qtype,
        "questiontext": text,
        "questiontextformat": "moodle",
        "generalfeedback": (data.get("generalfeedback") or "").strip(),
        "generalfeedbackformat": "moodle",
    }
    name = (data.get("name") or "").strip()
    errors: dict[str, object] = {}
    if name:
        question["name"] = name
        if moodle_title_problem(name):
            errors["name"] = _l(
                "Moodle would cut this title at its '<': put a space after the '<' or write "
                "it in words."
            )
    rows = _row_values(data.get("answers") or [])
    if qtype == "truefalse":
        right = (data.get("feedback_right") or "").strip()
        wrong = (data.get("feedback_wrong") or "").strip()
        correct = data.get("correct") == "true"
        question.update(
            correctanswer=correct,
            feedbacktrue=right if correct else wrong,
            feedbackfalse=wrong if correct else right,
            feedbacktrueformat="moodle",
            feedbackfalseformat="moodle",
            penalty=1,
        )
    elif qtype == "multichoice":
        if len(rows) < 2:
            errors["answers"] = _l("Give at least two answers.")
        weights = [_percent(r, 0.0) for r in rows]
        full = [w for w in weights if w == 100]
        single = len(full) == 1 and all(w <= 0 for w in weights if w != 100)
        if not single and not errors and abs(sum(w for w in weights if w > 0) - 100) > 0.01:
            errors["answers"] = _l(
                "Give the right answer a credit of 100, or several answers positive credits "
                "adding up to 100."
            )
        question["single"] = 1 if single else 0
        question["answers"] = [
            _answer(r["text"].strip(), w / 100, (r.get("feedback") or "").strip())
            for r, w in zip(rows, weights, strict=True)
        ]
    elif qtype == "shortanswer":
        if not rows:
            errors["answers"] = _l("Give at least one accepted answer.")
        weights = [_percent(r, 100.0) for r in rows]
        if rows and max(weights) <= 0:
            errors["answers"] = _l("At least one answer must give credit.")
        question["answers"] = [
            _answer(r["text"].strip(), w / 100, (r.get("feedback") or "").strip())
            for r, w in zip(rows, weights, strict=True)
        ]
    elif qtype == "numerical":
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
                    "feedback": (row.get("feedback") or "").strip(),
                    "feedbackformat": "moodle",
                }
            )
        if not rows:
            errors["answers"] = _l("Give at least one accepted answer.")
        question["answers"] = answers
    elif qtype == "match":
        pairs = [
            {"subquestion": r["text"].strip(), "format": "moodle", "answer": r["match"].strip()}
            for r in rows
            if (r.get("match") or "").strip()
        ]
        if len(pairs) < 2:
            errors["answers"] = _l("Give at least two items, each with what it matches.")
        question["pairs"] = pairs
    if not text:
        errors["questiontext"] = _l("Write the question.")
    if errors:
        return None, errors
    # The quiz engine's parser has the last word: what it cannot read back is refused.
    try:
        written = gift_write.to_gift(question)
        gift.parse(written)
    except (gift.GiftError, ValueError, KeyError) as error:
        return None, {"questiontext": str(error)}
    return question, {}


def to_form(question: dict) -> dict:
    """Form values for an existing question."""
    data = {
        "qtype": question["qtype"],
        "name": question.get("name", ""),
        "questiontext": question.get("questiontext", ""),
        "generalfeedback": question.get("generalfeedback", ""),
        "answers": [],
    }
    qtype = question["qtype"]
    if qtype == "truefalse":
        correct = bool(question.get("correctanswer"))
        data["correct"] = "true" if correct else "false"
        data["feedback_right"] = question["feedbacktrue"] if correct else question["feedbackfalse"]
        data["feedback_wrong"] = question["feedbackfalse"] if correct else question["feedbacktrue"]
    elif qtype in {"multichoice", "shortanswer"}:
        data["answers"] = [
            {"text": a["text"], "percent": _credit(a["fraction"]), "feedback": a["feedback"]}
            for a in question["answers"]
        ]
    elif qtype == "numerical":
        data["answers"] = [
            {
                "text": _number(a["answer"]),
                "tolerance": _number(a["tolerance"]),
                "percent": _credit(a["fraction"]),
                "feedback": a["feedback"],
            }
            for a in question["answers"]
        ]
    elif qtype == "match":
        data["answers"] = [
            {"text": p["subquestion"], "match": p["answer"]} for p in question["pairs"]
        ]
    return data


def _credit(fraction: float) -> str:
    """The form's credit for a fraction: Moodle's grade nearest to it (the form offers only
    Moodle's grades; Moodle itself would refuse or round another)."""
    return percent_text(moodle_grade(fraction)[1])


def _number(value) -> str:
    return value if isinstance(value, str) else f"{value:g}"


# Splicing ------------------------------------------------------------------------------------

_BLANK_LINES = re.compile(r"\n[ \t]*\n")


def _blocks(text: str) -> list[str]:
    return [b for b in _BLANK_LINES.split(text.replace("\r\n", "\n")) if b.strip()]


def _items_per_block(blocks: list[str]) -> list[int] | None:
    """How many parsed items (questions and categories) each block gives, or None when the
    blocks do not parse one by one the way the whole text does."""
    counts = []
    for block in blocks:
        try:
            counts.append(len(gift.parse(block)))
        except gift.GiftError:
            return None
    return counts


def replace(text: str, index: int, question: dict | None) -> str:
    """The bank with item `index` replaced by `question` (None: deleted). Other questions keep
    their exact text, comments included, when the bank splits cleanly into blocks;
    otherwise the bank is rewritten from its parsed form."""
    items = gift.parse(text)
    blocks = _blocks(text)
    counts = _items_per_block(blocks)
    if counts is not None and sum(counts) == len(items) and all(c <= 1 for c in counts):
        seen = -1
        for position, count in enumerate(counts):
            seen += count
            if count and seen == index:
                if question is None:
                    del blocks[position]
                else:
                    blocks[position] = gift_write.to_gift(question)
                return "\n\n".join(b.strip("\n") for b in blocks) + "\n"
    if question is None:
        del items[index]
    else:
        items[index] = question
    # The other questions as they were, even those Moodle would read differently: only the
    # one edited through the form is held to Moodle's rules.
    return gift_write.bank_to_gift(items, moodle=False)


def append(text: str | None, question: dict, category: str = "") -> str:
    """The bank with a new question at the end, under a category line when one is given and
    differs from the category in force at the end of the bank."""
    parts = [text.strip("\n")] if text and text.strip() else []
    if category:
        current = ""
        for item in gift.parse(text) if parts else []:
            if item.get("qtype") == "category":
                current = item["category"]
        if current != category:
            parts.append(gift_write.to_gift({"qtype": "category", "category": category}))
    parts.append(gift_write.to_gift(question))
    return "\n\n".join(parts) + "\n"
