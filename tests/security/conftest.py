"""Helpers shared by the web-hardening tests."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.extensions import db

CSRF_TOKEN_RE = re.compile(r'(<input[^>]*name="csrf_token"[^>]*value=")([^"]*)(")')


def database_snapshot() -> dict[str, list[str]]:
    """Every row of every table, so a test can show that a request changed nothing at all."""
    db.session.rollback()
    return {
        table.name: sorted(repr(tuple(row)) for row in db.session.execute(select(table)))
        for table in db.metadata.sorted_tables
    }


def changed_tables(before: dict, after: dict) -> list[str]:
    return [name for name in before if before[name] != after.get(name)]


def without_tokens(html: str) -> str:
    """A page with its CSRF tokens blanked, so two renderings can be compared whole."""
    return CSRF_TOKEN_RE.sub(r"\1\3", html)


def csrf_token_in(html: str) -> str:
    """The first CSRF token a page carries, as a browser would send it back."""
    return CSRF_TOKEN_RE.search(html).group(2)
