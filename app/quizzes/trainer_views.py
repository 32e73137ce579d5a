"""Trainer screens over quizzes: attempts, score distribution and item analysis, with CSV."""

from __future__ import annotations

import re

from flask import Blueprint, abort, render_template
from sqlalchemy import func, select

from app.accounts import policy
from app.accounts.models import Role
from app.catalog import services as catalog
from app.catalog.models import Edition
from app.exports import csv_response
from app.extensions import db
from app.learning.models import Enrolment
from app.quizzes import analysis, services
from app.quizzes.models import QuizAttempt

bp = Blueprint("teach", __name__, url_prefix="/teach", template_folder="templates")
trainer_required = policy.role_required(Role.TRAINER)


@bp.route("/")
@trainer_required
def list_quizzes():
    """Every quiz of the published courses, with how many graded attempts it has."""
    courses = catalog.published_courses()
    edition_ids = [e.id for c in courses for e in c.current_version.editions]
    counts = {
        (edition_id, key): n
        for edition_id, key, n in db.session.execute(
            select(Enrolment.edition_id, QuizAttempt.quiz_key, func.count())
            .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
            .where(Enrolment.edition_id.in_(edition_ids), QuizAttempt.score.is_not(None))
            .group_by(Enrolment.edition_id, QuizAttempt.quiz_key)
        )
    }
    return render_template(
        "quizzes/teach_list.html", courses=courses, counts=counts, quizzes_of=services.quizzes_of
    )


def _load(edition_id: int, quiz_key: str) -> tuple[Edition, services.QuizRef]:
    if not re.fullmatch(r"final|m\d{1,10}", quiz_key):
        abort(404)
    edition = db.session.get(Edition, edition_id) or abort(404)
    ref = next((r for r in services.quizzes_of(edition) if r.key == quiz_key), None)
    if ref is None:
        abort(404)
    return edition, ref


@bp.route("/editions/<id:edition_id>/quizzes/<quiz_key>")
@trainer_required
def show_analysis(edition_id: int, quiz_key: str):
    """Score distribution (chart and table) and item analysis of one quiz."""
    edition, ref = _load(edition_id, quiz_key)
    result = analysis.analyse(edition.id, ref.key)
    peak = max(result.distribution) or 1
    return render_template(
        "quizzes/teach_analysis.html", edition=edition, ref=ref, result=result, peak=peak
    )


@bp.route("/editions/<id:edition_id>/quizzes/<quiz_key>.csv")
@trainer_required
def export_analysis(edition_id: int, quiz_key: str):
    """The item analysis as CSV."""
    edition, ref = _load(edition_id, quiz_key)
    headers, rows = analysis.csv_rows(analysis.analyse(edition.id, ref.key))
    slug = edition.version.course.slug
    return csv_response(f"{slug}-{edition.language}-{ref.key}-items.csv", headers, rows)
