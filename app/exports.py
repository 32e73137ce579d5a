"""The one spreadsheet path: a table sent as CSV or XLSX, formula-safe, memory bounded."""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import PurePath

from flask import Response, current_app

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

# Characters Excel refuses in a sheet title, which is at most 31 characters long.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


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


def send_table(filename: str, fmt: str, headers: list[str], rows: Iterable[list]) -> Response:
    """A download of one table. CSV is UTF-8 with a byte-order mark (so spreadsheet programs
    read accents right) and streamed as the rows are read; XLSX is one sheet written row by
    row by openpyxl's write-only workbook, spooled to a temporary file once it grows. Either
    way the rows are never held whole in memory; text a spreadsheet would take for a formula
    is quoted."""
    if fmt == "csv":
        body = _csv_chunks(headers, rows)
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


def _csv_chunks(headers: list[str], rows: Iterable[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([_safe(v) for v in headers])
    for row in rows:
        writer.writerow([_safe(v) for v in row])
        if buffer.tell() >= _CSV_CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _xlsx_file(title: str, headers: list[str], rows: Iterable[list]):
    """The workbook in a spooled temporary file, rewound, and its size. A write-only sheet
    keeps its rows in its own temporary file as they are appended."""
    # openpyxl costs a worker 24 MB of memory: loaded on the first XLSX download only.
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_SHEET_FORBIDDEN.sub("_", title)[:31] or "Sheet")
    sheet.append([_safe(v) for v in headers])
    for row in rows:
        # Numbers and dates stay typed cells; only text can be mistaken for a formula.
        sheet.append([_safe(v) if isinstance(v, str) else v for v in row])
    handle = tempfile.SpooledTemporaryFile(max_size=_XLSX_SPOOL)
    workbook.save(handle)
    size = handle.tell()
    handle.seek(0)
    return handle, size


def _file_chunks(handle) -> Iterator[bytes]:
    with handle:
        while chunk := handle.read(_FILE_CHUNK):
            yield chunk
