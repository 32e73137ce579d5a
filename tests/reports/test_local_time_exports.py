"""Exports carry times in the reader's zone: ISO 8601 with its offset in a CSV, the local
wall time in an XLSX cell (Excel has no time zones)."""

import csv
import io
from datetime import datetime

import openpyxl

from app.accounts.models import User
from app.audit.models import AuditEntry
from app.extensions import db

#: 16:05 UTC: 10:05 in Mexico City (UTC-6 in December), 17:05 in Paris.
EVENT = datetime(2026, 12, 7, 16, 5)


def _rows(response) -> list[list[str]]:
    text = response.data.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=",;")
    return list(csv.reader(io.StringIO(text, newline=""), dialect))


def _official_signed_in_at_event(world) -> None:
    db.session.get(User, world.official_cdmx).last_login_at = EVENT


def test_officials_csv_carries_the_readers_offset(client, world):
    _official_signed_in_at_event(world)
    client.login(world.reviewer_cdmx_email)
    rows = _rows(client.get("/reports/officials.csv"))
    line = next(r for r in rows if world.official_cdmx_email in r)
    stamp = next(v for v in line if v.startswith("2026-12-07T"))
    assert stamp.startswith("2026-12-07T10:05") and stamp.endswith("-06:00")
    assert datetime.fromisoformat(stamp).utcoffset().total_seconds() == -6 * 3600


def test_a_reader_in_paris_gets_paris_time(client, world):
    _official_signed_in_at_event(world)
    db.session.get(User, world.reviewer_cdmx).time_zone = "Europe/Paris"
    client.login(world.reviewer_cdmx_email)
    rows = _rows(client.get("/reports/officials.csv"))
    line = next(r for r in rows if world.official_cdmx_email in r)
    assert any(v.startswith("2026-12-07T17:05") and v.endswith("+01:00") for v in line)


def test_officials_xlsx_holds_the_local_time_as_a_date(client, world):
    _official_signed_in_at_event(world)
    client.login(world.reviewer_cdmx_email)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/reports/officials.xlsx").data)).active
    line = next(r for r in sheet.iter_rows(min_row=2) if r[1].value == world.official_cdmx_email)
    (cell,) = [c for c in line if c.is_date]
    assert cell.value == datetime(2026, 12, 7, 10, 5)


def test_audit_csv_carries_the_readers_offset(client, world):
    client.login(world.admin_email)
    rows = _rows(client.get("/audit/entries.csv"))
    assert len(rows) > 1
    stamps = [r[0] for r in rows[1:]]
    assert all(s.endswith("-06:00") for s in stamps), stamps[:3]


def test_the_audit_periods_days_are_the_viewers_local_days(client, world):
    # 03:00 UTC on the 8th is 21:00 on the 7th in Mexico City.
    late = AuditEntry(
        at=datetime(2026, 12, 8, 3, 0),
        action="account.invite",
        target_type="user",
        target_id=world.official_cdmx,
        organisation_id=world.cdmx,
        detail={"marker": "late-on-the-7th"},
    )
    db.session.add(late)
    client.login(world.admin_email)
    seventh = client.get("/audit/", query_string={"start": "2026-12-07", "end": "2026-12-07"})
    assert "late-on-the-7th" in seventh.get_data(as_text=True)
    assert "2026-12-07 21:00:00" in seventh.get_data(as_text=True)
    eighth = client.get("/audit/", query_string={"start": "2026-12-08", "end": "2026-12-08"})
    assert "late-on-the-7th" not in eighth.get_data(as_text=True)
