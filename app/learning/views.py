"""My learning: the official's courses, progress and where to continue."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from app.catalog import services as catalog
from app.extensions import db
from app.forms import ConfirmForm
from app.learning import services

bp = Blueprint("learning", __name__, url_prefix="/learning", template_folder="templates")


@bp.route("/")
@login_required
def my_learning():
    """Each course the official follows, with its progress and a continue button."""
    return render_template(
        "learning/my_learning.html",
        rows=services.my_learning(current_user),
        withdraw_form=ConfirmForm(formdata=None),
    )


@bp.route("/<slug>/continue")
@login_required
def resume(slug: str):
    """Back to where the official left off."""
    course = catalog.find_course(slug) or abort(404)
    enrolment = services.find_enrolment(current_user, course)
    if enrolment is None or not enrolment.is_active:
        return redirect(url_for("catalog.show_course", slug=slug))
    lesson = services.resume_lesson(enrolment)
    db.session.commit()
    if lesson is None:
        return redirect(url_for("catalog.show_course", slug=slug))
    return redirect(url_for("catalog.show_lesson", slug=slug, lesson_id=lesson.id))
