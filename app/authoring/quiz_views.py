"""Trainer screens over quizzes: attempts, score distribution and item analysis, with CSV."""

from __future__ import annotations

import re

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from app.accounts import audit
from app.catalog import services as catalog
from app.catalog.models import Edition
from app.exports import send_table
from app.extensions import db
from app.forms import ConfirmForm
from app.learning import services as learning
from app.learning.models import Enrolment
from app.quizzes import analysis, services
from app.quizzes.grading import InvalidResponse
from app.quizzes.models import AttemptState, QuizAttempt

bp = Blueprint("teach", __name__, url_prefix="/teach", template_folder="templates")


@bp.route("/")
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
        "authoring/teach_list.html", courses=courses, counts=counts, quizzes_of=services.quizzes_of
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
def show_analysis(edition_id: int, quiz_key: str):
    """Score distribution (chart and table) and item analysis of one quiz."""
    edition, ref = _load(edition_id, quiz_key)
    result = analysis.analyse(edition.id, ref.key)
    peak = max(result.distribution) or 1
    return render_template(
        "authoring/teach_analysis.html", edition=edition, ref=ref, result=result, peak=peak
    )


@bp.route("/editions/<id:edition_id>/quizzes/<quiz_key>.csv")
def export_analysis(edition_id: int, quiz_key: str):
    """The item analysis as CSV."""
    edition, ref = _load(edition_id, quiz_key)
    headers, rows = analysis.csv_rows(analysis.analyse(edition.id, ref.key))
    slug = edition.version.course.slug
    audit.exported(
        current_user,
        "quiz_analysis",
        "csv",
        target_type="edition",
        target_id=edition.id,
        course=slug,
        language=edition.language,
        quiz=ref.key,
    )
    db.session.commit()
    return send_table(f"{slug}-{edition.language}-{ref.key}-items.csv", "csv", headers, rows)


@bp.route("/grading")
def grading_queue():
    """Attempts whose essays wait for a trainer, oldest first, a page at a time."""
    stmt = (
        select(QuizAttempt)
        .where(QuizAttempt.state == AttemptState.NEEDS_GRADING)
        .options(
            joinedload(QuizAttempt.enrolment).joinedload(Enrolment.user),
            joinedload(QuizAttempt.enrolment).joinedload(Enrolment.edition),
        )
        .order_by(QuizAttempt.submitted_at, QuizAttempt.id)
    )
    page = db.paginate(stmt, per_page=current_app.config["PAGE_SIZE"], error_out=False)
    return render_template("authoring/teach_queue.html", page=page)


@bp.route("/grading/<id:attempt_id>", methods=["GET", "POST"])
def grade_attempt(attempt_id: int):
    """Grade the essays of one attempt (0 to 100 each, with optional feedback)."""
    attempt = db.session.get(QuizAttempt, attempt_id) or abort(404)
    if attempt.state != AttemptState.NEEDS_GRADING:
        flash(_("This attempt has been graded already."), "info")
        return redirect(url_for("teach.grading_queue"))
    waiting = services.essays_to_grade(attempt)
    form = ConfirmForm()
    errors: dict[int, str] = {}
    if form.validate_on_submit():
        grades = {}
        for position, _question, _response in waiting:
            raw = request.form.get(f"grade_{position}", "").strip()
            if not raw.isdigit() or not 0 <= int(raw) <= 100:
                errors[position] = _("Give a whole number from 0 to 100.")
                continue
            grades[position] = (
                int(raw) / 100,
                request.form.get(f"feedback_{position}", "").strip()[:5000],
            )
        if not errors:
            try:
                services.grade_essays(attempt, grades, current_user.id)
            except (InvalidResponse, services.AttemptClosed):
                db.session.rollback()
                abort(400)
            enrolment = db.session.get(Enrolment, attempt.enrolment_id)
            learning.refresh_completion(enrolment)
            db.session.commit()
            flash(_("Grades saved."), "success")
            return redirect(url_for("teach.grading_queue"))
    status = 400 if errors else 200
    return render_template(
        "authoring/teach_grade.html", attempt=attempt, waiting=waiting, form=form, errors=errors
    ), status
