"""Staff import: check the whole file first, then create or update everyone at once.

The file is what an HR office has: CSV in UTF-8 (with or without a byte-order mark),
Windows-1252/Latin-1 (Spanish and Portuguese Excel's "CSV"), or UTF-16 (Excel's "Unicode
text"), separated by ",", ";" or tabs; or an Excel workbook (.xlsx, first sheet). The header
names the columns email, name, department, job_title and locale, in any order, in English,
Spanish, Portuguese or French (HEADER_NAMES; case and accents do not matter). A row that
names an existing account in the target organisation's subtree updates it; an address that
belongs elsewhere is an error. Nothing is written unless every row is good.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time

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
#: The header names accepted for each column, compared without case, accents, spaces,
#: hyphens or underscores (see _header_key). Documented on the import page and in README.
HEADER_NAMES = {
    "email": (
        "email",
        "e-mail",
        "mail",
        "correo",
        "correo electrónico",
        "correo-e",
        "endereço de e-mail",
        "courriel",
        "adresse e-mail",
        "adresse électronique",
    ),
    "name": (
        "name",
        "full name",
        "nombre",
        "nombre completo",
        "nome",
        "nome completo",
        "nom",
        "nom complet",
    ),
    "department": (
        "department",
        "departamento",
        "dependencia",
        "área",
        "órgão",
        "setor",
        "service",
        "département",
    ),
    "job_title": (
        "job_title",
        "job title",
        "position",
        "puesto",
        "cargo",
        "función",
        "função",
        "poste",
        "fonction",
    ),
    "locale": ("locale", "language", "idioma", "lengua", "língua", "langue"),
}
_LOCALE_ALIASES = {"pt": "pt_BR", "pt-br": "pt_BR", "pt_br": "pt_BR"}
_CHUNK = 500
#: The separator is chosen from this many characters of the header at most; a real header
#: is about 40 characters.
_SNIFF_CHARS = 1024
_SEPARATORS = ("\t", ";", ",")
_XLSX_MAGIC = b"PK\x03\x04"
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
    """The file's text. A byte-order mark names UTF-8 or UTF-16; UTF-16 without one shows as
    NUL bytes; otherwise strict UTF-8, else Windows-1252 (what Excel saves as "CSV" in Spanish,
    Portuguese and French; its five unassigned bytes read as Latin-1). Not charset-normalizer:
    it guesses among dozens of encodings from statistics, and on a short file of names it can
    pick a wrong one (cp1250, mac_roman) where these rules are exact: text with accents that
    is not UTF-8 fails strict UTF-8 decoding, and the office files that fail it are cp1252."""
    if not data.strip():
        raise StaffImportError([RowError(1, None, _("The file is empty."))])
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif len(data) > 1 and data[1] == 0 and data[0] != 0:
        encoding = "utf-16-le"
    elif len(data) > 1 and data[0] == 0 and data[1] != 0:
        encoding = "utf-16-be"
    else:
        for fallback in ("utf-8", "cp1252"):
            try:
                return data.decode(fallback)
            except UnicodeDecodeError:
                continue
        return data.decode("latin-1")  # cp1252 leaves five bytes unassigned; Latin-1 none
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise StaffImportError(
            [
                RowError(
                    line,
                    None,
                    _(
                        'The file cannot be read as text. Save it as "CSV UTF-8" or as an '
                        "Excel workbook (.xlsx) and try again."
                    ),
                )
            ]
        ) from None


def _header_key(text: str) -> str:
    """A header name compared without case, accents, spaces, hyphens or underscores."""
    text = unicodedata.normalize("NFKD", text.strip().lstrip("\ufeff").casefold())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"[\s_\-.]+", "", text)


_ALIASES = {_header_key(alias): column for column, names in HEADER_NAMES.items() for alias in names}


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
    rows, errors, _columns = _parse(data)
    if errors:
        raise StaffImportError(errors)
    return rows


def _csv_records(text: str) -> Iterator[tuple[int, list[str] | None, str]]:
    """(line, values, "") per CSV record, the header first; (line, None, detail) once on
    malformed CSV. A quoted value may span lines: a record is named by the line it starts on."""
    # The separator is the one the header line uses most (names never contain one): exact,
    # where csv.Sniffer guesses from character frequencies and takes quadratic time on a long
    # line full of quotes.
    first_line = text[:_SNIFF_CHARS].partition("\n")[0]
    delimiter = max(_SEPARATORS, key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    start = 1
    try:
        for values in reader:
            yield start, values, ""
            start = reader.line_num + 1
    except csv.Error as exc:
        yield start, None, str(exc)


def _xlsx_records(data: bytes) -> Iterator[tuple[int, list[str] | None, str]]:
    """(row number, values as text, "") per row of the workbook's first sheet."""
    # openpyxl costs a worker 24 MB of memory: loaded on the first workbook only.
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        for number, values in enumerate(rows, 1):
            yield number, [_cell_text(v) for v in values], ""
        book.close()
    except Exception as exc:  # a damaged workbook raises anything from zipfile to lxml
        raise StaffImportError(
            [
                RowError(
                    1,
                    None,
                    _("The Excel file cannot be read (%(detail)s).", detail=_shown(str(exc))),
                )
            ]
        ) from None


