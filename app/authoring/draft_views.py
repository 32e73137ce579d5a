"""Authoring screens: a course's draft, its settings, languages, modules, lessons, question
banks and media; review, publication, version history, comparison and rollback.

Who may do what: owners and co-authors edit; owners publish, ask for reviews and roll back;
a trainer asked to review reads the draft, comments and approves. Network admins act as
owners. Everyone else gets a 404, as if the course had no draft.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from app.accounts import policy
from app.accounts.models import Role, User
from app.catalog import services
from app.catalog.models import Course, CourseVersion
from app.extensions import db
from app.forms import ConfirmForm, options
from app.quizzes import gift, grading
from app.quizzes import services as quiz_services
from app.quizzes.types import AUTHORABLE

from . import (
    authors,
    banks,
    drafts,
    forms,
    media,
    questions,
    review,
    revisions,
    structure,
    versions,
)
from . import publish as publishing
from .models import DraftEdition, DraftLesson, DraftModule

bp = Blueprint("drafts", __name__, url_prefix="/author", template_folder="templates")

EDIT, REVIEW, PUBLISH = "edit", "review", "publish"

# A question form edits the bank as it is now: a change meanwhile can also leave the spliced
# text unparseable, and either way the trainer is asked to try again.
QUESTIONS_REFUSED = (revisions.Conflict, revisions.Invalid)


def _may(course: Course, need: str) -> bool:
    role = None if policy.is_network_admin(current_user) else authors.role_on(current_user, course)
    if policy.is_network_admin(current_user) or role == authors.OWNER:
        return True
    if need == EDIT:
        return role == authors.COAUTHOR
    if need == REVIEW:
        return role is not None or review.is_reviewer(current_user, course)
    return False


def _course(slug: str, need: str = EDIT) -> Course:
    course = services.find_course(slug)
    if course is None or not _may(course, REVIEW):
        abort(404)
    if not _may(course, need):
        abort(403)
    return course


def _draft(slug: str, need: str = EDIT):
    course = _course(slug, need)
    draft = drafts.get_draft(course)
    if draft is None:
        abort(404)
    return course, draft


def _child(model, row_id: int, draft):
    row = db.session.get(model, row_id)
    edition = None
    if isinstance(row, DraftLesson):
        edition = row.module.edition
    elif isinstance(row, DraftModule):
        edition = row.edition
    elif isinstance(row, DraftEdition):
        edition = row
    if edition is None or edition.course_id != draft.course_id:
        abort(404)
    return row


def _revision(form) -> int:
    value = form.revision.data or ""
    if not value.isdigit():
        abort(400)
    return int(value)


def _saved(
    change: Callable[[], object],
    meanwhile: str | None = None,
    refused: tuple[type[Exception], ...] = (revisions.Conflict,),
) -> Exception | None:
    """Run one revision-checked change and end its unit of work: committed (None), or rolled
    back when someone saved the same thing since the form was filled in. Then the Conflict
    (their text and revision, for pages that show both) is returned and `meanwhile`, if
    given, flashed."""
    try:
        change()
    except refused as clash:
        db.session.rollback()
        if meanwhile:
            flash(meanwhile, "error")
        return clash
    db.session.commit()
    return None


def _flash_invalid(error: revisions.Invalid) -> None:
    messages = {
        "slug": _("The identifier may use lower-case letters, digits and hyphens only."),
        "taken": _("A course with this identifier already exists."),
        "language": _("This course already has that language."),
        "gift": _("The questions have errors; nothing was saved."),
        "type": _("This type of file is not accepted."),
        "size": _("The file is larger than %(n)s MB.", n=media.MAX_UPLOAD // (1024 * 1024)),
        "content": _("The file's content does not match its type."),
    }
    flash(messages.get(str(error), _("This change could not be made.")), "error")


# The course's draft -------------------------------------------------------------------------


@bp.route("/new", methods=["GET", "POST"])
def new_course():
    form = forms.NewCourseForm()
    if form.validate_on_submit():
        try:
            course = drafts.new_course(
                current_user,
                slug=form.slug.data,
                language=form.language.data,
                title=form.title.data.strip(),
                summary=form.summary.data.strip(),
                hours=float(form.hours.data),
                pass_mark=form.pass_mark.data,
                booklet_title=form.booklet_title.data.strip(),
                booklet_reference=form.booklet_reference.data.strip(),
            )
        except revisions.Invalid as error:
            db.session.rollback()
            form.slug.errors = [
                _("A course with this identifier already exists.")
                if str(error) == "taken"
                else _("Use lower-case letters, digits and hyphens.")
            ]
        else:
            db.session.commit()
            flash(_("Course created. Add modules and lessons, then publish it."), "success")
            return redirect(url_for(".draft", slug=course.slug))
    status = 400 if request.method == "POST" else 200
    return render_template("authoring/draft_new.html", form=form), status


@bp.route("/<slug>/draft")
def draft(slug: str):
    course = _course(slug, REVIEW)
    draft = drafts.get_draft(course)
    if draft is None:
        return render_template(
            "authoring/draft_none.html", course=course, can_edit=_may(course, EDIT)
        )
    return render_template(
        "authoring/draft.html",
        course=course,
        title=authors.titles([course], str(get_locale() or "es"))[course.id],
        draft=draft,
        banks={b.key: b for b in banks.banks(draft)},
        media=media.media_of(draft),
        reviews=review.reviews(draft),
        approved=review.approved(draft),
        comment_counts=review.comment_counts(draft),
        can_edit=_may(course, EDIT),
        can_publish=_may(course, PUBLISH),
        is_reviewer=review.is_reviewer(current_user, course),
        module_form=forms.TitleForm(prefix="module"),
        lesson_form=forms.TitleForm(prefix="lesson"),
        edition_form=_new_edition_form(draft),
        publish_form=forms.PublishForm(),
        reviewer_form=forms.ReviewerForm(),
        media_form=forms.MediaForm(),
        confirm=ConfirmForm(),
    )


def _new_edition_form(draft) -> forms.NewEditionForm:
    form = forms.NewEditionForm()
    form.language.choices = forms.language_choices(exclude={e.language for e in draft.editions})
    form.copy_from.choices = options(
        [("", _("An empty edition"))]
        + [
            (
                e.language,
                _("A copy of the %(language)s edition", language=forms.LANGUAGE_NAMES[e.language]),
            )
            for e in draft.editions
        ]
    )
    return form


@bp.route("/<slug>/draft/open", methods=["POST"])
def open_draft(slug: str):
    course = _course(slug)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    drafts.open_draft(current_user, course)
    db.session.commit()
    return redirect(url_for(".draft", slug=slug))


@bp.route("/<slug>/draft/discard", methods=["POST"])
def discard(slug: str):
    _course_obj, draft = _draft(slug, PUBLISH)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    drafts.discard(current_user, draft)
    db.session.commit()
    flash(_("The draft was discarded."), "success")
    return redirect(url_for("author.course", slug=slug))


@bp.route("/<slug>/draft/settings", methods=["GET", "POST"])
def settings(slug: str):
    course, draft = _draft(slug)
    form = forms.SettingsForm()
    if request.method == "GET":
        meta, booklet = draft.meta, draft.meta.get("booklet") or {}
        form.revision.data = str(draft.revision)
        form.hours.data = meta.get("hours")
        form.pass_mark.data = meta.get("pass_mark")
        form.certificate_validity_months.data = meta.get("certificate_validity_months")
        form.themes.data = ", ".join(meta.get("themes") or [])
        form.authors.data = ", ".join(meta.get("authors") or [])
        form.booklet_number.data = booklet.get("number")
        form.booklet_title.data = booklet.get("title")
        form.booklet_reference.data = booklet.get("reference")
        form.booklet_url.data = booklet.get("url")
        form.review_required.data = draft.review_required
    elif form.validate_on_submit():
        hours = float(form.hours.data)
        meta = {
            "hours": int(hours) if hours.is_integer() else hours,
            "pass_mark": form.pass_mark.data,
            "certificate_validity_months": form.certificate_validity_months.data,
            "themes": [t.strip() for t in (form.themes.data or "").split(",") if t.strip()],
            "authors": [a.strip() for a in (form.authors.data or "").split(",") if a.strip()],
            "booklet": {
                "number": form.booklet_number.data,
                "title": form.booklet_title.data.strip(),
                "reference": form.booklet_reference.data.strip(),
                "url": (form.booklet_url.data or "").strip() or None,
            },
        }
        revision = _revision(form)
        if _saved(
            lambda: drafts.save_settings(
                current_user, draft, revision, meta, bool(form.review_required.data)
            ),
            _("Someone changed the settings meanwhile. Here they are now; make your change again."),
        ):
            return redirect(url_for(".settings", slug=slug))
        flash(_("Settings saved."), "success")
        return redirect(url_for(".draft", slug=slug))
    status = 400 if request.method == "POST" else 200
    return render_template("authoring/draft_settings.html", course=course, form=form), status


# Languages, modules, lessons ---------------------------------------------------------------


@bp.route("/<slug>/draft/editions", methods=["POST"])
def add_edition(slug: str):
    _course_obj, draft = _draft(slug)
    form = _new_edition_form(draft)
    if not form.validate_on_submit():
        flash(_("Choose a language and give a title and a summary."), "error")
        return redirect(url_for(".draft", slug=slug))
    try:
        structure.add_edition(
            current_user,
            draft,
            form.language.data,
            form.title.data.strip(),
            form.summary.data.strip(),
            form.copy_from.data or None,
        )
    except revisions.Invalid as error:
        db.session.rollback()
        _flash_invalid(error)
        return redirect(url_for(".draft", slug=slug))
    db.session.commit()
    flash(_("Language added."), "success")
    return redirect(url_for(".draft", slug=slug))


@bp.route("/<slug>/draft/editions/<id:edition_id>", methods=["GET", "POST"])
def edition(slug: str, edition_id: int):
    course, draft = _draft(slug)
    edition = _child(DraftEdition, edition_id, draft)
    form = forms.EditionForm(obj=edition if request.method == "GET" else None)
    if request.method == "GET":
        form.revision.data = str(edition.revision)
    elif form.validate_on_submit():
        revision = _revision(form)
        if _saved(
            lambda: drafts.save_edition(
                current_user, edition, revision, form.title.data.strip(), form.summary.data.strip()
            ),
            _("Someone changed this meanwhile. Here it is now; make your change again."),
        ):
            return redirect(url_for(".edition", slug=slug, edition_id=edition_id))
        flash(_("Saved."), "success")
        return redirect(url_for(".draft", slug=slug))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "authoring/draft_edition.html", course=course, edition=edition, form=form
    ), status


@bp.route("/<slug>/draft/editions/<id:edition_id>/modules", methods=["POST"])
def add_module(slug: str, edition_id: int):
    _course_obj, draft = _draft(slug)
    edition = _child(DraftEdition, edition_id, draft)
    form = forms.TitleForm(prefix="module")
    if not form.validate_on_submit():
        flash(_("Give the module a title."), "error")
        return redirect(url_for(".draft", slug=slug))
    module = structure.add_module(current_user, edition, form.title.data.strip())
    db.session.commit()
    flash(_("Module added."), "success")
    return redirect(url_for(".draft", slug=slug, _anchor=f"module-{module.id}"))


@bp.route("/<slug>/draft/modules/<id:module_id>", methods=["GET", "POST"])
def module(slug: str, module_id: int):
    course, draft = _draft(slug)
    module = _child(DraftModule, module_id, draft)
    form = forms.ModuleForm(obj=module if request.method == "GET" else None)
    if request.method == "GET":
        form.revision.data = str(module.revision)
    elif form.validate_on_submit():
        revision = _revision(form)
        if _saved(
            lambda: structure.rename_module(
                current_user, module, revision, form.title.data.strip()
            ),
            _("Someone changed this meanwhile. Here it is now; make your change again."),
        ):
            return redirect(url_for(".module", slug=slug, module_id=module_id))
        flash(_("Saved."), "success")
        return redirect(url_for(".draft", slug=slug, _anchor=f"module-{module.id}"))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "authoring/draft_module.html", course=course, module=module, form=form
    ), status


@bp.route("/<slug>/draft/modules/<id:module_id>/lessons", methods=["POST"])
def add_lesson(slug: str, module_id: int):
    _course_obj, draft = _draft(slug)
    module = _child(DraftModule, module_id, draft)
    form = forms.TitleForm(prefix="lesson")
    if not form.validate_on_submit():
        flash(_("Give the lesson a title."), "error")
        return redirect(url_for(".draft", slug=slug))
    lesson = structure.add_lesson(current_user, module, form.title.data.strip())
    db.session.commit()
    return redirect(url_for(".lesson", slug=slug, lesson_id=lesson.id))


@bp.route("/<slug>/draft/<any(modules,lessons):kind>/<id:row_id>/move", methods=["POST"])
def move(slug: str, kind: str, row_id: int):
    _course_obj, draft = _draft(slug)
    row = _child(DraftModule if kind == "modules" else DraftLesson, row_id, draft)
    form = forms.MoveForm()
    if not form.validate_on_submit() or form.step.data not in {"-1", "1"}:
        abort(400)
    structure.move(current_user, row, int(form.step.data))
    db.session.commit()
    anchor = f"module-{row.id}" if kind == "modules" else f"lesson-{row.id}"
    return redirect(url_for(".draft", slug=slug, _anchor=anchor))


@bp.route("/<slug>/draft/<any(modules,lessons):kind>/<id:row_id>/delete", methods=["POST"])
def delete(slug: str, kind: str, row_id: int):
    _course_obj, draft = _draft(slug)
    row = _child(DraftModule if kind == "modules" else DraftLesson, row_id, draft)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    structure.remove(current_user, row)
    db.session.commit()
    flash(_("Deleted: %(title)s.", title=row.title), "success")
    return redirect(url_for(".draft", slug=slug))


@bp.route("/<slug>/draft/lessons/<id:lesson_id>", methods=["GET", "POST"])
def lesson(slug: str, lesson_id: int):
    """Edit a lesson. "Preview" renders the posted text without saving; a save against a
    changed lesson keeps both texts on the page so nothing is lost."""
    course, draft = _draft(slug, REVIEW)
    lesson = _child(DraftLesson, lesson_id, draft)
    can_edit = _may(course, EDIT)
    form = forms.LessonForm()
    conflict = None
    status = 200
    if request.method == "GET":
        form.revision.data = str(lesson.revision)
        form.title.data, form.minutes.data, form.body.data = (
            lesson.title,
            lesson.minutes,
            lesson.body_md,
        )
    elif not can_edit:
        abort(403)
    elif form.validate_on_submit() and not form.preview.data:
        revision = _revision(form)
        conflict = _saved(
            lambda: drafts.save_lesson(
                current_user,
                lesson,
                revision,
                form.title.data.strip(),
                form.minutes.data,
                form.body.data.replace("\r\n", "\n"),
            )
        )
        if conflict is None:
            flash(_("Lesson saved."), "success")
            return redirect(url_for(".lesson", slug=slug, lesson_id=lesson_id))
        form.revision.data = str(conflict.revision)
        status = 409
    elif form.preview.data and form.validate():
        status = 200
    else:
        status = 400
    body = form.body.data if form.body.data is not None else lesson.body_md
    return render_template(
        "authoring/draft_lesson.html",
        course=course,
        draft=draft,
        lesson=lesson,
        form=form,
        can_edit=can_edit,
        # Sanitised by nh3 in render_lesson, as published lessons are.
        preview=Markup(media.render_preview(draft, lesson, body.replace("\r\n", "\n"))),  # noqa: S704
        conflict=conflict,
        comments=review.comments(lesson),
        comment_form=forms.CommentForm(),
        media=media.media_of(draft),
    ), status


@bp.route("/<slug>/draft/lessons/<id:lesson_id>/preview", methods=["POST"])
def preview(slug: str, lesson_id: int):
    """The rendered lesson as an HTML fragment, for the editor's live preview script."""
    _course_obj, draft = _draft(slug)
    lesson = _child(DraftLesson, lesson_id, draft)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    body = request.form.get("body", "")[:200_000].replace("\r\n", "\n")
    return media.render_preview(draft, lesson, body)


