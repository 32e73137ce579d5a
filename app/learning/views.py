"""My learning: the official's courses, progress and where to continue."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user

from app.catalog import services as catalog
from app.clock import utcnow
from app.forms import ConfirmForm
from app.learning import services
from app.learning.assignments import for_user, notices_for

bp = Blueprint("learning", __name__, url_prefix="/learning", template_folder="templates")


@bp.route("/")
def my_learning():
    """Each course the official follows, with its progress and a continue button; the
    certificates earned, and those to renew soon (lent by certificates to the template)."""
    return render_template(
        "learning/my_learning.html",
        assigned=for_user(current_user),
        notices=notices_for(current_user),
        display_title=lambda version: catalog.display_title(version, str(get_locale())),
        rows=services.my_learning(current_user),
        withdraw_form=ConfirmForm(formdata=None),
        now=utcnow(),
    )


@bp.route("/<slug>/continue")
def resume(slug: str):
    """Back to where the official left off."""
    course = catalog.find_course(slug) or abort(404)
    enrolment = services.find_enrolment(current_user, course)
    if enrolment is None or not enrolment.is_active:
        return redirect(url_for("course.show_course", slug=slug))
    lesson = services.resume_lesson(enrolment)
    if lesson is not None:
        return redirect(url_for("course.show_lesson", slug=slug, lesson_id=lesson.id))
    # Every lesson is read: on to the first quiz still to pass, if any.
    pending = services.pending_quizzes([enrolment]).get(enrolment.id)
    if pending is None:
        return redirect(url_for("course.show_course", slug=slug))
    if pending[0] is None:
        return redirect(url_for("quiz.show_final", slug=slug))
    return redirect(url_for("quiz.show_quiz", slug=slug, module_id=pending[0].id))
