"""Reading the audit log back within one's scope (writing is `app.audit.models.record`).

Readers see the entries of their organisation
subtree only: network administrators everything, including entries that belong to no
organisation (failed sign-ins with an unknown address, the system's own jobs).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import aliased, joinedload

from app import search
from app.accounts import policy
from app.accounts.models import Organisation, Role, User
from app.accounts.zones import zone_of
from app.audit.models import AuditEntry
from app.catalog.models import Course, CourseVersion, Edition
from app.certificates import codes
from app.certificates.models import Certificate
from app.clock import iso_local, utc_start_of
from app.extensions import db
from app.forms import iso_date

# What an entry's action code means, for people reading the log. Codes not listed here
# (a new domain's) are shown as they are.
ACTION_LABELS = {
    "auth.login": _l("Signed in"),
    "auth.login_failed": _l("Failed sign-in"),
    "auth.logout": _l("Signed out"),
    "auth.password_change": _l("Changed their password"),
    "auth.password_reset": _l("Chose a new password from a reset link"),
    "auth.invitation_accept": _l("Accepted an invitation"),
    "account.create": _l("Account created"),
    "account.update": _l("Account edited by an administrator"),
    "role.grant": _l("Role granted"),
    "role.revoke": _l("Role removed"),
    "staff.import": _l("Staff imported from a CSV file"),
    "account.invite": _l("Invitation sent"),
    "account.quiz_time": _l("Time on timed quizzes changed"),
    "assignment.create": _l("Course assigned"),
    "assignment.change": _l("Due date of an assignment changed"),
    "assignment.remove": _l("Assignment removed"),
    "course.create": _l("Course created"),
    "course.import": _l("Course package imported"),
    "course.publish": _l("Course published"),
    "course.restore": _l("Course version restored"),
    "course.author_add": _l("Course author added"),
    "course.author_remove": _l("Course author removed"),
    "certificate.revoke": _l("Certificate revoked"),
    "export.report": _l("Report exported"),
    "export.certificates": _l("Certificates exported"),
    "export.quiz_analysis": _l("Quiz analysis exported"),
    "export.transcript": _l("Transcript downloaded"),
    "audit.export": _l("Audit log exported"),
    "privacy.export": _l("Personal data downloaded by its owner"),
    "privacy.erase": _l("Personal data erased on request"),
}

#: The "kind of action" filter: a key, its label, and the action prefixes it covers.
ACTION_GROUPS = {
    "auth": (_l("Sign-ins and passwords"), ("auth.",)),
    "account": (_l("Accounts and roles"), ("account.", "role.")),
    "staff": (_l("Staff imports"), ("staff.",)),
    "assignment": (_l("Assignments"), ("assignment.",)),
    "course": (_l("Courses and drafts"), ("course.", "draft.")),
    "certificate": (_l("Certificates"), ("certificate.",)),
    "export": (_l("Exports"), ("export.", "audit.export")),
    "privacy": (_l("Data-rights requests"), ("privacy.",)),
}

#: Target types offered in the filter; any other well-formed name is accepted too.
TARGET_TYPES = {
    "user": _l("Person"),
    "login": _l("Sign-in with an unknown address"),
    "organisation": _l("Organisation"),
    "course": _l("Course"),
    "edition": _l("Course language edition"),
    "certificate": _l("Certificate"),
    "assignment": _l("Assignment"),
    "report": _l("Report"),
    "audit_log": _l("Audit log"),
}

_NAME = re.compile(r"^[a-z_]{1,40}(\.[a-z_]{1,40})?$")


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


# Reading ------------------------------------------------------------------------------------


@dataclass
class AuditFilters:
    """The filters of the viewer and its CSV; errors maps a filter name to its message."""

    action: str = ""
    actor: str = ""
    start: date | None = None
    end: date | None = None
    target: str = ""
    errors: dict[str, str] = field(default_factory=dict)

    def kept(self) -> dict[str, str]:
        """The valid filters as URL arguments, for links that keep them."""
        kept = {"action": self.action, "actor": self.actor, "target": self.target}
        if self.start:
            kept["start"] = self.start.isoformat()
        if self.end:
            kept["end"] = self.end.isoformat()
        return {k: v for k, v in kept.items() if v}


def _parse_date(raw: str, name: str, filters: AuditFilters) -> date | None:
    return iso_date(raw, name, filters.errors)


def parse_filters(args: Mapping[str, str]) -> AuditFilters:
    """Filters from the URL. A malformed one is named in an error and ignored, so the list
    falls back to the viewer's whole scope, never more."""
    filters = AuditFilters()
    action = args.get("action", "").strip()
    if action:
        if action in ACTION_GROUPS or _NAME.match(action):
            filters.action = action
        else:
            filters.errors["action"] = _("Unknown kind of action.")
    filters.actor = args.get("actor", "").strip()[:100]
    filters.start = _parse_date(args.get("start", ""), "start", filters)
    filters.end = _parse_date(args.get("end", ""), "end", filters)
    if filters.start and filters.end and filters.end < filters.start:
        filters.errors["end"] = _("The period ends before it starts.")
        filters.start = filters.end = None
    target = args.get("target", "").strip()
    if target:
        if re.fullmatch(r"[a-z_]{1,40}", target):
            filters.target = target
        else:
            filters.errors["target"] = _("Unknown kind of target.")
    return filters


def _scope(viewer: User):
    """SQL condition on AuditEntry: what the viewer may read."""
    if policy.is_network_admin(viewer):
        return None
    return AuditEntry.organisation_id.in_(
        select(Organisation.id).where(policy.org_scope(viewer, Role.REVIEWER))
    )