@bp.route("/<slug>/draft/lessons/<id:lesson_id>/comments", methods=["POST"])
def add_comment(slug: str, lesson_id: int):
    _course_obj, draft = _draft(slug, REVIEW)
    lesson = _child(DraftLesson, lesson_id, draft)
    form = forms.CommentForm()
    if not form.validate_on_submit():
        flash(_("Write a comment first."), "error")
    else:
        review.comment(current_user, lesson, form.body.data.strip())
        db.session.commit()
        flash(_("Comment added."), "success")
    return redirect(url_for(".lesson", slug=slug, lesson_id=lesson_id, _anchor="comments"))


# Media --------------------------------------------------------------------------------------


@bp.route("/<slug>/draft/media", methods=["POST"])
def upload_media(slug: str):
    _course_obj, draft = _draft(slug)
    form = forms.MediaForm()
    if not form.validate_on_submit():
        flash(_("Choose a file."), "error")
        return redirect(url_for(".draft", slug=slug, _anchor="media"))
    upload = form.file.data
    data = upload.stream.read(media.MAX_UPLOAD + 1)
    try:
        path = media.upload_media(current_user, draft, upload.filename or "", data)
    except revisions.Invalid as error:
        db.session.rollback()
        _flash_invalid(error)
        return redirect(url_for(".draft", slug=slug, _anchor="media"))
    db.session.commit()
    flash(_("Uploaded. Link to it from a lesson as %(path)s.", path=f"../../{path}"), "success")
    return redirect(url_for(".draft", slug=slug, _anchor="media"))


