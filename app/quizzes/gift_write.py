"""Write questions as GIFT: the inverse of the parser in app.quizzes.gift.

`to_gift()` writes one question in the normalised form that `gift.parse()` returns
(shared/conformance/gift/README.md), `bank_to_gift()` a list of them as a file. The contract
is `parse(to_gift(q)) == [q]` for every question the parser can return, numbers included.

Questions from authoring forms are normalised the way GIFT itself reads text: CR and CRLF
become LF and every text loses its leading and trailing whitespace. Missing optional fields
take the parser's defaults (formats follow the question text's, which defaults to `moodle`).
`name` None (or absent) writes no title, so the parser names the question after its text;
any string, even "", is written as `::title::`. Whatever GIFT cannot express raises
ValueError rather than being lost on the way to the file.

Each question is written on one line (after an optional `// [id:…] [tag:…]` comment line):
newlines inside texts become `\\n`, so the file's line trimming cannot touch them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

# The parser's own rules, imported rather than copied so the writer cannot drift from them.
from app.quizzes.gift import _BLANK, _FORMATS, _WEIGHT_RE, _WS, _clean_name

__all__ = ["bank_to_gift", "to_gift"]

_LINE_ENDS = re.compile(r"\r\n?")
_SPECIAL = re.compile(r"[\\~=#{}:\n]")
# In a category path the parser restores escapes but Moodle does not, so only a backslash
# that would start an escape is doubled there; other special characters are written as is.
_CATEGORY_BACKSLASH = re.compile(r"\\(?=[\\:#={}~n\n])")
_FORMAT_TAG = re.compile(r"\[(?:moodle|html|plain|markdown)\]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Types whose block may stand in the middle of the text, in place of its "_____".
_MISSING_WORD = frozenset({"multichoice", "truefalse", "shortanswer", "numerical"})


def bank_to_gift(questions: Iterable[dict[str, Any]]) -> str:
    """A GIFT file: the questions separated by a blank line, ending with a newline."""
    blocks = [to_gift(question) for question in questions]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def to_gift(question: dict[str, Any]) -> str:
    """One question (or `$CATEGORY` entry) as GIFT text, without a trailing newline."""
    qtype = question.get("qtype")
    if qtype == "category":
        path = _clean(question.get("category"), "category")
        path = _CATEGORY_BACKSLASH.sub(r"\\\\", path).replace("\n", "\\n")
        return f"$CATEGORY: {path}" if path else "$CATEGORY:"
    if qtype not in _BLOCKS:
        raise ValueError(f"unknown question type {qtype!r}")

    qformat = question.get("questiontextformat") or "moodle"
    text = _clean(question.get("questiontext"), "questiontext")
    name = question.get("name")
    head = ""
    if name is not None:
        name = _clean(name, "name")
        # The parser strips markup from titles and cuts them at 255 characters.
        if _clean_name(name) != name:
            raise ValueError(f"title {name!r} holds markup or is over 255 characters")
        head = f"::{_escape(name)}::"
    # Untitled, the text starts the line: "//" would make it a comment and a byte-order
    # mark would be dropped at the start of a file, so a format tag goes first.
    guard = name is None and text.startswith(("//", "\ufeff"))
    tag = _tag(text, qformat, "moodle", guard)

    block = _BLOCKS[qtype](question, qformat)
    feedback = _clean(question.get("generalfeedback"), "generalfeedback")
    feedbackformat = question.get("generalfeedbackformat") or qformat
    if block is None:
        if feedback or feedbackformat != qformat:
            raise ValueError("a description has no answer block to hold general feedback")
        body = tag + _escape(text)
    else:
        if feedback or feedbackformat != qformat:
            gap = " " if block else ""
            block += f"{gap}####{_tag(feedback, feedbackformat, qformat)}{_escape(feedback)}"
        block = "{" + block + "}"
        blank = text.find(_BLANK)
        # Only when text follows: a block ending the text is dropped, not replaced by "_____".
        if qtype in _MISSING_WORD and 0 <= blank < len(text) - len(_BLANK):
            before, after = text[:blank], text[blank + len(_BLANK) :]
            body = tag + _escape(before) + block + _escape(after)
        else:
            body = tag + _escape(text) + (" " if text else "") + block
    line = head + body
    if not line:
        raise ValueError("an untitled description needs some text")
    comment = _comment(question)
    return f"{comment}\n{line}" if comment else line


def _clean(value: Any, field: str) -> str:
    """A text as the parser would give it back: LF line ends, trimmed."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{field} must be text, not {type(value).__name__}")
    return _LINE_ENDS.sub("\n", value).strip(_WS)


def _escape(text: str) -> str:
    return _SPECIAL.sub(lambda m: "\\n" if m[0] == "\n" else "\\" + m[0], text)


