"""Write questions as GIFT: the inverse of the parser in app.quizzes.gift.

`to_gift()` writes one question in the normalised form that `gift.parse()` returns
(tests/conformance/gift/README.md), `bank_to_gift()` a list of them as a file. The contract
is `parse(to_gift(q)) == [q]` for every question the parser can return (with `moodle=False`;
with the default, for every one Moodle reads the same), numbers included.

Questions from authoring forms are normalised the way GIFT itself reads text: CR and CRLF
become LF and every text loses its leading and trailing whitespace. Missing optional fields
take the parser's defaults (formats follow the question text's, which defaults to `moodle`).
`name` None (or absent) writes no title, so the parser names the question after its text;
any string, even "", is written as `::title::`. Whatever GIFT cannot express raises
ValueError rather than being lost on the way to the file.

What the writer produces means the same to Moodle 4.1's own importer: with `moodle=True` (the
default) it refuses what Moodle would read differently, a title holding "<" followed by
anything but a space (Moodle's clean_param strips it as a tag, with all that follows) and a
grade off Moodle's list (Moodle refuses the file, or rounds the grade); `moodle=False` writes
anything the parser reads back, for banks that only Aula reads. Each type writes its own
answer block (app.quizzes.types).

Each question is written on one line (after an optional `// [id:…] [tag:…]` comment line):
newlines inside texts become `\\n`, so the file's line trimming cannot touch them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.quizzes.gift_syntax import (
    BLANK,
    MOODLE_GRADES,
    clean,
    clean_name,
    escape,
    format_tag,
    moodle_grade,
    number,
    percent_text,
)
from app.quizzes.types import type_of

__all__ = [
    "MOODLE_GRADES",
    "bank_to_gift",
    "moodle_grade",
    "moodle_title_problem",
    "percent_text",
    "to_gift",
]

# In a category path the parser restores escapes but Moodle does not, so only a backslash
# that would start an escape is doubled there; other special characters are written as is.
_CATEGORY_BACKSLASH = re.compile(r"\\(?=[\\:#={}~n\n])")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Types whose block may stand in the middle of the text, in place of its "_____".
_MISSING_WORD = frozenset({"multichoice", "truefalse", "shortanswer", "numerical"})
# PHP's strip_tags(), which Moodle runs on titles, opens a tag at "<" unless a space follows
# (isspace: space, \t, \n, \v, \f, \r) and drops it and everything up to ">" or the end.
_TAG_START = re.compile(r"<(?![ \t\n\v\f\r])")


def bank_to_gift(questions: Iterable[dict[str, Any]], *, moodle: bool = True) -> str:
    """A GIFT file: the questions separated by a blank line, ending with a newline."""
    blocks = [to_gift(question, moodle=moodle) for question in questions]
    return "\n\n".join(blocks) + "\n" if blocks else ""


def to_gift(question: dict[str, Any], *, moodle: bool = True) -> str:
    """One question (or `$CATEGORY` entry) as GIFT text, without a trailing newline."""
    if question.get("qtype") == "category":
        path = clean(question.get("category"), "category")
        path = _CATEGORY_BACKSLASH.sub(r"\\\\", path).replace("\n", "\\n")
        return f"$CATEGORY: {path}" if path else "$CATEGORY:"
    kind = type_of(question)

    qformat = question.get("questiontextformat") or "moodle"
    text = clean(question.get("questiontext"), "questiontext")
    name = question.get("name")
    head = ""
    if name is not None:
        name = clean(name, "name")
        # The parser strips markup from titles and cuts them at 255 characters.
        if clean_name(name) != name:
            raise ValueError(f"title {name!r} holds markup or is over 255 characters")
        problem = moodle_title_problem(name) if moodle else None
        if problem:
            raise ValueError(problem)
        head = f"::{escape(name)}::"
    if moodle:
        _check_grades(kind.fractions(question))
    # Untitled, the text starts the line: "//" would make it a comment and a byte-order
    # mark would be dropped at the start of a file, so a format tag goes first.
    guard = name is None and text.startswith(("//", "\ufeff"))
    tag = format_tag(text, qformat, "moodle", guard)

    block = kind.write(question, qformat)
    feedback = clean(question.get("generalfeedback"), "generalfeedback")
    feedbackformat = question.get("generalfeedbackformat") or qformat
    if block is None:
        if feedback or feedbackformat != qformat:
            raise ValueError("a description has no answer block to hold general feedback")
        body = tag + escape(text)
    else:
        if feedback or feedbackformat != qformat:
            gap = " " if block else ""
            block += f"{gap}####{format_tag(feedback, feedbackformat, qformat)}{escape(feedback)}"
        block = "{" + block + "}"
        blank = text.find(BLANK)
        # Only when text follows: a block ending the text is dropped, not replaced by "_____".
        if kind.qtype in _MISSING_WORD and 0 <= blank < len(text) - len(BLANK):
            before, after = text[:blank], text[blank + len(BLANK) :]
            body = tag + escape(before) + block + escape(after)
        else:
            body = tag + escape(text) + (" " if text else "") + block
    line = head + body
    if not line:
        raise ValueError("an untitled description needs some text")
    comment = _comment(question)
    return f"{comment}\n{line}" if comment else line


def moodle_title_problem(name: str) -> str | None:
    """Why Moodle would not keep this title as it is, or None.

    Moodle cleans titles with clean_param(PARAM_TEXT), that is PHP's strip_tags(): "<"
    followed by anything but a space starts a tag, dropped with everything up to ">" or the
    end (`Budget<2020` becomes `Budget`). No escape survives it (an entity such as &lt; is
    stored as typed, and shown as such in Moodle's own editing form), so such a title is
    refused rather than changed.
    """
    if _TAG_START.search(name):
        return (
            f"title {name!r}: Moodle drops '<' and what follows it unless a space follows "
            "the '<'; write 'less than' or put a space after '<'"
        )
    return None


def _check_grades(fractions: list[Any]) -> None:
    for fraction in fractions:
        accepted, nearest = moodle_grade(number(fraction, "fraction"))
        if not accepted:
            raise ValueError(
                f"grade {percent_text(fraction)}% is not one of Moodle's grades, which would "
                f"refuse the file or round it; the nearest is {percent_text(nearest)}%"
            )


def _comment(question: dict[str, Any]) -> str:
    """The `// [id:…] [tag:…]` line for the idnumber and tags, or ""."""
    marks = []
    idnumber = clean(question.get("idnumber"), "idnumber")
    if idnumber:
        _check_mark(idnumber, "idnumber", "[tag:")
        marks.append(f"[id:{_bracketed(idnumber)}]")
    for tag in question.get("tags") or []:
        tag = clean(tag, "tag")
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
