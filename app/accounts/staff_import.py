"""Staff CSV import: check the whole file first, then create or update everyone at once.

The file has the header ``email,name,department,job_title,locale`` (any order). A row that
names an existing account in the target organisation's subtree updates it; an address that
belongs elsewhere is an error. Nothing is written unless every row is good.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import insert, select

from app import events
from app.accounts.models import Organisation, OrgKind, User
from app.accounts.services import AccountError, create_organisation, normalise_email, slug_for
from app.audit.models import record
from app.extensions import db

COLUMNS = ("email", "name", "department", "job_title", "locale")
REQUIRED = ("email", "name")
_LOCALE_ALIASES = {"pt": "pt_BR", "pt-br": "pt_BR", "pt_br": "pt_BR"}
_CHUNK = 500
#: The header is sniffed from this many characters at most: csv.Sniffer takes quadratic time
#: on a long line full of quotes, and a real header is about 40 characters.
_SNIFF_CHARS = 1024
#: Control characters cannot be stored (NUL, on PostgreSQL) or exported (XLSX refuses them).
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class RowError:
    """One problem, located by 1-based line number in the file (the header is line 1)."""

    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.column:
            return _(
                "Row %(row)d, %(column)s: %(message)s",
                row=self.row,
                column=self.column,
                message=self.message,
            )
        return _("Row %(row)d: %(message)s", row=self.row, message=self.message)


class StaffImportError(Exception):
    """The file was refused; errors lists every problem found."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} error(s)")
        self.errors = errors


@dataclass
class StaffRow:
    line: int
    email: str
    name: str
    department: str
    job_title: str
    locale: str


@dataclass
class ImportResult:
    created: list[int] = field(default_factory=list)
    updated: int = 0
    departments_created: list[str] = field(default_factory=list)


def _decode(data: bytes) -> str:
    if not data.strip():
        raise StaffImportError([RowError(1, None, _("The file is empty."))])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise StaffImportError(
            [
                RowError(
                    line,
                    None,
                    _('The file is not UTF-8 text. Save it as "CSV UTF-8" and try again.'),
                )
            ]
        ) from None


def _shown(text: str, limit: int = 80) -> str:
    """A value quoted in a message: printable, and short enough to read."""
    text = _CONTROL.sub("\ufffd", text)
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _normalise_locale(raw: str) -> str | None:
    value = raw.strip()
    if not value:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    value = _LOCALE_ALIASES.get(value.lower(), value)
    languages = current_app.config["LANGUAGES"]
    for code in languages:
        if code.lower() == value.lower():
            return code
    return None


def parse_staff_csv(data: bytes) -> list[StaffRow]:
    """Read and check the file's shape and every row's values, without the database."""
    rows, errors = _parse(data)
    if errors:
        raise StaffImportError(errors)
    return rows