def _tag(text: str, fmt: str, default: str, guard: bool = False) -> str:
    """The `[format]` tag a text needs: a format other than the default, or protection for
    a text that itself starts like a tag (the parser would eat it)."""
    if fmt not in _FORMATS:
        raise ValueError(f"unknown text format {fmt!r}")
    return f"[{fmt}]" if fmt != default or guard or _FORMAT_TAG.match(text) else ""


def _feedback(item: dict[str, Any], key: str, qformat: str, sep: str = "#") -> str:
    """`#feedback` for an answer, or "" when there is nothing to say."""
    text = _clean(item.get(key), key)
    fmt = item.get(key + "format") or qformat
    if not text and fmt == qformat:
        return ""
    return sep + _tag(text, fmt, qformat) + _escape(text)


def _number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{field} must be a finite number, not {value!r}")
    return float(value)


def _number_text(value: Any, field: str) -> str:
    """The shortest text that reads back as exactly this float (repr), without a bare ".0"."""
    return repr(_number(value, field)).removesuffix(".0")


def _weight(fraction: float) -> str:
    """`%n%` for a fraction: the shortest plain decimal n with float(n) / 100 == fraction.

    Exact for every fraction the parser returns (it divides a percentage by 100). Some other
    floats have no such n (0.3333333, one of Moodle's grades, is one): they get the shortest n
    that comes nearest, a last-bit difference far within Moodle's 7 stored decimals.
    """
    percent = fraction * 100
    if not math.isfinite(percent):
        raise ValueError(f"fraction {fraction!r} is out of range")
    # Plain digits (no exponent), as the parser's pattern wants; fewest places first.
    candidates = [f"{percent:.{places}f}" for places in range(18)]
    digits = min(candidates, key=lambda text: abs(float(text) / 100 - fraction))
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    weight = f"%{digits}%"
    # Moodle's pattern takes at most two digits before a decimal point: %100.5% is text.
    if not _WEIGHT_RE.fullmatch(weight):
        raise ValueError(f"fraction {fraction!r} cannot be written as a GIFT weight ({weight})")
    return weight


def _looks_weighted(text: str, tag: str) -> bool:
    """Whether the parser would read the start of an untagged answer as a %n% weight."""
    return not tag and _WEIGHT_RE.match(text) is not None


def _answers(question: dict[str, Any], key: str, least: int, what: str) -> list[dict[str, Any]]:
    items = question.get(key) or []
    if len(items) < least:
        raise ValueError(f"{what} needs at least {least} {key}, got {len(items)}")
    return items


def _multichoice(question: dict[str, Any], qformat: str) -> str:
    answers = _answers(question, "answers", 2, "a multiple-choice question")
    fractions = [_number(answer.get("fraction"), "fraction") for answer in answers]
    full = [fraction == 1 for fraction in fractions]
    single = question.get("single", 1 if any(full) else 0)
    # GIFT marks a one-answer question by its "=" answers, which always give full marks.
    if single and not any(full):
        raise ValueError("a single-answer multiple choice needs an answer with fraction 1")
    equals = [bool(single) and is_full for is_full in full]
    if all(equals):
        # Without any "~" the block would read as short answer; ~%100% keeps the meaning.
        equals[-1] = False
    items = []
    for answer, fraction, is_equals in zip(answers, fractions, equals, strict=True):
        text = _clean(answer.get("text"), "answer text")
        tag = _tag(text, answer.get("format") or qformat, qformat)
        if is_equals:
            mark = "="  # the parser reads no weight after "=", so the text needs no care
        elif fraction != 0 or _looks_weighted(text, tag):
            mark = "~" + _weight(fraction)
        else:
            mark = "~"
        items.append(mark + tag + _escape(text) + _feedback(answer, "feedback", qformat))
    return " ".join(items)


def _truefalse(question: dict[str, Any], qformat: str) -> str:
    correct = question.get("correctanswer")
    if not isinstance(correct, bool):
        raise ValueError(f"correctanswer must be True or False, not {correct!r}")
    if question.get("penalty", 1) != 1:
        raise ValueError("GIFT true/false questions always have penalty 1")
    true = _feedback(question, "feedbacktrue", qformat)
    false = _feedback(question, "feedbackfalse", qformat)
    # {TRUE#a#b}: a is shown for the wrong choice, b for the right one.
    wrong, right = (false, true) if correct else (true, false)
    word = "TRUE" if correct else "FALSE"
    if right:
        return word + (wrong or "#") + right
    return word + wrong


