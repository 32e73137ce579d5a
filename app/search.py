"""Search that forgives accents and case, the same in every search box and on every database.

SQLite's LOWER and LIKE fold ASCII only, and PostgreSQL's ILIKE keeps accents, so "Rodriguez"
and "Rodríguez" used to find different people. Instead, each searchable row stores a
*search key*: its searchable text run through `normalise` (Unicode NFKD with the combining
marks removed, a few letters without a decomposition spelt out, case folded, whitespace
collapsed). A search runs the typed words through the same function and matches each word
anywhere in the key with LIKE, so "garcia", "GARCIA" and "García" find the same rows and
"cooperacion" finds "Cooperación".

The keys are written by the owning domain's models (a column default computed from the row's
other values, which also covers bulk `insert()`s, plus a `before_update` listener). On
PostgreSQL each key has a pg_trgm GIN index, so an infix LIKE is an index search, not a scan;
SQLite has no such index and scans the key column, which is short.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from sqlalchemy import and_, true
from sqlalchemy.sql.elements import ColumnElement

#: Letters NFKD leaves whole; spelt the way a keyboard without them would type them.
_SPELT_OUT = str.maketrans(
    {"ø": "o", "đ": "d", "ð": "d", "ł": "l", "ħ": "h", "ı": "i", "þ": "th", "æ": "ae", "œ": "oe"}
)
_SPACES = re.compile(r"\s+")
#: A search uses at most this many words; more add no precision, only work.
MAX_WORDS = 8


def normalise(text: str | None) -> str:
    """The search form of a text: no accents, case folded, single spaces."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", text.casefold())
    # Control characters (a NUL, which PostgreSQL refuses in a parameter) count as spaces.
    bare = "".join(
        " " if unicodedata.category(c) == "Cc" else c
        for c in folded
        if not unicodedata.combining(c)
    )
    return _SPACES.sub(" ", bare.translate(_SPELT_OUT)).strip()


def key_of(*parts: str | None) -> str:
    """The search key of a row whose searchable fields are `parts`."""
    return normalise(" ".join(p for p in parts if p))


def words(query: str | None) -> list[str]:
    """The normalised words of what was typed, at most MAX_WORDS."""
    return normalise(query).split()[:MAX_WORDS]


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def matches(column, query: str | None) -> ColumnElement[bool]:
    """SQL: every word of the query appears somewhere in the search-key column."""
    found = words(query)
    if not found:
        return true()
    return and_(*(column.like(f"%{_escape(w)}%", escape="\\") for w in found))


def default_from(*names: str) -> Callable:
    """A column default computing the key from the row's other columns as inserted, so bulk
    `insert()`s with plain dictionaries get their key too."""

    def compute(context) -> str:
        values = context.get_current_parameters()
        return key_of(*(values.get(name) for name in names))

    return compute
