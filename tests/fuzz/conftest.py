"""Shared pieces of the fuzz tests: hostile-input strategies, row counts, upload helpers.

The property these tests hold every importer to: any input either works or gets the
component's own clear error; never an unexpected exception (a 500 over HTTP), never a hang,
and nothing written when the answer is an error.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db, limiter

CORPUS = Path(__file__).parent / "corpus"

#: AULA_FUZZ_SCALE=20 multiplies every example count, for a longer hunt than CI's.
SCALE = int(os.environ.get("AULA_FUZZ_SCALE", "1"))
#: Over HTTP each example is a real request against the real database: few, but many runs
#: of the suite add up. The fixtures are built once per test, not per example, which is
#: what the health check warns about; the tests count rows per example instead.
HTTP = settings(
    max_examples=30 * SCALE,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
FUNCTION = settings(max_examples=300 * SCALE, deadline=None, database=None)

#: The audit log may record a refused attempt: that is the log doing its job, not a write
#: of the refused content. Every other table must be left exactly as it was.
UNCHANGED_EXCEPT = {"audit_log"}


def row_counts() -> dict[str, int]:
    """Rows in every table but the audit log, in one query."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in UNCHANGED_EXCEPT]
    counts = db.session.execute(
        select(*(select(func.count()).select_from(t).scalar_subquery() for t in tables))
    ).one()
    db.session.rollback()
    return dict(zip((t.name for t in tables), counts, strict=True))


@pytest.fixture
def no_rate_limits(monkeypatch):
    """Hundreds of uploads in a few seconds are the point here, not an attack."""
    monkeypatch.setattr(limiter, "enabled", False)


# Strategies --------------------------------------------------------------------------------

#: Pieces that break text handling: NUL and other controls, every line ending, BOMs,
#: surrogates' neighbours, a noncharacter, right-to-left and zero-width marks, combining marks.
NASTY = [
    "\x00",
    "\x01",
    "\x1b",
    "\x7f",
    "\r",
    "\n",
    "\r\n",
    "\t",
    "\v",
    "\f",
    "\x85",
    "\u2028",
    "\ufeff",
    "\ufffd",
    "\ufdd0",
    "\ud7ff",
    "\ue000",
    "\U0010ffff",
    "\u202e",
    "\u200b",
    "e\u0301",
    "\U0001f600",
    "",
    " ",
    '"',
    "'",
    "\\",
    "%",
    "%s",
    "{{",
    "<script>",
    "&#0;",
]
nasty_text = st.lists(st.sampled_from(NASTY) | st.text(max_size=8), max_size=30).map("".join)


def encodings(text_strategy):
    """Text as the bytes a careless program might save it in, including invalid UTF-8."""
    return st.one_of(
        text_strategy.map(lambda s: s.encode("utf-8", "surrogatepass")),
        text_strategy.map(lambda s: b"\xef\xbb\xbf" + s.encode("utf-8", "surrogatepass")),
        text_strategy.map(lambda s: s.encode("utf-16", "surrogatepass")),
        text_strategy.map(lambda s: s.encode("latin-1", "replace")),
        text_strategy.map(lambda s: s.encode("cp1252", "replace")),
        st.binary(max_size=300),
    )


def zip_of(entries: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_folder(folder: Path, prefix: str) -> dict[str, bytes]:
    return {
        f"{prefix}/{p.relative_to(folder).as_posix()}": p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
