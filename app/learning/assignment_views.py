"""Reviewers assign courses to their organisations or to named people, with due dates."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from app.accounts import policy
from app.accounts.models import Organisation, Role, User
from app.catalog import services as catalog
from app.extensions import db
from app.forms import ConfirmForm, options

from . import assignments
from .forms import AssignmentForm, DueForm
from .policy import assignment_for_reviewer

bp = Blueprint("assignments", __name__, url_prefix="/assignments", template_folder="templates")


@bp.route("/")
def list_assignments():
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    per_page = current_app.config["PAGE_SIZE"]
    total, rows = assignments.summary(current_user, page, per_page)
    return render_template(
        "learning/assignments.html",
        rows=rows,
        total=total,
        page=page,
        pages=max((total + per_page - 1) // per_page, 1),
        delete_form=ConfirmForm(),
        today=assignments.today(),
        title_of=lambda course: catalog.display_title(course.current_version, str(get_locale())),
    )


def _choices(form: AssignmentForm) -> dict[int, Organisation]:
    locale = str(get_locale())
    courses = catalog.published_courses()
    form.course.choices = options(
        (c.slug, catalog.display_title(c.current_version, locale)) for c in courses
    )
    scope = policy.orgs_in_scope(current_user, Role.REVIEWER)
    form.organisation.choices = options((org.id, label) for org, label in scope)
    return {org.id: org for org, _label in scope}


def _people(text: str, organisation: Organisation, form: AssignmentForm) -> list[User] | None:
    emails = [line.strip().lower() for line in text.splitlines() if line.strip()]
    if not emails:
        return None
    if len(emails) > 5000:
        form.people.errors.append(_("At most 5,000 addresses at a time."))
        return None
    found = {
        u.email: u
        for u in db.session.scalars(
            select(User).where(User.email.in_(emails)).join(User.organisation)
        )
    }
    problems = []
    for number, email in enumerate(emails, start=1):
        person = found.get(email)
        if person is None or not organisation.contains(person.organisation):
            problems.append(
                _(
                    "Line %(n)s: %(email)s is not a person of the chosen organisation.",
                    n=number,
                    email=email,
                )
            )
    if problems:
        form.people.errors.extend(problems[:20])
        return None
    return [found[e] for e in dict.fromkeys(emails)]


@bp.route("/new", methods=["GET", "POST"])
def new_assignment():
    form = AssignmentForm()
    orgs = _choices(form)
    if form.validate_on_submit():
        organisation = orgs.get(form.organisation.data)
        course = catalog.find_course(form.course.data)
        if organisation is None or course is None:
            abort(400)
        due_on = form.due_on.data if form.due_kind.data == "date" else None
        due_days = form.due_days.data if form.due_kind.data == "days" else None
        if form.due_kind.data == "date" and due_on is None:
            form.due_on.errors.append(_("Give the due date."))
        elif form.due_kind.data == "days" and due_days is None:
            form.due_days.errors.append(_("Give the number of days."))
        elif due_on is not None and due_on < assignments.today(organisation.id):
            form.due_on.errors.append(_("The due date is in the past."))
        people = _people(form.people.data or "", organisation, form)
        if not (form.due_on.errors or form.due_days.errors or form.people.errors):
            assignment = assignments.create(
                current_user,
                course,
                organisation,
                due_on=due_on,
                due_days=due_days,
                people=people,
            )
            db.session.commit()
            count = db.session.scalar(
                select(func.count()).where(
                    assignments.AssignmentMember.assignment_id == assignment.id
                )
            )
            flash(
                ngettext(
                    "Course assigned to %(num)s person.",
                    "Course assigned to %(num)s people.",
                    count,
                ),
                "success",
            )
            return redirect(url_for(".list_assignments"))
    status = 400 if request.method == "POST" else 200
    return render_template("learning/assignment_form.html", form=form), status


def _due_errors(form, organisation_id: int) -> bool:
    """Checks the due fields against the chosen kind, a date against the organisation's
    local day (as the service does); True when the form may be used."""
    if form.due_kind.data == "date" and form.due_on.data is None:
        form.due_on.errors.append(_("Give the due date."))
    elif form.due_kind.data == "days" and form.due_days.data is None:
        form.due_days.errors.append(_("Give the number of days."))
    elif form.due_kind.data == "date" and form.due_on.data < assignments.today(organisation_id):
        form.due_on.errors.append(_("The due date is in the past."))
    return not (form.due_on.errors or form.due_days.errors)


@bp.route("/<id:assignment_id>/due", methods=["GET", "POST"])
def change_due(assignment_id: int):
    """A new due date for everyone who has not completed the course; each is told."""
    assignment = assignment_for_reviewer(current_user, assignment_id)
    form = DueForm(
        due_kind="date" if assignment.due_on else "days",
        due_on=assignment.due_on,
        due_days=assignment.due_days,
    )
    if form.validate_on_submit() and _due_errors(form, assignment.organisation_id):
        by_date = form.due_kind.data == "date"
        changed = assignments.change_due(
            current_user,
            assignment,
            due_on=form.due_on.data if by_date else None,
            due_days=None if by_date else form.due_days.data,
        )
        db.session.commit()
        flash(
            ngettext(
                "Due date changed for %(num)s person.",
                "Due date changed for %(num)s people.",
                len(changed),
            ),
            "success",
        )
        return redirect(url_for(".list_assignments"))
    status = 400 if request.method == "POST" else 200
    title = catalog.display_title(assignment.course.current_version, str(get_locale()))
    return (
        render_template(
            "learning/assignment_due.html", form=form, assignment=assignment, title=title
        ),
        status,
    )


@bp.route("/<id:assignment_id>/delete", methods=["POST"])
def delete_assignment(assignment_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    assignment = assignment_for_reviewer(current_user, assignment_id)
    assignments.delete(assignment, actor=current_user)
    db.session.commit()
    flash(_("The assignment is removed."), "success")
    return redirect(url_for(".list_assignments"))
