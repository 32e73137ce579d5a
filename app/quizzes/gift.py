"""GIFT, Moodle's quiz text format: a parser that reads files the way Moodle's importer does.

`parse()` reads a whole file, `parse_question()` one question. Both return questions in the
normalised form of tests/conformance/gift/README.md (Moodle's field names); docs/gift.md
lists what is accepted, the errors, and where this parser deliberately differs from Moodle.
Standard library only, so the course checker, the CLI and the quiz engine can all use it.
"""

from __future__ import annotations

import math
import re
from typing import Any

from app.quizzes.gift_syntax import BLANK as _BLANK
from app.quizzes.gift_syntax import FORMATS as _FORMATS
from app.quizzes.gift_syntax import TAG_MARKUP_RE as _TAG_MARKUP_RE  # noqa: F401 - fuzz tests
from app.quizzes.gift_syntax import WEIGHT_RE as _WEIGHT_RE
from app.quizzes.gift_syntax import WS as _WS
from app.quizzes.gift_syntax import clean_name as _clean_name
from app.quizzes.gift_syntax import strip_markup as _strip_markup
from app.quizzes.types import TYPES

__all__ = ["GiftError", "parse", "parse_question"]

# Moodle trims with PHP's trim() (gift_syntax.WS): not Unicode whitespace.
_LINE_BREAK = re.compile(r"\r\n|\r|\n")

# Escapes become two-character tokens (a mark and a letter) before parsing, so that no
# splitting step can see them, and are restored in the finished texts. Unlike Moodle's
# "&&058;" placeholders, a token cannot be typed by accident: the mark is a Unicode
# noncharacter, and one already in the text gets a token of its own. Tokens hold no newline,
# so line numbers computed on the tokenised text stay right.
_MARK = "\ufdd0"
_ESCAPE = {"\\": "b", ":": "c", "#": "h", "=": "e", "{": "o", "}": "x", "~": "t", "n": "n"}
_RESTORE = {"b": "\\", "c": ":", "h": "#", "e": "=", "o": "{", "x": "}", "t": "~", "n": "\n"}
_RESTORE["m"] = _MARK  # a mark that was in the text itself
_ESCAPE_RE = re.compile(r"\\[\\:#={}~n]|" + _MARK)
_TOKEN_RE = re.compile(_MARK + "(.)", re.DOTALL)

_TRUEFALSE = frozenset({"T", "TRUE", "F", "FALSE"})
# PHP's is_numeric(): what Moodle accepts as a number.
_NUMBER_RE = re.compile(
    r"[ \t\n\r\v\f]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t\n\r\v\f]*"
)
# Moodle's idnumber and tag syntax in comments: "\]" escapes a bracket, no control characters.
_ID_RE = re.compile(r"\[id:((?:\\\]|[^\]\x00-\x1f\x7f])+)\]")
_TAG_RE = re.compile(r"\[tag:((?:\\\]|[^\]<>`\x00-\x1f\x7f])*)\]")
# Outside these characters an [id:...] or [tag:...] cannot go on (the regexes above).
_ID_STOP_RE = re.compile(r"[\x00-\x1f\x7f]")
_TAG_STOP_RE = re.compile(r"[<>`\x00-\x1f\x7f]")

_DEFAULT_NAME = "Question name"  # Moodle's fallback when the text gives no name either


class GiftError(ValueError):
    """A GIFT text that cannot be imported: where it is (file, 1-based line) and why."""

    def __init__(self, message: str, *, line: int, code: str, filename: str = "<gift>") -> None:
        self.message = message
        self.line = max(1, line)
        self.code = code
        self.filename = filename
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.filename}:{self.line}: {self.message}"


def parse(text: str | bytes, filename: str = "<gift>") -> list[dict[str, Any]]:
    """Parse a GIFT file: one normalised object per question or `$CATEGORY` block, in order.

    Raises GiftError for the first bad question: the whole file is refused.
    """
    if isinstance(text, bytes | bytearray | memoryview):
        text = _decode(bytes(text), filename)
    text = text.removeprefix("\ufeff")
    questions: list[dict[str, Any]] = []
    block: list[str] = []
    start = 1
    # A trailing "" closes the last block like a blank line would.
    for number, raw in enumerate([*_LINE_BREAK.split(text), ""], start=1):
        line = raw.strip(_WS)
        if line:
            if not block:
                start = number
            block.append(line)
        elif block:
            question = _Question(filename).read(block, start)
            if question is not None:
                questions.append(question)
            block = []
    return questions


def questions_by_category(text: str | bytes) -> dict[str, list[dict[str, Any]]]:
    """Answerable questions grouped by the `$CATEGORY:` line above them ("" before any)."""
    groups: dict[str, list[dict[str, Any]]] = {}
    category = ""
    for question in parse(text):
        if question["qtype"] == "category":
            category = question["category"].strip()
            continue
        if question["qtype"] != "description":
            groups.setdefault(category, []).append(question)
    return groups


