"""The one spreadsheet path: a table sent as CSV or XLSX, formula-safe, memory bounded.

CSV follows what Excel expects on the reader's computer: Excel splits a CSV file on the
"list separator" of the Windows regional settings, and that separator is ";" wherever the
decimal mark is "," (Brazil, Spain, France, Uruguay, Colombia...) and "," where it is "."
(Mexico, English). Both come from Babel's locale data for the reader's language and
country (see table_locale).
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import chain, islice
from pathlib import PurePath

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.numbers import get_decimal_symbol
from flask import Response, current_app
from flask_babel import get_locale, get_timezone

FORMATS = ("csv", "xlsx")

_MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# A cell starting with one of these is a formula to a spreadsheet program.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

#: CSV text is handed to the server in pieces of about this size, not row by row.
_CSV_CHUNK = 64 * 1024
#: An XLSX stays in memory up to this size, then moves to a temporary file.
_XLSX_SPOOL = 1024 * 1024
_FILE_CHUNK = 64 * 1024
#: XLSX column widths are estimated from the header and this many first rows (held in
#: memory until the widths are written, which must come before the first row).
_WIDTH_SAMPLE = 200
_MIN_WIDTH, _MAX_WIDTH = 8, 60
_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
_DATE_FORMAT = "yyyy-mm-dd"

# Characters Excel refuses in a sheet title, which is at most 31 characters long.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

#: The territory assumed for a language when the reader's country is unknown. The network
#: is Latin-American first: Spanish is read as CLDR's Latin-American Spanish (es_419,
#: "1.5" with "," as in Mexico and Central America), Portuguese as Brazil's ("1,5", ";").
#: A deployment elsewhere sets EXPORT_LOCALES, e.g. {"es": "es_UY"}, in its configuration.
DEFAULT_LOCALES = {"es": "es_419", "pt": "pt_BR", "fr": "fr_FR", "en": "en_US"}


@dataclass(frozen=True)
class TableLocale:
    """How numbers and fields are written in a CSV for one reader."""

    name: str
    decimal: str
    delimiter: str


def table_locale(
    language: str, zone: str | None = None, defaults: dict[str, str] | None = None
) -> TableLocale:
    """The CSV dialect for a reader of language working in the IANA time zone zone.
    The zone names the country (CLDR's zone territories: America/Montevideo is UY) and the
    language with it makes the locale (es_UY: "1,5" and ";"). When Babel has no such locale
    (pt in Mexico) or there is no country, the language's own territory if it names one
    (pt_BR), else DEFAULT_LOCALES updated with defaults (the EXPORT_LOCALES setting)."""
    language = (language or "en").replace("-", "_")
    base = language.split("_")[0]
    candidates = []
    country = get_global("zone_territories").get(zone or "")
    if country and country.isalpha() and country != "ZZ":  # not Etc/UTC's "unknown region"
        candidates.append(f"{base}_{country}")
    if "_" in language:
        candidates.append(language)
    chosen = {**DEFAULT_LOCALES, **(defaults or {})}
    candidates += [chosen.get(language, ""), chosen.get(base, ""), base, "en_US"]
    for name in candidates:
        if not name:
            continue
        try:
            locale = Locale.parse(name)
        except (UnknownLocaleError, ValueError):
            continue
        decimal = get_decimal_symbol(locale)
        return TableLocale(str(locale), decimal, ";" if decimal == "," else ",")
    raise AssertionError("en_US is always known")  # pragma: no cover


def reader_locale() -> TableLocale:
    """The dialect for the person downloading: the request's language and time zone (the
    person's own, else their organisation's: flask-babel's selector, accounts/zones.py)."""
    return table_locale(
        str(get_locale() or "en"), str(get_timezone()), current_app.config.get("EXPORT_LOCALES")
    )


def _safe(value) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _csv_value(value, decimal: str) -> str:
    """A cell as CSV text: numbers with the reader's decimal mark and no grouping, dates and
    times in ISO 8601 (with their offset when they carry one), text formula-safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        return str(value).replace(".", decimal)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds" if value.second else "minutes")
    if isinstance(value, date):
        return value.isoformat()
    return _safe(value)


def send_table(
    filename: str,
    fmt: str,
    headers: list[str],
    rows: Iterable[list],
    locale: TableLocale | None = None,
) -> Response:
    """A download of one table. Headers come translated from the caller. CSV is UTF-8 with a
    byte-order mark (so Excel reads accents right), in the reader's dialect (locale, by
    default reader_locale()), and streamed as the rows are read; XLSX is one sheet with typed
    cells, fitted column widths, a frozen header row and an autofilter, written row by row by
    openpyxl's write-only workbook and spooled to a temporary file once it grows. Either way
    the rows are never held whole in memory; text a spreadsheet would take for a formula is
    quoted."""
    # Lazy headers are translated now, in the request: a streamed body outlives it.
    headers = [str(h) for h in headers]
    if fmt == "csv":
        body = _csv_chunks(headers, rows, locale or reader_locale())
        response = current_app.response_class(body, mimetype=_MIMETYPES["csv"])
    elif fmt == "xlsx":
        handle, size = _xlsx_file(PurePath(filename).stem, headers, rows)
        response = current_app.response_class(
            _file_chunks(handle), mimetype=_MIMETYPES["xlsx"], direct_passthrough=True
        )
        response.content_length = size
    else:
        raise ValueError(f"unknown table format {fmt!r}")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _csv_chunks(headers: list[str], rows: Iterable[list], locale: TableLocale) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=locale.delimiter)
    buffer.write("\ufeff")
    writer.writerow([_safe(v) for v in headers])
    decimal = locale.decimal
    for row in rows:
        writer.writerow([_csv_value(v, decimal) for v in row])
        if buffer.tell() >= _CSV_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_value(value):
    """A typed cell value: numbers stay numbers, dates real dates (Excel has no time zones:
    an aware time is written as its wall-clock time, already the reader's local time),
    only text can be mistaken for a formula."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    if isinstance(value, str):
        return _safe(value)
    return value


def _shown_width(value) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, float):
        return len(f"{value:.2f}")
    return max((len(line) for line in str(value).splitlines()), default=0)