def _parse(data: bytes) -> tuple[list[StaffRow], list[RowError]]:
    """Rows with their per-row problems; a file-level problem raises at once."""
    text = _decode(data)
    try:
        first_line = text[:_SNIFF_CHARS].partition("\n")[0]
        dialect = csv.Sniffer().sniff(first_line, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    errors: list[RowError] = []
    try:
        header = [h.strip().lower() for h in next(reader)]
    except StopIteration:
        raise StaffImportError([RowError(1, None, _("The file is empty."))]) from None
    except csv.Error as exc:
        raise StaffImportError(
            [RowError(1, None, _("Malformed CSV: %(detail)s", detail=str(exc)))]
        ) from None
    missing = [c for c in COLUMNS if c not in header]
    unknown = [h for h in header if h not in COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        raise StaffImportError(
            [
                RowError(
                    1,
                    None,
                    _(
                        "The header must be %(expected)s; found %(found)s.",
                        expected=",".join(COLUMNS),
                        found=_shown(",".join(header)) or "-",
                    ),
                )
            ]
        )
    index = {name: header.index(name) for name in COLUMNS}
    rows: list[StaffRow] = []
    seen: dict[str, int] = {}
    # A quoted value may span lines: a row is named by the line it starts on.
    start = reader.line_num + 1
    try:
        for values in reader:
            line, start = start, reader.line_num + 1
            if not any(v.strip() for v in values):
                continue
            if len(values) != len(header):
                errors.append(
                    RowError(
                        line,
                        None,
                        _(
                            "Expected %(expected)d columns, found %(found)d.",
                            expected=len(header),
                            found=len(values),
                        ),
                    )
                )
                continue
            cell = {name: values[i].strip() for name, i in index.items()}
            for name in REQUIRED:
                if not cell[name]:
                    errors.append(RowError(line, name, _("This value is required.")))
            for name in ("name", "department", "job_title"):
                if _CONTROL.search(cell[name]):
                    errors.append(
                        RowError(
                            line,
                            name,
                            _("Control characters (such as NUL or a line break) are not allowed."),
                        )
                    )
            email = ""
            if cell["email"]:
                try:
                    email = normalise_email(cell["email"])
                except AccountError as exc:
                    errors.append(RowError(line, "email", str(exc)))
            if email:
                if email in seen:
                    errors.append(
                        RowError(
                            line,
                            "email",
                            _("This address already appears on row %(row)d.", row=seen[email]),
                        )
                    )
                else:
                    seen[email] = line
            for name, limit in (("name", 200), ("job_title", 200), ("department", 200)):
                if len(cell[name]) > limit:
                    errors.append(RowError(line, name, _("At most %(n)d characters.", n=limit)))
            locale = _normalise_locale(cell["locale"])
            if locale is None:
                errors.append(
                    RowError(
                        line,
                        "locale",
                        _(
                            'Unknown language "%(value)s"; use one of %(allowed)s.',
                            value=_shown(cell["locale"]),
                            allowed=", ".join(current_app.config["LANGUAGES"]),
                        ),
                    )
                )
            rows.append(
                StaffRow(
                    line, email, cell["name"], cell["department"], cell["job_title"], locale or ""
                )
            )
    except csv.Error as exc:
        errors.append(RowError(start, None, _("Malformed CSV: %(detail)s", detail=str(exc))))
    if not rows and not errors:
        raise StaffImportError([RowError(2, None, _("The file has a header but no rows."))])
    return rows, errors


def import_staff(
    data: bytes,
    organisation: Organisation,
    *,
    create_departments: bool = False,
    actor: User | None = None,
) -> ImportResult:
    """Check the file against the database, then create and update accounts; flushes only.
    actor: who imported (None for the command line), for the audit log."""
    rows, errors = _parse(data)

    departments = {
        d.name.lower(): d
        for d in db.session.scalars(
            select(Organisation).where(
                Organisation.parent_id == organisation.id,
                Organisation.kind == OrgKind.DEPARTMENT,
            )
        )
    }
    wanted: dict[str, str] = {}
    for r in rows:
        if r.department:
            wanted.setdefault(r.department.lower(), r.department)  # first spelling wins
    # Rows without a valid address were reported already; they cannot be looked up.
    rows_with_email = [r for r in rows if r.email]
    missing_departments = [name for key, name in wanted.items() if key not in departments]
    if missing_departments and not create_departments:
        for r in rows:
            if r.department and r.department.lower() not in departments:
                errors.append(
                    RowError(
                        r.line,
                        "department",
                        _(
                            'No department "%(name)s" in %(org)s.',
                            name=r.department,
                            org=organisation.name,
                        ),
                    )
                )

    existing: dict[str, User] = {}
    emails = [r.email for r in rows_with_email]
    for start in range(0, len(emails), _CHUNK):
        chunk = emails[start : start + _CHUNK]
        for user in db.session.scalars(select(User).where(User.email.in_(chunk))):
            existing[user.email] = user
    for r in rows_with_email:
        user = existing.get(r.email)
        if user is not None and not organisation.contains(user.organisation):
            errors.append(
                RowError(
                    r.line,
                    "email",
                    _("This address belongs to an account in another organisation."),
                )
            )
    if errors:
        raise StaffImportError(sorted(errors, key=lambda e: (e.row, e.column or "")))

    result = ImportResult()
    for name in missing_departments:
        dept = create_organisation(
            name, slug_for(f"{organisation.slug}-{name}"), OrgKind.DEPARTMENT, organisation
        )
        departments[name.lower()] = dept
        result.departments_created.append(name)

    new_rows, moved = [], []
    for r in rows:
        target = departments[r.department.lower()] if r.department else organisation
        user = existing.get(r.email)
        if user is None:
            new_rows.append(
                {
                    "email": r.email,
                    "name": r.name,
                    "organisation_id": target.id,
                    "job_title": r.job_title,
                    "locale": r.locale,
                }
            )
        else:
            user.name, user.job_title, user.locale = r.name, r.job_title, r.locale
            if user.organisation_id != target.id:
                moved.append(user.id)
            user.organisation = target
            result.updated += 1
    if new_rows:
        # One multi-row INSERT per chunk: 10,000 staff must not mean 10,000 round trips.
        for start in range(0, len(new_rows), _CHUNK):
            chunk = new_rows[start : start + _CHUNK]
            db.session.execute(insert(User), chunk)
    db.session.flush()
    result_emails = [r["email"] for r in new_rows]
    result.created = []
    for start in range(0, len(result_emails), _CHUNK):
        result.created.extend(
            db.session.scalars(
                select(User.id).where(User.email.in_(result_emails[start : start + _CHUNK]))
            )
        )
    # Enrolments follow the people who moved, and newcomers get the assignments that cover
    # their organisation (app/wiring.py). No single organisation: rows may name departments.
    if moved:
        events.person_moved.send(None, user_ids=moved)
    if result.created:
        events.person_joined.send(None, user_ids=result.created)
    record(
        "staff.import",
        "organisation",
        organisation.id,
        actor=actor,
        organisation_id=organisation.id,
        created=len(result.created),
        updated=result.updated,
        departments_created=len(result.departments_created),
    )
    return result
