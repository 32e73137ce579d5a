"""Certificates' part of a data-rights request (app/privacy/). Erasure keeps every
certificate, so an HR office can still verify it; the holder may ask to hide their name on
the public verification page."""

from __future__ import annotations

import json

from sqlalchemy import Select, func, select, update

from app.accounts.models import User
from app.clock import iso_utc, utcnow
from app.extensions import db
from app.mail import external_url

from . import codes
from .models import Certificate


def certificate_ids(user: User) -> Select:
    """The person's certificates, as a subquery (the audit slice looks for entries on them)."""
    return select(Certificate.id).where(Certificate.user_id == user.id)


def export(user: User) -> list[dict]:
    certs = db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at, Certificate.id)
    ).all()
    now = utcnow()
    return [
        {
            "code": codes.display(c.code),
            "verification_url": external_url(
                "certificates.verify_code", code=codes.display(c.code)
            ),
            "course_title": c.course_title,
            "holder_name": c.holder_name,
            "language": c.language,
            "hours": c.hours,
            "issued_by": c.issuer_names,
            "issued_at": iso_utc(c.issued_at),
            "expires_at": iso_utc(c.expires_at),
            "status": c.status(now),
            "revoked_at": iso_utc(c.revoked_at),
            "revoked_reason": c.revoked_reason,
            "name_shown_on_verification_page": c.show_name,
            "credential": json.loads(c.credential) if c.credential else None,
        }
        for c in certs
    ]


def erase(user: User, hide_names: bool) -> dict[str, int]:
    counts = {
        "certificates_kept": db.session.scalar(
            select(func.count()).select_from(Certificate).where(Certificate.user_id == user.id)
        )
        or 0,
        "certificate_names_hidden": 0,
    }
    if hide_names:
        counts["certificate_names_hidden"] = db.session.execute(
            update(Certificate)
            .where(Certificate.user_id == user.id, Certificate.show_name.is_(True))
            .values(show_name=False)
            .execution_options(synchronize_session="fetch")
        ).rowcount
    return counts
