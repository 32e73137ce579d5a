"""The one clock: naive UTC datetimes, as every timestamp column stores them, and their
conversion to a person's local time for what people read (pages, e-mails, files)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def iso_utc(moment: datetime | date | None) -> str | None:
    """A stored naive-UTC time as ISO 8601 with its offset (dates as they are), for files
    people and programs read outside Aula."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=UTC).isoformat()
    return moment.isoformat()


def local(moment: datetime, zone: ZoneInfo) -> datetime:
    """A stored naive-UTC time as an aware datetime in zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone)


def iso_local(moment: datetime | date | None, zone: ZoneInfo, timespec: str = "seconds"):
    """ISO 8601 with the zone's offset at that moment (2026-12-07T10:05:00-06:00), so a file
    reads in local time and still names one instant; dates pass unchanged."""
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return local(moment, zone).isoformat(timespec=timespec)
    return moment.isoformat()


def naive_local(moment: datetime | date | None, zone: ZoneInfo):
    """Local wall time without tzinfo, for spreadsheet cells: Excel has no time zones, and
    openpyxl refuses aware datetimes."""
    if isinstance(moment, datetime):
        return local(moment, zone).replace(tzinfo=None)
    return moment


def utc_start_of(day: date, zone: ZoneInfo) -> datetime:
    """The stored (naive UTC) time at which day begins in zone: a period of local days
    filters stored times from its first day's start to the day after its last one's."""
    return datetime.combine(day, time(), zone).astimezone(UTC).replace(tzinfo=None)


def today_in(zone: ZoneInfo, now: datetime | None = None) -> date:
    """The calendar day it is in zone: a due date is a whole day there."""
    return local(now or utcnow(), zone).date()
