"""The audit log's reactions to domain facts (connected in app/wiring.py): entries written
in the transaction of the change they describe, by the log itself rather than by each
domain. Senders are used through their attributes only: the log imports no domain."""

from __future__ import annotations

from .models import record


def certificate_revoked(certificate, actor, reason: str, **_) -> None:
    record(
        "certificate.revoke",
        "certificate",
        certificate.id,
        actor=actor,
        organisation_id=certificate.organisation_id,
        reason=reason,
        code=certificate.code,
    )