def _shortanswer(question: dict[str, Any], qformat: str) -> str:
    answers = _answers(question, "answers", 1, "a short-answer question")
    if question.get("usecase"):
        raise ValueError("GIFT cannot mark a short answer as case sensitive")
    items = []
    for answer in answers:
        fraction = _number(answer.get("fraction"), "fraction")
        text = _clean(answer.get("text"), "answer text")
        # Short answers keep no format: a tag is written only to protect a tag-like start.
        tag = _tag(text, qformat, qformat)
        weight = _weight(fraction) if fraction != 1 or _looks_weighted(text, tag) else ""
        items.append((weight, tag + _escape(text) + _feedback(answer, "feedback", qformat)))
    if any("->" in rest for _weight_text, rest in items):
        # "=" with "->" reads as matching. One answer can do without "=": its explicit
        # weight keeps it from reading as TRUE/FALSE; several cannot.
        if len(items) > 1:
            raise ValueError("short answers with several answers cannot contain '->' in GIFT")
        fraction = _number(answers[0].get("fraction"), "fraction")
        return _weight(fraction) + items[0][1]
    return " ".join(f"={weight}{rest}" for weight, rest in items)


def _numerical(question: dict[str, Any], qformat: str) -> str:
    answers = list(question.get("answers") or [])
    otherwise = None
    # The parser's answer "*" with tolerance None is GIFT's "~#feedback", always last.
    if answers and answers[-1].get("tolerance") is None and answers[-1].get("answer") == "*":
        otherwise = answers.pop()
        if _number(otherwise.get("fraction"), "fraction") != 0:
            raise ValueError("the '*' answer without tolerance (~#feedback) has fraction 0")
    if not answers:
        raise ValueError("a numerical question needs at least one answer")
    items = []
    for answer in answers:
        value = answer.get("answer")
        number = "*" if value == "*" else _number_text(value, "numerical answer")
        tolerance = _number(answer.get("tolerance"), "tolerance")
        if tolerance != 0:
            number += ":" + _number_text(tolerance, "tolerance")
        fraction = _number(answer.get("fraction"), "fraction")
        weight = _weight(fraction) if fraction != 1 else ""
        items.append(weight + number + _feedback(answer, "feedback", qformat))
    if len(items) > 1:
        items = ["=" + item for item in items]
    if otherwise is not None:
        items.append("~" + _feedback(otherwise, "feedback", qformat))
    return "#" + " ".join(items)


def _match(question: dict[str, Any], qformat: str) -> str:
    pairs = _answers(question, "pairs", 2, "a matching question")
    items = []
    for pair in pairs:
        subquestion = _clean(pair.get("subquestion"), "subquestion")
        if "->" in subquestion:
            # The first "->" of an item ends its subquestion; "-" and ">" have no escape.
            raise ValueError(f"matching subquestion {subquestion!r} cannot contain '->'")
        tag = _tag(subquestion, pair.get("format") or qformat, qformat)
        answer = _escape(_clean(pair.get("answer"), "matching answer"))
        items.append(f"={tag}{_escape(subquestion)} -> {answer}")
    return " ".join(items)


def _essay(question: dict[str, Any], qformat: str) -> str:
    return ""


def _description(question: dict[str, Any], qformat: str) -> None:
    return None


_BLOCKS = {
    "multichoice": _multichoice,
    "truefalse": _truefalse,
    "shortanswer": _shortanswer,
    "numerical": _numerical,
    "match": _match,
    "essay": _essay,
    "description": _description,
}


def _comment(question: dict[str, Any]) -> str:
    """The `// [id:…] [tag:…]` line for the idnumber and tags, or ""."""
    marks = []
    idnumber = _clean(question.get("idnumber"), "idnumber")
    if idnumber:
        _check_mark(idnumber, "idnumber", "[tag:")
        marks.append(f"[id:{_bracketed(idnumber)}]")
    for tag in question.get("tags") or []:
        tag = _clean(tag, "tag")
        if not tag:
            raise ValueError("tags cannot be empty")
        _check_mark(tag, "tag", "[id:")
        if re.search("[<>`]", tag):
            raise ValueError(f"tag {tag!r} cannot contain '<', '>' or '`'")
        marks.append(f"[tag:{_bracketed(tag)}]")
    return "// " + " ".join(marks) if marks else ""


def _check_mark(value: str, field: str, other: str) -> None:
    if _CONTROL.search(value):
        raise ValueError(f"{field} {value!r} cannot contain line breaks or control characters")
    # The parser searches the whole comment, so an idnumber could add a tag and vice versa.
    if other in value:
        raise ValueError(f"{field} {value!r} cannot contain {other!r}")


def _bracketed(value: str) -> str:
    """A value inside [id:…] or [tag:…]: "]" is escaped as "\\]"; a space keeps a final
    backslash from escaping the closing bracket (the parser trims it off again)."""
    return value.replace("]", "\\]") + (" " if value.endswith("\\") else "")
