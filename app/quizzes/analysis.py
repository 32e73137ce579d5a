"""Item analysis of a quiz for trainers: score distribution, facility and discrimination per
question, and how often each answer was chosen.

Attempts are read in batches and summed as they stream past, so a quiz taken by 100,000
officials never sits in memory at once.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import column, select, table

from app.extensions import db
from app.quizzes.models import QuizAttempt, QuizResponse
from app.quizzes.types import type_of

BUCKETS = 10
# The enrolments table by name, like QuizAttempt's foreign key: the quiz engine sits below
# learning and imports no enrolment model, only the column that says which edition.
_enrolments = table("enrolments", column("id"), column("edition_id"))


@dataclass
class ItemStats:
    """Running sums for one question; x is its fraction, y the rest of the attempt's score."""

    name: str
    qtype: str
    text: str
    n: int = 0
    sx: float = 0.0
    sy: float = 0.0
    sxx: float = 0.0
    syy: float = 0.0
    sxy: float = 0.0
    answers: Counter = field(default_factory=Counter)

    def add(self, fraction: float, rest: float) -> None:
        self.n += 1
        self.sx += fraction
        self.sy += rest
        self.sxx += fraction * fraction
        self.syy += rest * rest
        self.sxy += fraction * rest

    @property
    def facility(self) -> float | None:
        """Mean score on the question, in percent: how easy it was."""
        return 100 * self.sx / self.n if self.n else None

    @property
    def discrimination(self) -> float | None:
        """Correlation between this question and the rest of the attempt (-1 to 1): do those
        who do well overall do well here? None while it cannot be computed."""
        if self.n < 2:
            return None
        cov = self.n * self.sxy - self.sx * self.sy
        var_x = self.n * self.sxx - self.sx**2
        var_y = self.n * self.syy - self.sy**2
        if var_x <= 1e-12 or var_y <= 1e-12:
            return None
        return cov / math.sqrt(var_x * var_y)


@dataclass
class Analysis:
    attempts: int
    distribution: list[int]
    items: list[ItemStats]

    @property
    def bucket_labels(self) -> list[str]:
        step = 100 // BUCKETS
        return [f"{low}–{low + step}" for low in range(0, 100, step)]


def _chosen(question: dict, response) -> list[str]:
    """What the official answered, as text, for the answer-frequency table."""
    if response is None:
        return []
    try:
        kind = type_of(question)
    except ValueError:
        return []
    return kind.chosen(question, response)


def analyse(edition_id: int, quiz_key: str) -> Analysis:
    """Statistics over every graded attempt at one quiz of one edition."""
    attempts = (
        select(QuizAttempt.id, QuizAttempt.score, QuizAttempt.questions)
        .join(_enrolments, _enrolments.c.id == QuizAttempt.enrolment_id)
        .where(
            _enrolments.c.edition_id == edition_id,
            QuizAttempt.quiz_key == quiz_key,
            QuizAttempt.score.is_not(None),
        )
        .order_by(QuizAttempt.id)
    )
    distribution = [0] * BUCKETS
    items: dict[str, ItemStats] = {}
    count = 0
    batch: list = []

    def flush(rows) -> None:
        responses: dict[int, dict[int, QuizResponse]] = {}
        for r in db.session.scalars(
            select(QuizResponse).where(QuizResponse.attempt_id.in_([row.id for row in rows]))
        ):
            responses.setdefault(r.attempt_id, {})[r.position] = r
        for row in rows:
            given = responses.get(row.id, {})
            graded = [
                (q, given[p])
                for p, q in enumerate(row.questions)
                if p in given and given[p].fraction is not None
            ]
            total = sum(r.fraction for _q, r in graded)
            for question, r in graded:
                key = question.get("name") or question["questiontext"][:80]
                stats = items.get(key)
                if stats is None:
                    stats = items[key] = ItemStats(key, question["qtype"], question["questiontext"])
                rest = (total - r.fraction) / max(1, len(graded) - 1)
                stats.add(r.fraction, rest)
                stats.answers.update(_chosen(question, r.response))

    for row in db.session.execute(attempts).yield_per(500):
        count += 1
        distribution[min(BUCKETS - 1, int(row.score // (100 / BUCKETS)))] += 1
        batch.append(row)
        if len(batch) == 500:
            flush(batch)
            batch = []
    if batch:
        flush(batch)
    return Analysis(count, distribution, sorted(items.values(), key=lambda s: s.name))


def csv_rows(analysis: Analysis):
    """(headers, rows) for the CSV export."""
    headers = [
        _("Question"),
        _("Type"),
        _("Responses"),
        _("Facility (%)"),
        _("Discrimination"),
        _("Answers chosen"),
    ]
    rows = (
        [
            item.name,
            item.qtype,
            item.n,
            None if item.facility is None else round(item.facility, 1),
            None if item.discrimination is None else round(item.discrimination, 3),
            "; ".join(f"{text} ({n})" for text, n in item.answers.most_common()),
        ]
        for item in analysis.items
    )
    return headers, rows
