"""TOML from strangers: tomllib behind a linear shape check, so no course file can cost the
reader deep recursion or quadratic time."""

from __future__ import annotations

import re
import tomllib

#: Far beyond any course file, far below what costs the TOML reader real time or memory
#: (it recurses into nested arrays and tables, and is quadratic in a key's dotted parts).
TOML_MAX_DEPTH = 32
TOML_MAX_KEY_PARTS = 32

_TOML_TOKEN = re.compile(r"""\"\"\"|'''|["'#\[\]{}.=,\n]""")
_TOML_BASIC_END = re.compile(r'(?:[^"\\\n]|\\.)*"')
# A multi-line string may end with one or two quotes right before its closing three.
_TOML_MULTI_END = re.compile(r'(?:[^"\\]|\\.|"(?!""))*""""?"?', re.DOTALL)


def _string_end(text: str, quote: str, pos: int) -> int:
    """Where the string that opened with quote just before pos ends; -1 if it never does."""
    if quote == '"':
        found = _TOML_BASIC_END.match(text, pos)
        return found.end() if found else -1
    if quote == '"""':
        found = _TOML_MULTI_END.match(text, pos)
        return found.end() if found else -1
    close = text.find(quote, pos)
    if close == -1 or (quote == "'" and "\n" in text[pos:close]):
        return -1
    end = close + len(quote)
    if quote == "'''":
        while end < len(text) and end < close + 5 and text[end] == "'":
            end += 1
    return end


def _toml_shape(text: str) -> tuple[int, str] | None:
    """(line, message) when text nests deeper, or has longer dotted keys, than a course file
    ever needs. A linear scan that skips strings and comments; text that is not TOML is
    left for tomllib to report."""
    stack: list[str] = []
    line, parts, in_key, pos = 1, 1, True, 0
    while found := _TOML_TOKEN.search(text, pos):
        mark, start, pos = found[0], found.start(), found.end()
        if mark in ('"', '"""', "'", "'''"):
            pos = _string_end(text, mark, pos)
            if pos == -1:
                return None
            line += text.count("\n", start, pos)
        elif mark == "#":
            pos = text.find("\n", pos)
            if pos == -1:
                return None
        elif mark == "\n":
            line += 1
            if not stack:
                in_key, parts = True, 1
        elif mark in "[{":
            stack.append(mark)
            if len(stack) > TOML_MAX_DEPTH:
                return line, f"nested more than {TOML_MAX_DEPTH} levels deep"
            if mark == "{":
                in_key, parts = True, 1
        elif mark in "]}":
            if stack:
                stack.pop()
            in_key = False
        elif mark == "." and in_key:
            parts += 1
            if parts > TOML_MAX_KEY_PARTS:
                return line, f"a dotted key of more than {TOML_MAX_KEY_PARTS} parts"
        elif mark == "=":
            in_key = False
        elif mark == "," and stack and stack[-1] == "{":
            in_key, parts = True, 1
    return None


def parse_toml(text: str) -> dict:
    """tomllib.loads for files from strangers. Every refusal is a TOMLDecodeError whose
    message ends in "(at line N, column M)", like tomllib's own."""
    shape = _toml_shape(text)
    if shape is not None:
        line, message = shape
        raise tomllib.TOMLDecodeError(f"{message} (at line {line}, column 1)")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        raise
    except ValueError:
        # int() refuses numbers of more than 4300 digits (sys.get_int_max_str_digits).
        digits = re.search(r"[0-9_]{4300,}", text)
        line = text.count("\n", 0, digits.start()) + 1 if digits else 1
        raise tomllib.TOMLDecodeError(
            f"a number with too many digits (at line {line}, column 1)"
        ) from None
