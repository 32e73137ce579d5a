"""The audit log's part of a data-rights request (app/privacy/): entries made by the person
or about them. Erasure leaves the log as it is: it is append-only (docs/audit.md)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, String, and_, cast, or_, select

from app.clock import iso_utc
from app.extensions import db

from .models import AuditEntry

if TYPE_CHECKING:
    from app.accounts.models import User

_EMAIL = re.compile(r"[^\s@<>\"']+@[^\s@<>\"']+")


def _redact(value: Any, own_email: str) -> Any:
    """Audit details may name other people by e-mail: keep the person's own, hide the rest."""
    if isinstance(value, dict):
        return {k: _redact(v, own_email) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, own_email) for v in value]
    if isinstance(value, str):
        return _EMAIL.sub(
            lambda m: m.group(0) if m.group(0).lower() == own_email else "(another person)",
            value,
        )
    return value


def _about(user: User, certificate_ids: Select):
    """SQL condition: entries by the person, about them or their certificates, or naming
    their e-mail address in the details."""
    return or_(
        AuditEntry.actor_id == user.id,
        and_(AuditEntry.target_type == "user", AuditEntry.target_id == user.id),
        and_(AuditEntry.target_type == "certificate", AuditEntry.target_id.in_(certificate_ids)),
        cast(AuditEntry.detail, String).contains(user.email.lower(), autoescape=True),
    )


def export(user: User, certificate_ids: Select) -> list[dict]:
    rows = db.session.scalars(
        select(AuditEntry)
        .where(_about(user, certificate_ids))
        .order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    own_email = user.email.lower()
    return [
        {
            "at": iso_utc(e.at),
            "action": e.action,
            "by_you": e.actor_id == user.id,
            "target_type": e.target_type,
            "target_id": e.target_id,
            "detail": _redact(e.detail or {}, own_email),
            # Where the request came from is the person's own data only when they made it.
            "ip_address": e.ip_address if e.actor_id == user.id else None,
            "user_agent": e.user_agent if e.actor_id == user.id else None,
        }
        for e in rows
    ]