# Question banks -----------------------------------------------------------------------------


def _bank(draft, key: str) -> banks.QuizBank:
    bank = banks.find_bank(draft, key)
    if bank is None:
        abort(404)
    return bank


def _settings_from(form) -> dict:
    settings = {}
    for name in ("attempts", "time_limit_minutes", "draw"):
        value = getattr(form, name).data
        if value:
            settings[name] = value
    if form.grading.data != quiz_services.DEFAULTS["grading"]:
        settings["grading"] = form.grading.data
    if form.feedback.data != quiz_services.DEFAULTS["feedback"]:
        settings["feedback"] = form.feedback.data
    for name in ("shuffle_questions", "shuffle_answers", "one_per_page"):
        if bool(getattr(form, name).data) != quiz_services.DEFAULTS[name]:
            settings[name] = bool(getattr(form, name).data)
    return settings


@bp.route("/<slug>/draft/quizzes/<key>", methods=["GET", "POST"])
def bank(slug: str, key: str):
    course, draft = _draft(slug, REVIEW)
    bank = _bank(draft, key)
    form = forms.BankForm()
    problems: list[tuple[int, str]] = []
    conflict = None
    status = 200
    if request.method == "GET":
        form.revision.data = str(bank.revision)
        form.gift.data = bank.text or ""
        for name in ("attempts", "time_limit_minutes", "draw"):
            getattr(form, name).data = bank.settings.get(name)
        for name in ("grading", "feedback", "shuffle_questions", "shuffle_answers", "one_per_page"):
            getattr(form, name).data = bank.settings.get(name, quiz_services.DEFAULTS[name])
    elif not _may(course, EDIT):
        abort(403)
    elif form.validate_on_submit():
        text = form.gift.data or ""
        upload = form.upload.data
        if upload and getattr(upload, "filename", ""):
            raw = upload.stream.read(500_001)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError as error:
                problems = [(raw[: error.start].count(b"\n") + 1, _("not UTF-8 text"))]
            form.gift.data = text
        settings = {**_keep_draw_by_category(bank), **_settings_from(form)}
        if not problems:
            problems = banks.gift_problems(text) if text.strip() else []
        if not problems:
            revision = _revision(form)
            conflict = _saved(lambda: banks.save_bank(current_user, bank, revision, text, settings))
            if conflict is None:
                flash(_("Questions and settings saved."), "success")
                return redirect(url_for(".bank", slug=slug, key=key))
            form.revision.data = str(conflict.revision)
            status = 409
        else:
            status = 400
    else:
        status = 400
    try:
        items = banks.bank_questions(bank)
    except gift.GiftError:
        items = []
    return render_template(
        "authoring/draft_bank.html",
        course=course,
        bank=bank,
        form=form,
        items=items,
        problems=problems,
        conflict=conflict,
        can_edit=_may(course, EDIT),
        confirm=ConfirmForm(),
    ), status


