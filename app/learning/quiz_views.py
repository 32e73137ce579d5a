"""Taking module quizzes and final exams: start an attempt, answer, submit, see the result.

The quiz engine (app.quizzes) knows attempts by enrolment id; this is where an official's
enrolment meets it.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_datetime, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.catalog import services as catalog
from app.catalog.models import Course
from app.clock import utcnow
from app.extensions import db
from app.forms import ConfirmForm
from app.learning import services as learning
from app.learning.models import Enrolment, EnrolmentStatus
from app.quizzes import services
from app.quizzes.grading import InvalidResponse
from app.quizzes.models import AttemptState, QuizAttempt

bp = Blueprint("quiz", __name__, template_folder="templates")
#: How many past attempts the quiz page lists (the latest ones).
HISTORY = 10
log = logging.getLogger("aula.quizzes")


def _enrolment(slug: str):
    course: Course = catalog.find_course(slug) or abort(404)
    enrolment = learning.find_enrolment(current_user, course)
    if enrolment is None or not enrolment.is_active:
        return course, None
    return course, enrolment


def _quiz(enrolment, module_id: int | None) -> services.QuizRef:
    """The quiz of the enrolment's own edition; 404 for a module elsewhere or without a quiz."""
    for ref in services.quizzes_of(enrolment.edition):
        if (module_id is None and ref.module is None) or (
            ref.module and ref.module.id == module_id
        ):
            return ref
    abort(404)


def quiz_url(slug: str, ref: services.QuizRef) -> str:
    """The page of a quiz: a module's or the final exam."""
    if ref.module is None:
        return url_for("quiz.show_final", slug=slug)
    return url_for("quiz.show_quiz", slug=slug, module_id=ref.module.id)


@bp.route("/courses/<slug>/modules/<id:module_id>/quiz")
def show_quiz(slug: str, module_id: int):
    """A module quiz: past attempts, and the open attempt's questions or a start button."""
    return _show(slug, module_id)


@bp.route("/courses/<slug>/final")
def show_final(slug: str):
    """The final exam, shown like a module quiz."""
    return _show(slug, None)


def _show(slug: str, module_id: int | None):
    course, enrolment = _enrolment(slug)
    if enrolment is None:
        flash(_("Enrol in the course to take its quizzes."), "error")
        return redirect(url_for("course.show_course", slug=slug))
    ref = _quiz(enrolment, module_id)
    attempt = services.current_attempt(enrolment.id, ref.key)
    past = services.attempts(enrolment.id, ref.key, latest=HISTORY)
    used = services.attempt_count(enrolment.id, ref.key)
    positions = page = None
    if attempt is not None and ref.setting("one_per_page"):
        page = min(max(request.args.get("page", 0, type=int), 0), len(attempt.questions) - 1)
        positions = [page]
    return render_template(
        "learning/quiz.html",
        course=course,
        enrolment=enrolment,
        ref=ref,
        attempt=attempt,
        attempts=past,
        attempts_left=services.attempts_left(ref, used),
        attempts_used=used,
        saved=services.draft_responses(attempt) if attempt else {},
        positions=positions,
        page=page,
        pass_mark=enrolment.version.pass_mark,
        form=ConfirmForm(formdata=None),
        timing=_timing(ref, attempt),
    )


#: Warn this long before the deadline at least, or a fifth of the time allowed if longer.
WARN_AT_LEAST = timedelta(minutes=5)


def _timing(ref: services.QuizRef, attempt: QuizAttempt | None) -> dict | None:
    """The countdown's figures for an open timed attempt: seconds left by the server's clock
    (the browser's may be wrong), when to warn, and the extensions still allowed."""
    if attempt is None or attempt.deadline is None:
        return None
    now = utcnow()
    allowed = attempt.deadline - attempt.started_at
    return {
        "seconds_left": max(int((attempt.deadline - now).total_seconds()), 0),
        "warn_seconds": int(max(WARN_AT_LEAST, allowed / 5).total_seconds()),
        "extensions_left": services.extensions_left(ref, attempt, now),
        "extension_minutes": ref.setting("extension_minutes"),
    }


@bp.route("/courses/<slug>/modules/<id:module_id>/quiz/start", methods=["POST"])
def start_quiz(slug: str, module_id: int):
    """Open an attempt at a module quiz."""
    return _start(slug, module_id)


