"""Reviewer reports: the dashboard, the officials list (drill-down), transcripts, exports."""

from __future__ import annotations

from datetime import date

from babel.dates import format_skeleton
from flask import (
    Blueprint,
    abort,
    current_app,
    render_template,
    request,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import audit, policy
from app.accounts.models import Organisation, Role
from app.accounts.zones import zone_of
from app.catalog import services as catalog
from app.exports import FORMATS, send_table
from app.extensions import db
from app.forms import iso_date

from . import officials_export, services, transcripts
from .services import Filters
from .transcript_pdf import render

bp = Blueprint("reports", __name__, url_prefix="/reports", template_folder="templates")

STATUSES = ("", "not_started", "in_progress", "completed", "overdue")
FILTER_KEYS = ("organisation", "course", "start", "end", "status")


def _date(name: str, filters: Filters) -> date | None:
    return iso_date(request.args.get(name, ""), name, filters.errors)


def parse_filters() -> Filters:
    """Filters from the URL. Anything unknown, malformed or outside the reviewer's scope is
    named in an error and ignored: the report then covers the whole scope, never more."""
    filters = Filters()
    org_id = request.args.get("organisation", "").strip()
    if org_id:
        org = (
            db.session.get(Organisation, int(org_id))
            if org_id.isdigit() and len(org_id) < 10
            else None
        )
        if org is None or not policy.can_act_on(current_user, Role.REVIEWER, org):
            filters.errors["organisation"] = _("No organisation of yours has this number.")
        else:
            filters.organisation = org
    slug = request.args.get("course", "").strip()
    if slug:
        filters.course = catalog.find_course(slug[:80])
        if filters.course is None:
            filters.errors["course"] = _("No course has this identifier.")
    filters.start, filters.end = _date("start", filters), _date("end", filters)
    if filters.start and filters.end and filters.end < filters.start:
        filters.errors["end"] = _("The period ends before it starts.")
        filters.start = filters.end = None
    status = request.args.get("status", "")
    if status not in STATUSES:
        filters.errors["status"] = _("Unknown status.")
    else:
        filters.status = status
    return filters


def _kept(filters: Filters) -> dict[str, str]:
    """The valid filters as URL arguments, for links that keep them."""
    kept = {}
    if filters.organisation is not None:
        kept["organisation"] = str(filters.organisation.id)
    if filters.course is not None:
        kept["course"] = filters.course.slug
    if filters.start:
        kept["start"] = filters.start.isoformat()
    if filters.end:
        kept["end"] = filters.end.isoformat()
    if filters.status:
        kept["status"] = filters.status
    return kept


def _titles() -> tuple[list, dict[int, str]]:
    locale = str(get_locale())
    courses = catalog.published_courses()
    return courses, {c.id: catalog.display_title(c.current_version, locale) for c in courses}


def _context(filters: Filters) -> dict:
    courses, titles = _titles()
    return {
        "filters": filters,
        "kept": _kept(filters),
        "organisations": policy.orgs_in_scope(current_user, Role.REVIEWER),
        "courses": courses,
        "titles": titles,
        "statuses": STATUSES,
        "network_admin": policy.is_network_admin(current_user),
    }


def month_label(first: date, locale: str) -> str:
    """A month as the locale writes it with its year in full ("dic 2026", "dez. de 2026"):
    the skeleton lets Babel pick each language's own pattern."""
    return format_skeleton("yMMM", first, locale=locale)


@bp.route("/")
def dashboard():
    filters = parse_filters()
    context = _context(filters)
    figures = services.dashboard(current_user, filters)
    return render_template(
        "reports/dashboard.html",
        head=figures.head,
        departments=services.by_department(current_user, filters, data=figures.data),
        per_course=services.by_course(current_user, filters, context["titles"], figures.data),
        months=[(month_label(first, str(get_locale())), n) for first, n in figures.months],
        **context,
    ), (400 if filters.errors else 200)


SORT_CHOICES = ("name", "-name", "organisation", "-completed")


@bp.route("/officials")
def officials():
    filters = parse_filters()
    q = request.args.get("q", "").strip()[:100]
    sort = request.args.get("sort", "name")
    if sort not in SORT_CHOICES:
        sort = "name"
    number = max(request.args.get("page", 1, type=int) or 1, 1)
    page = services.officials_page(
        current_user, filters, q, sort, number, current_app.config["PAGE_SIZE"]
    )
    return render_template(
        "reports/officials.html",
        page=page,
        q=q,
        sort=sort,
        sorts=SORT_CHOICES,
        **_context(filters),
    ), (400 if filters.errors else 200)


def _rows(stmt, labels: dict[str, str] | None):
    """The export's rows as they are read, in the generator's own app context (the request's
    is gone by the time a streamed body is sent: words are translated before, in labels,
    and the reader's time zone is resolved before too)."""
    app = current_app._get_current_object()
    zone = zone_of(current_user)

    def generate():
        with app.app_context():
            for record in db.session.execute(stmt.execution_options(yield_per=1000)):
                yield officials_export.row(record, labels, zone)
            db.session.remove()

    return generate()


def _export(fmt: str):
    filters = parse_filters()
    if filters.errors:
        abort(400)
    q = request.args.get("q", "").strip()[:100]
    kept = _kept(filters) | ({"q": q} if q else {})
    audit.exported(
        current_user,
        "report",
        fmt,
        filters=kept,
        organisation=filters.organisation,
        table="officials",
    )
    db.session.commit()
    labels = officials_export.status_labels() if filters.course is not None else None
    rows = _rows(officials_export.statement(current_user, filters, q), labels)
    return send_table(f"officials.{fmt}", fmt, officials_export.headers(filters), rows)


@bp.route("/officials.csv")
def officials_csv():
    return _export("csv")


@bp.route("/officials.xlsx")
def officials_xlsx():
    return _export("xlsx")


TABLES = ("departments", "courses", "months")


def _table(name: str, filters: Filters) -> tuple[list[str], list[list]]:
    """One of the dashboard's tables as header and rows (tens of rows, built in memory)."""
    if name == "departments":
        rows = services.by_department(current_user, filters, limit=10_000)
        return [_("Department"), _("People"), _("Enrolments"), _("Completions")], [
            [r.label, r.people, r.enrolments, r.completions] for r in rows
        ]
    if name == "courses":
        rows = services.by_course(current_user, filters, _titles()[1])
        return [_("Course"), _("People"), _("Enrolments"), _("Completions")], [
            [r.label, r.people, r.enrolments, r.completions] for r in rows
        ]
    months = services.completions_by_month(current_user, filters)
    return [_("Month"), _("Completions")], [[first.strftime("%Y-%m"), n] for first, n in months]


@bp.route("/tables/<name>.<fmt>")
def export_table(name: str, fmt: str):
    if name not in TABLES or fmt not in FORMATS:
        abort(404)
    filters = parse_filters()
    if filters.errors:
        abort(400)
    header, rows = _table(name, filters)
    audit.exported(
        current_user,
        "report",
        fmt,
        filters=_kept(filters),
        organisation=filters.organisation,
        table=name,
    )
    db.session.commit()
    return send_table(f"{name}.{fmt}", fmt, header, rows)


@bp.route("/officials/<id:user_id>")
def transcript(user_id: int):
    person = policy.person_for_reviewer(current_user, user_id, hide=True)
    return render_template("reports/transcript.html", transcript=transcripts.build(person))


@bp.route("/officials/<id:user_id>/transcript.pdf")
def transcript_pdf(user_id: int):
    person = policy.person_for_reviewer(current_user, user_id, hide=True)
    response = current_app.response_class(
        render(transcripts.build(person)), mimetype="application/pdf"
    )
    audit.exported(
        current_user,
        "transcript",
        "pdf",
        organisation=person.organisation,
        target_type="user",
        target_id=person.id,
    )
    db.session.commit()
    response.headers["Content-Disposition"] = f'attachment; filename="transcript-{person.id}.pdf"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/network")
def network():
    """Member cities side by side, for administrators of the whole network only (the rule in
    app/access.py: an admin of a city or state gets 403 before this runs)."""
    filters = parse_filters()
    filters.organisation = None  # the comparison is across the whole network
    rows = services.by_city(filters)
    return render_template("reports/network.html", rows=rows, **_context(filters)), (
        400 if filters.errors else 200
    )