def entries_query(viewer: User, filters: AuditFilters) -> Select:
    """The entries the viewer may read that match the filters, newest first."""
    stmt = select(AuditEntry)
    scope = _scope(viewer)
    if scope is not None:
        stmt = stmt.where(scope)
    if filters.action:
        prefixes = ACTION_GROUPS.get(filters.action, (None, (filters.action,)))[1]
        stmt = stmt.where(
            or_(*(AuditEntry.action.startswith(p, autoescape=True) for p in prefixes))
        )
    if filters.actor:
        actor = aliased(User)
        stmt = stmt.join(actor, actor.id == AuditEntry.actor_id).where(
            search.matches(actor.search_key, filters.actor)
        )
    # The period is of days in the viewer's time zone, as the page shows the times.
    zone = zone_of(viewer)
    if filters.start:
        stmt = stmt.where(AuditEntry.at >= utc_start_of(filters.start, zone))
    if filters.end:
        stmt = stmt.where(AuditEntry.at < utc_start_of(filters.end + timedelta(1), zone))
    if filters.target:
        stmt = stmt.where(AuditEntry.target_type == filters.target)
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


@dataclass
class Page:
    entries: list[AuditEntry]
    #: The id to pass as `before` for the next (older) page; None on the last page.
    older: int | None
    targets: dict[tuple[str, int], str]


def parse_cursor(raw: str, filters: AuditFilters) -> AuditEntry | None:
    """The entry a "older entries" link starts after; a bad or stale link is an error."""
    raw = raw.strip()
    if not raw:
        return None
    cursor = db.session.get(AuditEntry, int(raw)) if raw.isdigit() and len(raw) < 10 else None
    if cursor is None:
        filters.errors["before"] = _("This page link is not valid; showing the newest entries.")
    return cursor


def page(viewer: User, filters: AuditFilters, cursor: AuditEntry | None, size: int) -> Page:
    """One page of entries, older than the cursor entry when given (keyset paging: the
    cost of a page does not grow with how far back it is)."""
    stmt = entries_query(viewer, filters).options(joinedload(AuditEntry.actor))
    if cursor is not None:
        stmt = stmt.where(
            or_(
                AuditEntry.at < cursor.at,
                and_(AuditEntry.at == cursor.at, AuditEntry.id < cursor.id),
            )
        )
    rows = list(db.session.scalars(stmt.limit(size + 1)))
    older = rows[size - 1].id if len(rows) > size else None
    rows = rows[:size]
    return Page(rows, older, target_labels(rows))


def target_labels(entries: list[AuditEntry]) -> dict[tuple[str, int], str]:
    """Readable names for the targets of a page: one query per kind of target."""
    wanted: dict[str, set[int]] = {}
    for e in entries:
        wanted.setdefault(e.target_type, set()).add(e.target_id)
    columns = {
        "user": (User.id, User.email),
        "organisation": (Organisation.id, Organisation.name),
        "course": (Course.id, Course.slug),
        "certificate": (Certificate.id, Certificate.code),
    }
    labels = {}
    for kind, ids in wanted.items():
        if kind in columns:
            key, label = columns[kind]
            for ident, text in db.session.execute(select(key, label).where(key.in_(ids))):
                labels[(kind, ident)] = codes.display(text) if kind == "certificate" else text
    if "edition" in wanted:
        rows = db.session.execute(
            select(Edition.id, Course.slug, Edition.language)
            .join(CourseVersion, CourseVersion.id == Edition.version_id)
            .join(Course, Course.id == CourseVersion.course_id)
            .where(Edition.id.in_(wanted["edition"]))
        )
        for ident, slug, language in rows:
            labels[("edition", ident)] = f"{slug} ({language})"
    return labels


def _value(value) -> str:
    if isinstance(value, list) and len(value) == 2:  # a change: [before, after]
        return f"{value[0]} → {value[1]}"
    return str(value)


def format_detail(detail: dict) -> str:
    """The detail as `key: value` pairs, nested mappings flattened one level."""
    parts = []
    for key, value in sorted((detail or {}).items()):
        if isinstance(value, dict):
            value = ", ".join(f"{k}={_value(v)}" for k, v in sorted(value.items())) or "-"
        parts.append(f"{key}: {_value(value)}")
    return "; ".join(parts)


#: Lazy: translated into the reader's language when the export writes them.
CSV_HEADERS = [
    _l("When"),
    _l("E-mail address"),
    _l("Name"),
    _l("IP address"),
    _l("Browser"),
    _l("Action"),
    _l("Target"),
    _l("Target number"),
    _l("Organisation"),
    _l("Details"),
]


def csv_rows(stmt: Select, zone: ZoneInfo) -> Iterator[list]:
    """The export's rows, read in batches, times in the reader's zone (ISO 8601 with its
    offset); the caller runs this inside an app context."""
    actor = aliased(User)
    org = aliased(Organisation)
    inner = stmt.subquery()
    entry = aliased(AuditEntry, inner)
    query = (
        select(entry, actor.email, actor.name, org.slug)
        .outerjoin(actor, actor.id == entry.actor_id)
        .outerjoin(org, org.id == entry.organisation_id)
        .order_by(entry.at.desc(), entry.id.desc())
        .execution_options(yield_per=1000)
    )
    for e, email, name, org_slug in db.session.execute(query):
        yield [
            iso_local(e.at, zone),
            email or "",
            name or "",
            e.ip_address or "",
            e.user_agent or "",
            e.action,
            e.target_type,
            e.target_id,
            org_slug or "",
            json.dumps(e.detail or {}, ensure_ascii=False, sort_keys=True),
        ]