def _keep_draw_by_category(bank) -> dict:
    # Not on the form (a table of category counts); kept as the package had it.
    value = bank.settings.get("draw_by_category")
    return {"draw_by_category": value} if value else {}


@bp.route("/<slug>/draft/quizzes/<key>/questions/new", methods=["GET", "POST"])
@bp.route("/<slug>/draft/quizzes/<key>/questions/<int(max=9999):index>", methods=["GET", "POST"])
def question(slug: str, key: str, index: int | None = None):
    course, draft = _draft(slug)
    bank = _bank(draft, key)
    items = banks.bank_questions(bank)
    if index is not None and (index >= len(items) or items[index].get("qtype") == "category"):
        abort(404)
    # The type is chosen first (a GET form, so it works without JavaScript); only its
    # fields are shown, and changing it keeps what the shared fields hold.
    if request.method == "GET":
        data = questions.to_form(items[index]) if index is not None else {}
        chosen = request.args.get("qtype")
        if chosen is not None:
            data["qtype"] = chosen
        form = forms.QuestionForm(data=data or None)
        chosen = data.get("qtype")
    else:
        form = forms.QuestionForm()
        chosen = request.form.get("qtype")
    kind = AUTHORABLE.get(chosen)
    status = 200
    if chosen is not None and kind is None:
        # Unknown type (a tampered or outdated link): say so on the menu, build nothing.
        form.qtype.data = None
        form.qtype.errors = [_("Choose a question type from the list.")]
        status = 400
    elif request.method == "POST":
        built, errors = (None, {})
        if form.validate_on_submit():
            built, errors = questions.from_form(form.data)
        for name, message in errors.items():
            getattr(form, name).errors = [*getattr(form, name).errors, str(message)]
        if built is not None:
            if index is None:
                text = questions.append(bank.text, built, (form.category.data or "").strip())
            else:
                text = questions.replace(bank.text, index, built)
            if _saved(
                lambda: banks.save_bank(current_user, bank, bank.revision, text, bank.settings),
                _("The questions changed meanwhile; nothing was saved. Try again."),
                QUESTIONS_REFUSED,
            ):
                return redirect(url_for(".bank", slug=slug, key=key))
            flash(_("Question saved."), "success")
            return redirect(url_for(".bank", slug=slug, key=key, _anchor="questions"))
        status = 400
    return render_template(
        "authoring/draft_question.html",
        course=course,
        bank=bank,
        form=form,
        index=index,
        kind=kind,
    ), status