def _cell_text(value) -> str:
    """A workbook cell as the text a CSV would hold: 12.0 as "12", dates in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value == datetime.combine(value.date(), time()):
        return value.date().isoformat()  # a date cell: the workbook has no separate type
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _parse(data: bytes) -> tuple[list[StaffRow], list[RowError], dict[str, str]]:
    """Rows with their per-row problems, and each column's name as the file writes it; a
    file-level problem raises at once. A workbook is told by its content (a ZIP archive), not
    by the file's name."""
    if data.startswith(_XLSX_MAGIC):
        records = _xlsx_records(data)
    else:
        records = _csv_records(_decode(data))
    errors: list[RowError] = []
    first = next(records, None)
    if first is None:
        raise StaffImportError([RowError(1, None, _("The file is empty."))])
    line, raw_header, detail = first
    if raw_header is None:
        raise StaffImportError([RowError(1, None, _("Malformed CSV: %(detail)s", detail=detail))])
    written = [h.strip().lstrip("\ufeff") for h in raw_header]
    while written and not written[-1]:
        written.pop()  # a workbook's empty trailing columns
    header = [_ALIASES.get(_header_key(h), h.lower()) for h in written]
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
                        found=_shown(",".join(written)) or "-",
                    ),
                )
            ]
        )
    index = {name: header.index(name) for name in COLUMNS}
    # Errors name a column as the file's header does ("correo", "nome"...).
    shown = {name: written[i] for name, i in index.items()}
    rows: list[StaffRow] = []
    seen: dict[str, int] = {}
    for line, values, detail in records:
        if values is None:
            errors.append(RowError(line, None, _("Malformed CSV: %(detail)s", detail=detail)))
            break
        if not any(v.strip() for v in values):
            continue
        while len(values) > len(header) and not values[-1].strip():
            values = values[:-1]  # empty cells past the last column (Excel leaves them)
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
                errors.append(RowError(line, shown[name], _("This value is required.")))
        for name in ("name", "department", "job_title"):
            if _CONTROL.search(cell[name]):
                errors.append(
                    RowError(
                        line,
                        shown[name],
                        _("Control characters (such as NUL or a line break) are not allowed."),
                    )
                )
        email = ""
        if cell["email"]:
            try:
                email = normalise_email(cell["email"])
            except AccountError as exc:
                errors.append(RowError(line, shown["email"], str(exc)))
        if email:
            if email in seen:
                errors.append(
                    RowError(
                        line,
                        shown["email"],
                        _("This address already appears on row %(row)d.", row=seen[email]),
                    )
                )
            else:
                seen[email] = line
        for name, limit in (("name", 200), ("job_title", 200), ("department", 200)):
            if len(cell[name]) > limit:
                errors.append(RowError(line, shown[name], _("At most %(n)d characters.", n=limit)))
        locale = _normalise_locale(cell["locale"])
        if locale is None:
            errors.append(
                RowError(
                    line,
                    shown["locale"],
                    _(
                        'Unknown language "%(value)s"; use one of %(allowed)s.',
                        value=_shown(cell["locale"]),
                        allowed=", ".join(current_app.config["LANGUAGES"]),
                    ),
                )
            )
        rows.append(
            StaffRow(line, email, cell["name"], cell["department"], cell["job_title"], locale or "")
        )
    if not rows and not errors:
        raise StaffImportError([RowError(2, None, _("The file has a header but no rows."))])
    return rows, errors, shown


def import_staff(
    data: bytes,
    organisation: Organisation,
    *,
    create_departments: bool = False,
    actor: User | None = None,
) -> ImportResult:
    """Check the file against the database, then create and update accounts; flushes only.
    actor: who imported (None for the command line), for the audit log."""
    rows, errors, shown = _parse(data)

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
                        shown["department"],
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
                    shown["email"],
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