def parse_question(text: str, line: int = 1, filename: str = "<gift>") -> dict[str, Any]:
    """Parse one question given on its own; its lines are not trimmed (Moodle's readquestion).

    `line` is the line number of the text's first line, used in error messages.
    """
    question = _Question(filename).read(_LINE_BREAK.split(text), line)
    if question is None:
        raise GiftError(
            "no question found: the text is empty or only comments",
            line=line,
            code="noquestion",
            filename=filename,
        )
    return question


def _decode(data: bytes, filename: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = len(_LINE_BREAK.split(data[: exc.start].decode("utf-8"))) if exc.start else 1
        raise GiftError(
            f"the file is not UTF-8 (byte 0x{data[exc.start]:02X} cannot be read); "
            "save it as UTF-8 and import it again",
            line=line,
            code="encoding",
            filename=filename,
        ) from None


def _hide_escapes(text: str) -> str:
    return _ESCAPE_RE.sub(lambda m: _MARK + ("m" if m[0] == _MARK else _ESCAPE[m[0][1]]), text)


def _restore(text: str) -> str:
    if _MARK not in text:
        return text
    return _TOKEN_RE.sub(lambda m: _RESTORE.get(m[1], m[1]), text)


def _lead(text: str) -> int:
    """How many characters trim() removes from the start of text."""
    return len(text) - len(text.lstrip(_WS))


def _with_format(text: str, default: str) -> tuple[str, str]:
    """Split a leading [html], [moodle], [plain] or [markdown]; restore escapes and trim."""
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in _FORMATS:
            fmt = text[1:end]
            text = text[end + 1 :]
    return _restore(text).strip(_WS), fmt


def _comment(answer: str, default: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """An answer and its feedback, split at the first #."""
    text, sep, feedback = answer.partition("#")
    main = _with_format(text.strip(_WS), default)
    return main, (_with_format(feedback.strip(_WS), default) if sep else ("", default))


def _shown(text: str) -> str:
    """Text quoted in an error message: on one line, and not too long."""
    text = " ".join(text.split())
    return text if len(text) <= 40 else text[:37] + "..."


def _find_all(pattern: re.Pattern, stop: re.Pattern, text: str) -> list[str]:
    """pattern.findall(text), in linear time.

    A match lies within one run of text between `stop` characters and ends with "]".
    Cutting each run after its last "]" keeps every match, and spares the regex engine
    from rescanning the rest of the run from every "[tag:" that has no "]" after it.
    """
    found: list[str] = []
    for run in stop.split(text):
        end = run.rfind("]")
        if end != -1:
            found.extend(pattern.findall(run[: end + 1]))
    return found


def _default_name(questiontext: str) -> str:
    """Moodle names an untitled question after the start of its text (about 80 characters)."""
    text = " ".join(_strip_markup(questiontext).split())
    if len(text) > 80:
        cut = text[:77]
        space = cut.rfind(" ")
        text = (cut[:space] if space > 40 else cut) + "..."
    return text or _DEFAULT_NAME


def _number(text: str) -> float | None:
    """The value of a PHP-numeric string, or None; infinities are not numbers here."""
    if not _NUMBER_RE.fullmatch(text):
        return None
    value = float(text.strip(" \t\n\r\v\f"))
    return value if math.isfinite(value) else None


def _split(text: str, offset: int, separators: str, keep: str = "") -> list[tuple[str, int]]:
    """Split at any of `separators`; a separator in `keep` starts the next piece.

    Returns (piece, position of the piece in the question text).
    """
    pieces = []
    start = 0
    for index, char in enumerate(text):
        if char in separators:
            pieces.append((text[start:index], offset + start))
            start = index if char in keep else index + 1
    pieces.append((text[start:], offset + start))
    # Moodle drops an empty first piece (the text before the first separator).
    if pieces and not pieces[0][0].strip(_WS):
        pieces.pop(0)
    return pieces


class _Question:
    """Reads one block of lines into a normalised question (one instance per block)."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.text = ""
        self.first_line = 1

    # GIFT's reading helpers, lent to the question types' read() hooks with this reader.
    split = staticmethod(_split)
    comment = staticmethod(_comment)
    with_format = staticmethod(_with_format)
    restore = staticmethod(_restore)
    lead = staticmethod(_lead)
    shown = staticmethod(_shown)
    number = staticmethod(_number)

    def error(self, message: str, position: int, code: str) -> GiftError:
        """An error located at a position of self.text."""
        line = self.first_line + self.text.count("\n", 0, max(0, position))
        return GiftError(message, line=line, code=code, filename=self.filename)

    def read(self, lines: list[str], first_line: int) -> dict[str, Any] | None:
        comments = []
        kept = []
        for line in lines:
            stripped = line.strip(_WS)
            if stripped.startswith("//"):
                comments.append(stripped)
                # Moodle keeps a blank line in its place, so the text keeps its line count.
                kept.append(" ")
            else:
                kept.append(line)
        joined = "\n".join(kept)
        lead = _lead(joined)
        self.first_line = first_line + joined.count("\n", 0, lead)
        self.text = text = _hide_escapes(joined.strip(_WS))
        if not text:
            return None
        if text.startswith("$CATEGORY:"):
            return self.category(text)

        name: str | None = None
        body = 0  # where the text after the title starts
        if text.startswith("::"):
            end = text.find("::", 2)
            if end == -1:
                body = 2  # an unclosed title is dropped, as Moodle does
            else:
                name = _clean_name(_restore(text[2:end]))
                body = end + 2 + _lead(text[end + 2 :])
        question = self.question(text, body)
        question["name"] = name if name is not None else _default_name(question["questiontext"])
        idnumbers = _find_all(_ID_RE, _ID_STOP_RE, "\n".join(comments))
        question["idnumber"] = idnumbers[0].strip(_WS).replace("\\]", "]") if idnumbers else ""
        found = _find_all(_TAG_RE, _TAG_STOP_RE, "\n".join(comments))
        tags = (t.strip(_WS).replace("\\]", "]") for t in found)
        question["tags"] = [tag for tag in tags if tag]
        return question

    def category(self, text: str) -> dict[str, Any]:
        path = text[len("$CATEGORY:") :].strip(_WS)
        if "\n" in path:
            raise self.error(
                "$CATEGORY: must be alone in its block: leave a blank line between it and "
                "the question that follows",
                text.index("\n") + 1,
                "categoryformat",
            )
        return {"qtype": "category", "category": _restore(path)}

    def question(self, text: str, body: int) -> dict[str, Any]:
        opening = text.find("{", body)
        closing = text.find("}", body)
        if opening == -1 and closing == -1:
            qtext, qformat = _with_format(text[body:], "moodle")
            return self.common("description", qtext, qformat, "")

        self.check_braces(text, opening, closing)
        inner = text[opening + 1 : closing]
        offset = opening + 1 + _lead(inner)
        answers = inner.strip(_WS)
        if text.endswith("}"):
            questiontext = text[body:opening]
        else:
            # Missing-word format: the block stands in the middle of the sentence.
            questiontext = text[body:opening] + _BLANK + text[closing + 1 :]
        generalfeedback = ""
        separator = answers.rfind("####")
        if separator != -1:
            generalfeedback = answers[separator + 4 :]
            answers = answers[:separator].strip(_WS)

        qtext, qformat = _with_format(questiontext, "moodle")
        feedback, feedbackformat = _with_format(generalfeedback, qformat)

        if not answers:
            qtype = "essay"
        elif answers[0] == "#":
            qtype = "numerical"
        elif "~" in answers:
            qtype = "multichoice"
        elif "=" in answers and "->" in answers:
            qtype = "match"
        elif answers.partition("#")[0].strip(_WS) in _TRUEFALSE:  # feedback after "#"
            qtype = "truefalse"
        else:
            qtype = "shortanswer"
        question = self.common(qtype, qtext, qformat, feedback, feedbackformat)
        # The type reads its own fields from the block (app.quizzes.types).
        question.update(TYPES[qtype].read(self, answers, offset, qformat, opening))
        return question

    def check_braces(self, text: str, opening: int, closing: int) -> None:
        if opening == -1:
            message = "'}' without an opening '{': expected an answer block '{...}'"
            raise self.error(message, closing, "braceerror")
        if closing == -1:
            message = "'{' is never closed: expected '}' at the end of the answer block"
            raise self.error(message, opening, "braceerror")
        if closing < opening:
            message = "'}' before the answer block's '{': write \\} for a literal brace"
            raise self.error(message, closing, "braceerror")
        # Moodle keeps stray braces in the question text; almost always a forgotten escape.
        for char in "{}":
            extra = text.find(char, opening + 1 if char == "{" else closing + 1)
            if extra != -1:
                message = (
                    f"a second '{char}': a question has one answer block; "
                    f"write \\{char} for a literal brace"
                )
                raise self.error(message, extra, "braceerror")

    @staticmethod
    def common(
        qtype: str, qtext: str, qformat: str, feedback: str, feedbackformat: str | None = None
    ) -> dict[str, Any]:
        return {
            "qtype": qtype,
            "name": "",
            "questiontext": qtext,
            "questiontextformat": qformat,
            "generalfeedback": feedback,
            "generalfeedbackformat": feedbackformat or qformat,
        }

    def weight(self, answer: str, position: int) -> tuple[float | None, str]:
        """A leading %n% weight as a fraction (None when absent) and the rest of the answer."""
        match = _WEIGHT_RE.match(answer)
        if match is None:
            return None, answer
        digits = match[1]
        if digits.count("-") > 1:
            message = f"answer weight '{match[0]}' is not a percentage: expected e.g. %50% or %-25%"
            raise self.error(message, position, "weightformat")
        return float(digits) / 100, answer[match.end() :]
