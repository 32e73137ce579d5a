"""Certificate codes: random, unguessable, and easy to read aloud or type from paper."""

from __future__ import annotations

import re
import secrets

#: No 0/O, 1/I/L or U/V look-alikes: 29 symbols; 16 of them carry 77 bits of chance.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
GROUPS, GROUP_SIZE = 4, 4
LENGTH = GROUPS * GROUP_SIZE
_SEPARATORS = re.compile(r"[\s\-_.]+")


def new_code() -> str:
    """A fresh code in its stored form: 16 symbols, no separators."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def display(code: str) -> str:
    """The printed form: four groups joined by hyphens."""
    return "-".join(code[i : i + GROUP_SIZE] for i in range(0, LENGTH, GROUP_SIZE))


def normalise(typed: str) -> str | None:
    """The stored form of what somebody typed, or None when it cannot be a code.

    Case, spaces and hyphens do not matter; a character outside the alphabet means the
    code is wrong (the caller answers "not found", like for any unknown code).
    """
    code = _SEPARATORS.sub("", typed or "").upper()
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return None
    return code
