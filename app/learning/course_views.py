"""The learner's course and lesson pages: enrol, withdraw, read, mark as done.

The pages are public (anyone may read a course), but what they show depends on the reader's
enrolment: its pinned version and edition, progress, where to continue, its quizzes.
"""

from __future__ import annotations

import hashlib

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from app.accounts import policy
from app.accounts.models import Role
from app.cache import LruCache
from app.catalog import services as catalog
from app.catalog.models import Course, CourseVersion, Lesson
from app.extensions import db
from app.forms import ConfirmForm, options
from app.i18n import LANGUAGE_NAMES
from app.learning import services
from app.learning.forms import EnrolForm
from app.learning.models import EnrolmentStatus
from app.learning.quiz_views import quiz_links, quiz_url

bp = Blueprint("course", __name__, template_folder="templates")


def _language_options(version: CourseVersion):
    return options(
        (e.language, LANGUAGE_NAMES.get(e.language, e.language)) for e in version.editions
    )


def _locale() -> str:
    return str(get_locale() or "es")


def _load_course(slug: str) -> Course:
    course = catalog.find_course(slug)
    if course is None or course.current_version is None:
        abort(404)
    return course


@bp.route("/courses/<slug>")
def show_course(slug: str):
    """A course: its modules and lessons, hours, and what the certificate requires."""
    course = _load_course(slug)
    enrolment = (
        services.find_enrolment(current_user, course) if current_user.is_authenticated else None
    )
    if enrolment is not None and enrolment.is_active:
        version, edition = enrolment.version, enrolment.edition
    else:
        version = course.current_version
        edition = catalog.pick_edition(version.editions, _locale(), request.args.get("lang"))
    done = services.done_lesson_ids(enrolment) if enrolment else set()
    form = EnrolForm(formdata=None)
    form.language.choices = _language_options(version)
    form.language.data = edition.language
    return render_template(
        "learning/course.html",
        course=course,
        version=version,
        edition=edition,
        enrolment=enrolment,
        done=done,
        form=form,
        resume=services.resume_lesson(enrolment) if enrolment and enrolment.is_active else None,
        progress=services.completion(enrolment) if enrolment and enrolment.is_active else None,
        quizzes=quiz_links(course, enrolment) if enrolment and enrolment.is_active else [],
    )


def _lesson_context(slug: str, lesson_id: int) -> dict:
    page = catalog.lesson_page(slug, lesson_id)
    if page is None:
        abort(404)
    enrolment, is_done = None, False
    if current_user.is_authenticated:
        enrolment, is_done = services.enrolment_and_done(
            current_user.id, page.course_id, page.lesson_id
        )
        if enrolment is not None and (
            not enrolment.is_active or enrolment.edition_id != page.edition_id
        ):
            enrolment, is_done = None, False
    remaining = None
    if enrolment is not None and page.next_id is None:
        remaining = services.remaining(enrolment)
    return {"page": page, "enrolment": enrolment, "is_done": is_done, "remaining": remaining}


def _remaining_links(slug: str, remaining: services.Remaining | None) -> list:
    """(quiz, address) of each quiz still to pass, for the end of the last lesson."""
    if remaining is None:
        return []
    return [(ref, quiz_url(slug, ref)) for ref in remaining.quizzes]


def _conditional(response: Response, *parts) -> Response:
    """ETag from what the page depends on, so a revisit over a slow link costs a 304."""
    key = "|".join(str(p) for p in parts)
    response.set_etag(hashlib.sha256(key.encode()).hexdigest()[:32])
    # "private, no-cache": the browser may keep it, but asks each time; proxies never share it.
    response.headers["Cache-Control"] = "private, no-cache"
    return response.make_conditional(request)


_CSRF_SLOT = "__aula_csrf_token__"