@bp.route("/<slug>/draft/quizzes/<key>/questions/<int(max=9999):index>/delete", methods=["POST"])
def delete_question(slug: str, key: str, index: int):
    _course_obj, draft = _draft(slug)
    bank = _bank(draft, key)
    items = banks.bank_questions(bank)
    if index >= len(items) or not ConfirmForm().validate_on_submit():
        abort(404)
    text = questions.replace(bank.text, index, None)
    if _saved(
        lambda: banks.save_bank(current_user, bank, bank.revision, text, bank.settings),
        _("The questions changed meanwhile; nothing was saved. Try again."),
        QUESTIONS_REFUSED,
    ):
        return redirect(url_for(".bank", slug=slug, key=key))
    flash(_("Question deleted."), "success")
    return redirect(url_for(".bank", slug=slug, key=key, _anchor="questions"))


@bp.route("/<slug>/draft/quizzes/<key>/try", methods=["GET", "POST"])
def try_quiz(slug: str, key: str):
    """The quiz as an official would see it, answered and graded without recording anything.
    The form carries the seed of the draw, so the same questions are graded as were shown."""
    course, draft = _draft(slug, REVIEW)
    bank = _bank(draft, key)
    if not bank.text:
        abort(404)
    ref = quiz_services.QuizRef(key, bank.text, None, bank.settings)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        seed = request.form.get("seed", "")
        if not seed.isdigit():
            abort(400)
        # A replayed draw for a preview, not a secret.
        asked = quiz_services.snapshot(ref, random.Random(int(seed)))  # noqa: S311
        try:
            graded = grading.preview(asked, quiz_services.responses_from_form(asked, request.form))
        except grading.InvalidResponse:
            abort(400)
        return render_template(
            "authoring/draft_try.html",
            course=course,
            bank=bank,
            results=graded.results,
            score=graded.score,
            total=graded.total,
            confirm=ConfirmForm(),
        )
    seed = random.SystemRandom().randrange(10**9)
    asked = quiz_services.snapshot(ref, random.Random(seed))  # noqa: S311 - replayed on submit
    return render_template(
        "authoring/draft_try.html",
        course=course,
        bank=bank,
        questions=asked,
        seed=seed,
        results=None,
        confirm=ConfirmForm(),
    )


