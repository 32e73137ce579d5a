"""Trainers' pages: their courses, package upload and download, authors and history."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import EmailField, SubmitField
from wtforms.validators import DataRequired, Length

from app.accounts.models import User
from app.catalog import services
from app.catalog.models import CourseVersion
from app.extensions import db

from . import authors, packages
from .models import Draft

bp = Blueprint("author", __name__, url_prefix="/author", template_folder="templates")


class UploadForm(FlaskForm):
    package = FileField(
        _l("Course package (.zip)"), validators=[FileRequired(_l("Choose a .zip file."))]
    )
    submit = SubmitField(_l("Check and import"))


class AuthorForm(FlaskForm):
    email = EmailField(
        _l("E-mail address of a trainer"), validators=[DataRequired(), Length(max=254)]
    )
    submit = SubmitField(_l("Add as co-author"))


@bp.route("/", methods=["GET", "POST"])
def index():
    form = UploadForm()
    problems: list[str] = []
    status = 200
    if form.validate_on_submit():
        try:
            outcome, problems = packages.import_zip(current_user, form.package.data.stream)
        except authors.AuthoringRefused:
            db.session.rollback()
            problems = [
                _("A course with this identifier exists and you are not one of its owners.")
            ]
            outcome = None
        if outcome is not None:
            db.session.commit()
            if outcome.created:
                flash(_("Version %(n)s published.", n=outcome.version.number), "success")
            else:
                flash(
                    _("Nothing changed: the package is the same as the current version."), "success"
                )
            return redirect(url_for(".course", slug=outcome.course.slug))
        db.session.rollback()
        status = 400
    elif request.method == "POST":
        status = 400
    courses = authors.my_courses(current_user)
    titles = authors.titles(courses, str(get_locale() or "es"))
    return render_template(
        "authoring/author_index.html",
        courses=sorted(courses, key=lambda course: titles[course.id].casefold()),
        titles=titles,
        form=form,
        problems=problems,
    ), status


def _course_for_author(slug: str):
    course = services.find_course(slug)
    if course is None or not authors.can_read(current_user, course):
        abort(404)
    return course


@bp.route("/<slug>")
def course(slug: str):
    course = _course_for_author(slug)
    versions = db.session.scalars(
        select(CourseVersion)
        .where(CourseVersion.course_id == course.id)
        .order_by(CourseVersion.number.desc())
    ).all()
    return render_template(
        "authoring/author_course.html",
        course=course,
        title=authors.titles([course], str(get_locale() or "es"))[course.id],
        versions=versions,
        authors=authors.authors(course),
        history=authors.history(course),
        has_draft=db.session.get(Draft, course.id) is not None,
        can_publish=authors.can_publish(current_user, course),
        form=AuthorForm(),
        upload=UploadForm(),
    )


@bp.route("/<slug>/versions/<id:number>.zip")
def download(slug: str, number: int):
    course = _course_for_author(slug)
    version = services.get_version(course, number)
    if version is None:
        abort(404)
    response = current_app.response_class(packages.export_zip(version), mimetype="application/zip")
    response.headers["Content-Disposition"] = f'attachment; filename="{slug}-v{number}.zip"'
    return response


@bp.route("/<slug>/authors", methods=["POST"])
def add_author(slug: str):
    course = _course_for_author(slug)
    if not authors.can_publish(current_user, course):
        abort(403)
    form = AuthorForm()
    if not form.validate_on_submit():
        flash(_("Give the e-mail address of a trainer."), "error")
        return redirect(url_for(".course", slug=slug))
    person = db.session.scalar(select(User).where(User.email == form.email.data.strip().lower()))
    try:
        if person is None:
            raise ValueError
        authors.add_author(current_user, course, person)
    except ValueError:
        flash(_("%(email)s is not the address of a trainer.", email=form.email.data), "error")
        return redirect(url_for(".course", slug=slug))
    db.session.commit()
    flash(_("%(name)s is now a co-author.", name=person.name), "success")
    return redirect(url_for(".course", slug=slug))


@bp.route("/<slug>/authors/<id:user_id>/remove", methods=["POST"])
def remove_author(slug: str, user_id: int):
    course = _course_for_author(slug)
    if not authors.can_publish(current_user, course) or not FlaskForm().validate_on_submit():
        abort(403)
    person = db.session.get(User, user_id) or abort(404)
    try:
        authors.remove_author(current_user, course, person)
    except ValueError:
        flash(_("A course keeps at least one owner."), "error")
        return redirect(url_for(".course", slug=slug))
    db.session.commit()
    flash(_("%(name)s is no longer an author of this course.", name=person.name), "success")
    return redirect(url_for(".course", slug=slug))
