"""Time zones: an organisation's (inherited down the tree), a person's override, and the one
flask-babel formats every date with. Timestamps stay naive UTC in the database."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache, lru_cache
from zoneinfo import ZoneInfo, available_timezones

import pytz
from babel.dates import get_timezone_location
from flask import current_app, g, has_app_context, has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from app.accounts.models import Organisation, User
from app.extensions import db
from app.i18n import forced_zone

#: The zones of the network's countries, listed first in every time zone select.
COMMON_ZONES = (
    "America/Mexico_City",
    "America/Cancun",
    "America/Monterrey",
    "America/Tijuana",
    "America/Sao_Paulo",
    "America/Manaus",
    "America/Bogota",
    "America/Lima",
    "America/Guayaquil",
    "America/Montevideo",
    "America/Argentina/Buenos_Aires",
    "America/Santiago",
    "America/La_Paz",
    "America/Asuncion",
    "America/Costa_Rica",
    "America/Guatemala",
    "Europe/Madrid",
    "Atlantic/Canary",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Brussels",
    "UTC",
)
COMMON_GROUP = _l("Common in the network")
OTHER_GROUP = _l("All time zones")


@cache
def known_zones() -> frozenset[str]:
    """The zones offered and accepted: pytz's common names (flask-babel formats with pytz)
    that zoneinfo knows too (our conversions), without the legacy aliases."""
    return frozenset(set(pytz.common_timezones) & (available_timezones() | {"UTC"}))


def is_valid_zone(name: str | None) -> bool:
    return bool(name) and name in known_zones()


def default_zone() -> ZoneInfo:
    """DEFAULT_TIME_ZONE: the zone of an organisation tree that names none."""
    return ZoneInfo(current_app.config["DEFAULT_TIME_ZONE"])


def _org_zones() -> dict[int, tuple[int | None, str | None]]:
    """Every organisation's parent and own zone, read once per request (or app context):
    the tree is small, and a page of people then resolves with no query per row."""
    cached = g.get("aula_org_zones") if has_app_context() else None
    if cached is None:
        rows = db.session.execute(
            select(Organisation.id, Organisation.parent_id, Organisation.time_zone)
        )
        cached = {org_id: (parent_id, zone) for org_id, parent_id, zone in rows}
        if has_app_context():
            g.aula_org_zones = cached
    return cached


def forget_zones() -> None:
    """Drop the cached tree after an organisation's zone or place changed."""
    if has_app_context():
        g.pop("aula_org_zones", None)


def zone_of_org(org_id: int | None) -> ZoneInfo:
    """The organisation's zone, else its nearest ancestor's, else the default."""
    zones = _org_zones()
    seen: set[int] = set()
    while org_id is not None and org_id not in seen:
        seen.add(org_id)
        parent_id, zone = zones.get(org_id, (None, None))
        if zone:
            return ZoneInfo(zone)
        org_id = parent_id
    return default_zone()


def zone_of(user: User) -> ZoneInfo:
    """The zone a person reads times in: their own choice, else their organisation's."""
    if user.time_zone:
        return ZoneInfo(user.time_zone)
    return zone_of_org(user.organisation_id)


def select_timezone() -> str:
    """Flask-babel's time zone selector: an e-mail's recipient (in_zone), else the signed-in
    person, else the default (visitors, the command line)."""
    forced = forced_zone()
    if forced:
        return forced
    if has_request_context() and current_user.is_authenticated:
        return zone_of(current_user).key
    return current_app.config["DEFAULT_TIME_ZONE"]


def _offset(zone: str, now: datetime) -> str:
    minutes = int(now.astimezone(ZoneInfo(zone)).utcoffset().total_seconds() // 60)
    sign = "+" if minutes >= 0 else "\u2212"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@lru_cache(maxsize=8)
def _places(locale: str) -> tuple[tuple[str, str, bool], ...]:
    """(zone, city in the language, common) in list order, once per language: Babel's
    names take a moment to load; the offsets, which change, are added per request."""
    rest = sorted(known_zones() - set(COMMON_ZONES))
    return tuple(
        (
            z,
            "UTC" if z == "UTC" else get_timezone_location(z, locale=locale, return_city=True),
            z in COMMON_ZONES,
        )
        for z in (*COMMON_ZONES, *rest)
    )


def zone_choices(blank_label: str | None = None) -> list[SelectChoice]:
    """Options for a time zone select: the network's zones first, then every other, each
    with its city in the user's language and the offset now. blank_label offers None."""
    now = datetime.now(UTC)
    common, other = str(COMMON_GROUP), str(OTHER_GROUP)
    choices = [SelectChoice("", blank_label)] if blank_label is not None else []
    choices += [
        SelectChoice(
            z,
            place if z == "UTC" else f"{place} \u2014 {z} ({_offset(z, now)})",
            optgroup=common if is_common else other,
        )
        for z, place, is_common in _places(str(get_locale() or "en"))
    ]
    return choices
