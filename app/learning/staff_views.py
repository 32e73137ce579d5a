"""A reviewer's view of one official's learning (their courses and progress) and enrolling
them in a course. The staff list itself, invitations and imports are accounts' screens."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import policy
from app.catalog import services as catalog
from app.extensions import db
from app.forms import options

from . import accommodations, services
from .forms import QuizTimeForm, StaffEnrolForm

bp = Blueprint("people", __name__, url_prefix="/staff", template_folder="templates")
log = logging.getLogger("aula.learning")


def _course_options(form: StaffEnrolForm) -> dict:
    courses = {c.slug: c for c in catalog.published_courses()}
    form.course.choices = options(
        (slug, catalog.display_title(c.current_version, current_user.locale))
        for slug, c in courses.items()
    )
    return courses


@bp.route("/<id:user_id>")
def show_person(user_id: int):
    """One official: their courses and progress, and enrolment in another course."""
    person = policy.person_for_reviewer(current_user, user_id)
    form = StaffEnrolForm(formdata=None)
    _course_options(form)
    return render_template(
        "learning/staff_person.html",
        person=person,
        rows=services.my_learning(person),
        form=form,
        time_form=_time_form(person, formdata=None),
    )


def _time_form(person, **kwargs) -> QuizTimeForm:
    """The time multiple form; shown (formdata=None) with the person's current multiple."""
    form = QuizTimeForm(**kwargs)
    form.percent.choices = options(accommodations.TIME_PERCENTS.items())
    if "formdata" in kwargs:
        form.percent.data = person.quiz_time_percent or 100
    return form


@bp.route("/<id:user_id>/quiz-time", methods=["POST"])
def set_quiz_time(user_id: int):
    """Grant a person more time on timed quizzes (an accommodation): attempts they start
    from now on get the quiz's limit times the chosen multiple."""
    person = policy.person_for_reviewer(current_user, user_id)
    form = _time_form(person)
    if not form.validate_on_submit():
        flash(_("Time on timed quizzes: choose one of the options offered."), "error")
        return redirect(url_for("people.show_person", user_id=person.id))
    if accommodations.set_quiz_time(person, form.percent.data, actor=current_user):
        db.session.commit()
        log.info(
            "user %s set quiz time of user %s to %s%%",
            current_user.id,
            person.id,
            form.percent.data,
        )
    flash(_("The time allowed for %(name)s is saved.", name=person.name), "success")
    return redirect(url_for("people.show_person", user_id=person.id))


@bp.route("/<id:user_id>/enrol", methods=["POST"])
def enrol_person(user_id: int):
    """Enrol an official in a course, in their own language where the course has it."""
    person = policy.person_for_reviewer(current_user, user_id)
    form = StaffEnrolForm()
    courses = _course_options(form)
    if not form.validate_on_submit():
        abort(400)
    course = courses[form.course.data]
    services.enrol(person, course, person.locale, actor=current_user)
    db.session.commit()
    log.info("user %s enrolled user %s in %s", current_user.id, person.id, course.slug)
    flash(_("%(name)s is enrolled.", name=person.name), "success")
    return redirect(url_for("people.show_person", user_id=person.id))
