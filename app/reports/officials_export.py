"""The officials export: the list's rows with each person's completion rate and, when a course
is chosen, their status, completion date and certificate code in that course."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import and_

from app.accounts.models import User
from app.certificates.codes import display
from app.certificates.models import Certificate
from app.clock import local
from app.learning.models import Enrolment

from . import services
from .services import WITHDRAWN, Filters


def headers(filters: Filters) -> list[str]:
    """Column titles in the reader's language, in the order of row()."""
    names = [
        _("Name"),
        _("E-mail address"),
        _("Department"),
        _("Enrolments"),
        _("Completed"),
        _("Completion rate (%)"),
        _("Overdue"),
        _("Last sign-in"),
    ]
    if filters.course is not None:
        names += [_("Status"), _("Completion date"), _("Certificate code")]
    return names


def statement(actor: User, filters: Filters, q: str):
    """The list's query; for one course, one outer join each to the person's enrolment in it
    and its certificate (unrevoked), so the export stays one streamed query."""
    stmt = services.officials_query(actor, filters, q, "organisation")
    if filters.course is None:
        return stmt
    return (
        stmt.outerjoin(
            Enrolment,
            and_(
                Enrolment.user_id == User.id,
                Enrolment.course_id == filters.course.id,
                Enrolment.status != WITHDRAWN,
            ),
        )
        .outerjoin(
            Certificate,
            and_(Certificate.enrolment_id == Enrolment.id, Certificate.revoked_at.is_(None)),
        )
        .add_columns(
            Enrolment.completed_at.label("course_completed_at"),
            Certificate.code.label("certificate_code"),
        )
    )


def status_labels() -> dict[str, str]:
    """The page's status words, translated once per export rather than once per row."""
    return {
        "overdue": _("Overdue"),
        "completed": _("Completed"),
        "in_progress": _("In progress"),
        "not_started": _("Not started"),
    }


def row(record, labels: dict[str, str] | None, zone: ZoneInfo) -> list:
    """One person's cells; labels (from status_labels) when a course is chosen. Times are
    passed as datetimes in the reader's zone: send_table writes them as ISO 8601 with that
    offset in a CSV, as local dates and times in an XLSX."""
    rate = round(100 * record.completed / record.enrolments, 1) if record.enrolments else None
    cells = [
        record.name,
        record.email,
        record.organisation,
        record.enrolments,
        record.completed,
        rate,
        record.overdue,
        _local(record.last_login_at, zone),
    ]
    if labels is not None:
        # The same rule as the page's status column (reports/officials.html).
        if record.overdue:
            status = labels["overdue"]
        elif record.completed:
            status = labels["completed"]
        elif record.enrolments:
            status = labels["in_progress"]
        else:
            status = labels["not_started"]
        code = record.certificate_code
        cells += [
            status,
            _local(record.course_completed_at, zone),
            display(code) if code else "",
        ]
    return cells


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """A stored time (naive UTC) in the reader's zone, so the CSV carries its offset."""
    return local(moment, zone) if moment is not None else None