# Review and publication ---------------------------------------------------------------------


@bp.route("/<slug>/draft/reviewers", methods=["POST"])
def request_review(slug: str):
    _course_obj, draft = _draft(slug, PUBLISH)
    form = forms.ReviewerForm()
    person = None
    if form.validate_on_submit():
        person = db.session.scalar(
            select(User).where(User.email == form.email.data.strip().lower())
        )
    if person is None or not policy.has_role(person, Role.TRAINER) or person.id == current_user.id:
        flash(_("Give the e-mail address of another trainer."), "error")
        return redirect(url_for(".draft", slug=slug, _anchor="review"))
    review.request_review(current_user, draft, person)
    db.session.commit()
    flash(_("%(name)s is asked to review this draft.", name=person.name), "success")
    return redirect(url_for(".draft", slug=slug, _anchor="review"))


@bp.route("/<slug>/draft/approve", methods=["POST"])
def approve(slug: str):
    course, draft = _draft(slug, REVIEW)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if not review.is_reviewer(current_user, course):
        abort(403)
    review.approve(current_user, draft)
    db.session.commit()
    flash(_("You approved this draft."), "success")
    return redirect(url_for(".draft", slug=slug, _anchor="review"))


@bp.route("/<slug>/draft/publish", methods=["POST"])
def publish(slug: str):
    course, draft = _draft(slug, PUBLISH)
    form = forms.PublishForm()
    if not form.validate_on_submit():
        flash(_("Say in a few words what changed."), "error")
        return redirect(url_for(".draft", slug=slug, _anchor="publish"))
    try:
        version, problems = publishing.publish(current_user, draft, form.note.data.strip())
    except publishing.NotApproved:
        db.session.rollback()
        flash(_("This course needs a reviewer's approval of the draft as it is now."), "error")
        return redirect(url_for(".draft", slug=slug, _anchor="review"))
    if problems:
        db.session.rollback()
        return render_template(
            "authoring/draft_problems.html", course=course, problems=[str(p) for p in problems]
        ), 400
    db.session.commit()
    flash(_("Version %(n)s published.", n=version.number), "success")
    return redirect(url_for("author.course", slug=slug))


