"""The audit log for administrators and reviewers: read and export, never edit."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from app.accounts import audit, policy
from app.accounts.zones import zone_of
from app.exports import send_table
from app.extensions import db

from . import audit_log as services

bp = Blueprint("audit", __name__, url_prefix="/audit", template_folder="templates")


def _listing(filters: services.AuditFilters, status: int = 200):
    cursor = services.parse_cursor(request.args.get("before", ""), filters)
    page = services.page(current_user, filters, cursor, current_app.config["PAGE_SIZE"])
    return render_template(
        "audit/list.html",
        page=page,
        filters=filters,
        kept=filters.kept(),
        groups=services.ACTION_GROUPS,
        target_types=services.TARGET_TYPES,
        label=services.action_label,
        format_detail=services.format_detail,
        first_page=cursor is None,
        network_admin=policy.is_network_admin(current_user),
    ), (400 if filters.errors else status)


@bp.route("/")
def list_entries():
    """Who did what, when and from where, newest first, within the viewer's organisations."""
    return _listing(services.parse_filters(request.args))


@bp.route("/entries.csv")
def export_csv():
    """The filtered list as CSV. The export is itself an entry in the log."""
    filters = services.parse_filters(request.args)
    if filters.errors:
        return _listing(filters)
    stmt = services.entries_query(current_user, filters)
    audit.exported(current_user, "audit", "csv", filters=filters.kept(), target_type="audit_log")
    db.session.commit()
    app = current_app._get_current_object()
    zone = zone_of(current_user)

    def rows():
        # Read in the generator's own app context: the request's is gone by the time a
        # streamed body is sent.
        with app.app_context():
            yield from services.csv_rows(stmt, zone)
            db.session.remove()

    return send_table("audit-log.csv", "csv", services.CSV_HEADERS, rows())
