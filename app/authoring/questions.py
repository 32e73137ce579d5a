"""Questions edited through a form: form values to the quiz engine's normalised question and
back, and changes spliced into a bank's GIFT text without disturbing the rest of it."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from app.quizzes import gift, gift_write
from app.quizzes.gift_write import moodle_title_problem
from app.quizzes.types import AUTHORABLE, type_of


def _row_values(rows: list[dict]) -> list[dict]:
    return [r for r in rows if (r.get("text") or "").strip()]


def from_form(data: dict) -> tuple[dict | None, dict[str, object]]:
    """The question a filled form describes, or the errors by field name (nothing built).
    The generic part is read here; the question type reads its own fields."""
    kind = AUTHORABLE.get(data.get("qtype"))
    if kind is None:
        return None, {"qtype": _l("Choose a question type from the list.")}
    text = (data.get("questiontext") or "").strip()
    question: dict = {
        "qtype": kind.qtype,
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
    fields, type_errors = kind.fields_from_form(data, _row_values(data.get("answers") or []))
    question.update(fields)
    errors.update(type_errors)
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
    """Form values for an existing question: the generic part, then its type's fields."""
    data = {
        "qtype": question["qtype"],
        "name": question.get("name", ""),
        "questiontext": question.get("questiontext", ""),
        "generalfeedback": question.get("generalfeedback", ""),
        "answers": [],
    }
    data.update(type_of(question).fields_to_form(question))
    return data


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
