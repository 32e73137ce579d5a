"""The one clock: naive UTC datetimes, as every timestamp column stores them."""

from __future__ import annotations

from datetime import UTC, date, datetime


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