@bp.route("/courses/<slug>/final/start", methods=["POST"])
def start_final(slug: str):
    """Open an attempt at the final exam."""
    return _start(slug, None)


def _start(slug: str, module_id: int | None):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _course, enrolment = _enrolment(slug)
    if enrolment is None:
        abort(403)
    ref = _quiz(enrolment, module_id)
    try:
        services.start_attempt(
            enrolment.id,
            ref,
            enrolment.version.pass_mark,
            time_percent=current_user.quiz_time_percent or 100,
        )
    except services.AttemptLimitReached:
        flash(_("You have used every attempt this quiz allows."), "error")
        return redirect(quiz_url(slug, ref))
    db.session.commit()
    return redirect(quiz_url(slug, ref) + "#questions")


def _own_attempt(slug: str, attempt_id: int):
    """The attempt with its enrolment and course, in one query; someone else's attempt (or
    one on another course, or after withdrawing) looks like no attempt at all."""
    row = db.session.execute(
        select(QuizAttempt, Enrolment, Course)
        .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
        .join(Course, Course.id == Enrolment.course_id)
        .where(
            QuizAttempt.id == attempt_id,
            Course.slug == slug,
            Enrolment.user_id == current_user.id,
            Enrolment.status != EnrolmentStatus.WITHDRAWN,
        )
    ).first()
    if row is None:
        abort(404)
    attempt, enrolment, course = row
    return course, enrolment, attempt


def _ref_for(enrolment, attempt: QuizAttempt) -> services.QuizRef:
    module_id = None if attempt.quiz_key == "final" else int(attempt.quiz_key[1:])
    return _quiz(enrolment, module_id)


@bp.route("/courses/<slug>/attempts/<id:attempt_id>/submit", methods=["POST"])
def submit(slug: str, attempt_id: int):
    """Grade an attempt on the server; a second submission records nothing more."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    course, enrolment, attempt = _own_attempt(slug, attempt_id)
    late = services.is_late(attempt)
    confirmed = request.form.get("confirmed") == "1"
    try:
        # Confirmed on the confirmation page, which posts no answer: the answers are those
        # saved when it was shown.
        positions = [] if confirmed and not _has_answers(request.form) else _page_positions(attempt)
        responses = (
            {} if late else services.responses_from_form(attempt.questions, request.form, positions)
        )
        if not late and not confirmed and attempt.state == AttemptState.IN_PROGRESS:
            blank = services.unanswered(attempt, responses)
            if blank:
                return _confirm_blank(course, enrolment, attempt, responses, blank)
        # Late, the answers saved in time are graded whatever the policy (WCAG 2.2.1).
        services.submit_attempt(attempt, responses)
    except InvalidResponse as exc:
        db.session.rollback()
        log.warning(
            "user %s sent an invalid answer to attempt %s: %s", current_user.id, attempt_id, exc
        )
        abort(400)
    except (services.AttemptClosed, OperationalError):
        # Closed by another request (a double click, a second tab). SQLite reports the same
        # race as a locked database; either way the other request's result stands.
        db.session.rollback()
        return redirect(url_for("quiz.show_attempt", slug=slug, attempt_id=attempt_id))
    # Only a pass can complete the course; a fail or an essay awaiting a grade cannot.
    completed = attempt.passed and learning.refresh_completion(enrolment)
    db.session.commit()
    if late:
        flash(_("The time limit had passed: answers sent after it do not count."), "error")
    if completed:
        flash(_("Congratulations: you have completed this course."), "success")
    return redirect(url_for("quiz.show_attempt", slug=slug, attempt_id=attempt_id))


@bp.route("/courses/<slug>/attempts/<id:attempt_id>/extend", methods=["POST"])
def extend(slug: str, attempt_id: int):
    """Take one of the extensions the quiz allows: the deadline moves on the server."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    course, enrolment, attempt = _own_attempt(slug, attempt_id)
    ref = _ref_for(enrolment, attempt)
    try:
        services.extend_attempt(ref, attempt)
    except services.NoExtensionLeft:
        db.session.rollback()
        flash(_("No more time can be added to this attempt."), "error")
        return redirect(quiz_url(course.slug, ref) + "#timer")
    db.session.commit()
    minutes = ref.setting("extension_minutes")
    flash(
        ngettext(
            "%(num)s minute added: the new time limit is %(time)s.",
            "%(num)s minutes added: the new time limit is %(time)s.",
            minutes,
            time=format_datetime(attempt.deadline, "short"),
        ),
        "success",
    )
    return redirect(quiz_url(course.slug, ref) + "#timer")


