"""What GIFT's reader, its writer and each question type's branches share: the trimming,
format and weight rules, the writer's small pieces, and Moodle's list of grades.

Standard library only, and importing nothing else of the app, so that the parser
(app.quizzes.gift), the writer (app.quizzes.gift_write) and the question types
(app.quizzes.types) all build on it without importing one another in a circle.
"""

from __future__ import annotations

import math
import re
from typing import Any

# Moodle trims with PHP's trim(): only these characters, not Unicode whitespace (a no-break
# space in "<p>&nbsp;</p>"-style content must survive).
WS = " \t\n\r\x00\x0b"
FORMATS = frozenset({"moodle", "html", "plain", "markdown"})
# Moodle's own pattern for %weight% (it allows several minus signs; the parser refuses those).
WEIGHT_RE = re.compile(r"%(-*[0-9]{1,2}\.?[0-9]*)%")
TAG_MARKUP_RE = re.compile(r"<[A-Za-z/!?][^>]*>")
NAME_LENGTH = 255  # the question.name column
BLANK = "_____"

# Reading ------------------------------------------------------------------------------------


def strip_markup(text: str) -> str:
    # Nothing after the last ">" can be a tag: without this cut, "<a<a<a..." with no ">"
    # rescans to the end from every "<" (quadratic time).
    end = text.rfind(">") + 1
    return TAG_MARKUP_RE.sub("", text[:end]) + text[end:]


def clean_name(name: str) -> str:
    """A title as Moodle stores it: plain text, trimmed, at most 255 characters."""
    name = strip_markup(name).strip(WS)
    if len(name) > NAME_LENGTH:
        name = name[: NAME_LENGTH - 3].rstrip(WS) + "..."
    return name


# Writing ------------------------------------------------------------------------------------

_LINE_ENDS = re.compile(r"\r\n?")
_SPECIAL = re.compile(r"[\\~=#{}:\n]")
_FORMAT_TAG = re.compile(r"\[(?:moodle|html|plain|markdown)\]")


def clean(value: Any, field: str) -> str:
    """A text as the parser would give it back: LF line ends, trimmed."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{field} must be text, not {type(value).__name__}")
    return _LINE_ENDS.sub("\n", value).strip(WS)


def escape(text: str) -> str:
    return _SPECIAL.sub(lambda m: "\\n" if m[0] == "\n" else "\\" + m[0], text)


def format_tag(text: str, fmt: str, default: str, guard: bool = False) -> str:
    """The `[format]` tag a text needs: a format other than the default, or protection for
    a text that itself starts like a tag (the parser would eat it)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown text format {fmt!r}")
    return f"[{fmt}]" if fmt != default or guard or _FORMAT_TAG.match(text) else ""


def feedback(item: dict[str, Any], key: str, qformat: str, sep: str = "#") -> str:
    """`#feedback` for an answer, or "" when there is nothing to say."""
    text = clean(item.get(key), key)
    fmt = item.get(key + "format") or qformat
    if not text and fmt == qformat:
        return ""
    return sep + format_tag(text, fmt, qformat) + escape(text)


def number(value: Any, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{field} must be a finite number, not {value!r}")
    return float(value)


def number_text(value: Any, field: str) -> str:
    """The shortest text that reads back as exactly this float (repr), without a bare ".0"."""
    return repr(number(value, field)).removesuffix(".0")


def weight(fraction: float) -> str:
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
    written = f"%{digits}%"
    # Moodle's pattern takes at most two digits before a decimal point: %100.5% is text.
    if not WEIGHT_RE.fullmatch(written):
        raise ValueError(f"fraction {fraction!r} cannot be written as a GIFT weight ({written})")
    return written


def looks_weighted(text: str, tag: str) -> bool:
    """Whether the parser would read the start of an untagged answer as a %n% weight."""
    return not tag and WEIGHT_RE.match(text) is not None


def items(question: dict[str, Any], key: str, least: int, what: str) -> list[dict[str, Any]]:
    """question[key], refused when it holds fewer than `least` entries."""
    found = question.get(key) or []
    if len(found) < least:
        raise ValueError(f"{what} needs at least {least} {key}, got {len(found)}")
    return found


# Moodle's grades ----------------------------------------------------------------------------

# question_bank::fraction_options_full() in Moodle 4.1 (question/engine/bank.php): the
# fractions p/q for q <= 6, p/10, 1/q for q <= 10 and 1/20, stored with 7 decimals, and their
# negatives. Its GIFT import accepts no other grade (match_grade_options, "error" by default),
# or rounds it to the nearest when asked to: either way, not what the author wrote.
_POSITIVE = (
    1.0,
    0.9,
    0.8333333,
    0.8,
    0.75,
    0.7,
    0.6666667,
    0.6,
    0.5,
    0.4,
    0.3333333,
    0.3,
    0.25,
    0.2,
    0.1666667,
    0.1428571,
    0.125,
    0.1111111,
    0.1,
    0.05,
)
#: Every fraction Moodle accepts for an answer, from 1 down to -1.
MOODLE_GRADES: tuple[float, ...] = (*_POSITIVE, 0.0, *(-g for g in reversed(_POSITIVE)))
# match_grade_options' own slack: "abs($grade - $value) < 0.00001".
MOODLE_GRADE_SLACK = 0.00001


def moodle_grade(fraction: float) -> tuple[bool, float]:
    """(whether Moodle accepts this fraction, the grade of Moodle's list nearest to it)."""
    nearest = min(MOODLE_GRADES, key=lambda grade: abs(grade - fraction))
    return abs(nearest - fraction) < MOODLE_GRADE_SLACK, nearest


def percent_text(fraction: float) -> str:
    """A fraction as Moodle shows it in its grade menu: 33.33333, 50, -100."""
    return f"{fraction * 100:.5f}".rstrip("0").rstrip(".")