def _render_lesson(ctx: dict) -> str:
    """The lesson page, rendered once per (lesson, language, menu, progress state).

    What differs between two readers with the same key is only their CSRF token, which is
    written into the cached HTML on the way out. Pages with flashed messages or a query
    string are rendered afresh, as they carry one-off content.
    """
    page, enrolment = ctx["page"], ctx["enrolment"]
    if session.get("_flashes") or request.query_string or ctx["remaining"] is not None:
        # The last lesson says what remains of the reader's own course: never shared.
        links = _remaining_links(page.course_slug, ctx["remaining"])
        return render_template("learning/lesson.html", remaining_links=links, **ctx)
    user = current_user
    key = (
        page.lesson_id,
        _locale(),
        user.is_authenticated,
        policy.has_role(user, Role.TRAINER),
        policy.has_role(user, Role.REVIEWER),
        policy.has_role(user, Role.ADMIN),
        enrolment is not None,
        ctx["is_done"],
    )
    cache = current_app.extensions.setdefault("aula_lesson_html", LruCache())
    html = cache.get(key)
    if html is None:
        html = render_template(
            "learning/lesson.html", csrf_token=lambda: _CSRF_SLOT, remaining_links=[], **ctx
        )
        cache.put(key, html)
    return html.replace(_CSRF_SLOT, generate_csrf())


@bp.route("/courses/<slug>/lessons/<id:lesson_id>")
def show_lesson(slug: str, lesson_id: int):
    """A lesson: readable on a phone, with previous/next and "mark as done"."""
    ctx = _lesson_context(slug, lesson_id)
    enrolment, page, is_done = ctx["enrolment"], ctx["page"], ctx["is_done"]
    if enrolment is not None:
        if enrolment.last_lesson_id != page.lesson_id:
            services.record_visit(enrolment, page.lesson_id)
            db.session.commit()
    html = _render_lesson(ctx)
    return _conditional(
        current_app.make_response(html),
        page.lesson_id,
        current_user.get_id() if current_user.is_authenticated else "-",
        enrolment.id if enrolment else "-",
        is_done,
        _locale(),
        session.get("csrf_token", "-"),
        ctx["remaining"],
    )


@bp.route("/courses/<slug>/lessons/<id:lesson_id>/print")
def print_lesson(slug: str, lesson_id: int):
    """The lesson alone, for paper."""
    ctx = _lesson_context(slug, lesson_id)
    html = render_template("learning/lesson_print.html", **ctx)
    return _conditional(current_app.make_response(html), "print", ctx["page"].lesson_id)


@bp.route("/courses/<slug>/lessons/<id:lesson_id>/done", methods=["POST"])
def mark_done(slug: str, lesson_id: int):
    """Mark a lesson as done and go on to the next one."""
    ctx = _lesson_context(slug, lesson_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    enrolment, page = ctx["enrolment"], ctx["page"]
    if enrolment is None:
        flash(_("Enrol in the course to keep track of your progress."), "error")
        return redirect(url_for("course.show_course", slug=slug))
    lesson = db.session.get(Lesson, page.lesson_id)
    completed = services.mark_done(enrolment, lesson)
    db.session.commit()
    if completed:
        flash(_("Congratulations: you have completed this course."), "success")
        return redirect(url_for("learning.my_learning"))
    module = services.quiz_after(enrolment, lesson)
    if module is not None:
        return redirect(url_for("quiz.show_quiz", slug=slug, module_id=module.id))
    target = page.next_id or page.lesson_id
    return redirect(url_for("course.show_lesson", slug=slug, lesson_id=target))


@bp.route("/courses/<slug>/enrol", methods=["POST"])
def enrol(slug: str):
    """Enrol oneself, in the chosen language's edition."""
    course = _load_course(slug)
    form = EnrolForm()
    form.language.choices = _language_options(course.current_version)
    if not form.validate_on_submit():
        abort(400)
    enrolment = services.enrol(current_user, course, form.language.data)
    db.session.commit()
    flash(_("You are enrolled. Good reading!"), "success")
    lesson = services.resume_lesson(enrolment)
    if lesson is None:
        return redirect(url_for("course.show_course", slug=slug))
    return redirect(url_for("course.show_lesson", slug=slug, lesson_id=lesson.id))


@bp.route("/courses/<slug>/withdraw", methods=["POST"])
def withdraw(slug: str):
    """Leave a course; progress is kept if the official comes back."""
    course = _load_course(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    enrolment = services.find_enrolment(current_user, course)
    if enrolment is None or enrolment.status != EnrolmentStatus.ACTIVE:
        abort(409)
    services.withdraw(enrolment)
    db.session.commit()
    flash(_("You have left the course. Your progress is kept if you come back."), "info")
    return redirect(url_for("learning.my_learning"))