def _widths(headers: list[str], sample: list[list]) -> list[int]:
    """Column widths in characters from the header and the first rows, capped."""
    widths = [len(str(h)) + 3 for h in headers]  # room for the autofilter's button
    for row in sample:
        for i, value in enumerate(row[: len(widths)]):
            widths[i] = max(widths[i], _shown_width(value) + 1)
    return [min(max(w, _MIN_WIDTH), _MAX_WIDTH) for w in widths]


def _xlsx_file(title: str, headers: list[str], rows: Iterable[list]):
    """The workbook in a spooled temporary file, rewound, and its size. A write-only sheet
    keeps its rows in its own temporary file as they are appended."""
    # openpyxl costs a worker 24 MB of memory: loaded on the first XLSX download only.
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_SHEET_FORBIDDEN.sub("_", title)[:31] or "Sheet")
    rows = iter(rows)
    sample = list(islice(rows, _WIDTH_SAMPLE))
    # Widths and the frozen pane come before the rows in the file; the filter after them.
    for i, width in enumerate(_widths(headers, sample), 1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = WriteOnlyCell(sheet, _safe(h))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 1
    for row in chain(sample, rows):
        values = []
        for v in row:
            v = _xlsx_value(v)
            if isinstance(v, date):
                cell = WriteOnlyCell(sheet, v)
                cell.number_format = _DATETIME_FORMAT if isinstance(v, datetime) else _DATE_FORMAT
                v = cell
            values.append(v)
        sheet.append(values)
        count += 1
    if headers:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count}"
    handle = tempfile.SpooledTemporaryFile(max_size=_XLSX_SPOOL)
    workbook.save(handle)
    size = handle.tell()
    handle.seek(0)
    return handle, size


def _file_chunks(handle) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(_FILE_CHUNK):
            yield chunk