def _confirm_blank(course, enrolment, attempt: QuizAttempt, responses: dict, blank: list[int]):
    """Keep what was answered, then ask before grading a quiz with questions left blank: a
    blank submitted by mistake would otherwise cost an attempt."""
    services.save_draft(attempt, responses)
    db.session.commit()
    ref = _ref_for(enrolment, attempt)
    back = quiz_url(course.slug, ref)
    if ref.setting("one_per_page"):
        back += f"?page={blank[0]}"
    return render_template(
        "learning/quiz_confirm.html",
        course=course,
        enrolment=enrolment,
        ref=ref,
        attempt=attempt,
        numbers=[p + 1 for p in blank],
        back_url=back + "#questions",
        form=ConfirmForm(formdata=None),
    )


def _has_answers(form) -> bool:
    return any(re.fullmatch(r"q\d+(?:_\d+)?", key) for key in form)


def _page_positions(attempt: QuizAttempt) -> list[int] | None:
    """The questions the posted page showed: one (one-per-page layout) or all (None)."""
    page = request.form.get("page")
    if page is None:
        return None
    if not page.isdigit() or int(page) >= len(attempt.questions):
        raise InvalidResponse("no such page")
    return [int(page)]


@bp.route("/courses/<slug>/attempts/<id:attempt_id>/save", methods=["POST"])
def save(slug: str, attempt_id: int):
    """Keep the answers given so far, then show the page asked for (one-per-page layout)."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _course, enrolment, attempt = _own_attempt(slug, attempt_id)
    ref = _ref_for(enrolment, attempt)
    try:
        responses = services.responses_from_form(
            attempt.questions, request.form, _page_positions(attempt)
        )
    except InvalidResponse as exc:
        log.warning(
            "user %s sent an invalid answer to attempt %s: %s", current_user.id, attempt_id, exc
        )
        abort(400)
    saved = services.save_draft(attempt, responses)
    if saved:
        db.session.commit()
    if request.headers.get("X-Aula-Autosave") == "1":
        # The page's own script, saving in the background: no page to show, just the outcome.
        return ("", 204) if saved else ("", 409)
    if saved:
        flash(_("Your answers are saved."), "success")
    else:
        flash(_("This attempt is closed: nothing more can be saved."), "error")
    go = request.form.get("go", "")
    target = quiz_url(slug, ref)
    if go.isdigit():
        target += f"?page={int(go)}"
    return redirect(target + "#questions")


@bp.route("/courses/<slug>/attempts/<id:attempt_id>")
def show_attempt(slug: str, attempt_id: int):
    """The result of one's own attempt, with the feedback of each answer."""
    course, enrolment, attempt = _own_attempt(slug, attempt_id)
    if attempt.state == AttemptState.IN_PROGRESS:
        return redirect(quiz_url(slug, _ref_for(enrolment, attempt)))
    responses = {r.position: r for r in attempt.responses}
    ref = _ref_for(enrolment, attempt)
    policy = ref.setting("feedback")
    passed_once = any(a.passed for a in services.attempts(enrolment.id, ref.key))
    completed = enrolment.status == EnrolmentStatus.COMPLETED
    return render_template(
        "learning/result.html",
        course=course,
        enrolment=enrolment,
        completed=completed,
        next_step=None if completed or not attempt.passed else _next_quiz(slug, enrolment),
        attempt=attempt,
        ref=ref,
        show_feedback=policy == "after_attempt" or (policy == "after_passing" and passed_once),
        responses=responses,
        quiz_url=quiz_url(slug, _ref_for(enrolment, attempt)),
    )


def _next_quiz(slug: str, enrolment) -> tuple[services.QuizRef, str] | None:
    """The first quiz still to pass once this one is passed, with every lesson read."""
    remaining = learning.remaining(enrolment)
    if remaining.lessons or not remaining.quizzes:
        return None
    return remaining.quizzes[0], quiz_url(slug, remaining.quizzes[0])


def quiz_links(course: Course, enrolment) -> list[tuple[services.QuizRef, str, float | None]]:
    """(quiz, address, best score) for the course page."""
    refs = services.quizzes_of(enrolment.edition)
    scores = services.quiz_scores(enrolment.id, refs)
    return [(ref, quiz_url(course.slug, ref), scores.get(ref.key)) for ref in refs]