@bp.route("/<slug>/versions/<id:number>/restore", methods=["POST"])
def restore(slug: str, number: int):
    course = _course(slug, PUBLISH)
    version = services.get_version(course, number) or abort(404)
    form = forms.RestoreForm()
    if not form.validate_on_submit():
        abort(400)
    new = publishing.restore(current_user, course, version, (form.note.data or "").strip())
    db.session.commit()
    flash(
        _("Version %(old)s published again as version %(n)s.", old=number, n=new.number), "success"
    )
    return redirect(url_for("author.course", slug=slug))


@bp.route("/<slug>/compare")
def compare(slug: str):
    """A lesson in two versions, line by line; the URL carries the choice."""
    course = _course(slug, REVIEW)
    published = list(
        db.session.scalars(
            select(CourseVersion)
            .where(CourseVersion.course_id == course.id)
            .order_by(CourseVersion.number)
        )
    )
    by_number = {v.number: v for v in published}

    def number(name: str, default: int) -> int:
        value = request.args.get(name, "")
        return int(value) if value.isdigit() and int(value) in by_number else default

    if not published:
        abort(404)
    new = by_number[number("to", published[-1].number)]
    old = by_number[number("from", published[-2].number if len(published) > 1 else new.number)]
    old_lessons, new_lessons = versions.lesson_keys(old), versions.lesson_keys(new)
    keys = sorted(set(old_lessons) | set(new_lessons))
    changed = [k for k in keys if old_lessons.get(k) != new_lessons.get(k)]
    chosen = request.args.get("lesson", "")
    if chosen not in keys:
        chosen = changed[0] if changed else (keys[0] if keys else "")
    lines = (
        versions.diff_lines(
            (old_lessons.get(chosen) or ("", ""))[1], (new_lessons.get(chosen) or ("", ""))[1]
        )
        if chosen
        else []
    )
    titles = {k: (new_lessons.get(k) or old_lessons.get(k))[0] for k in keys}
    return render_template(
        "authoring/draft_compare.html",
        course=course,
        versions=published,
        old=old,
        new=new,
        keys=keys,
        changed=set(changed),
        titles=titles,
        chosen=chosen,
        lines=lines,
    )
