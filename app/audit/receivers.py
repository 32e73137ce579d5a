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


def assignment_changed(assignment, action: str, actor=None, user_ids=(), **_) -> None:
    """Reviewers' acts on assignments; newcomers taken in by the system ("extend") are not
    acts of anyone and are left to the assignment's own member rows."""
    if action == "extend":
        return
    record(
        f"assignment.{action}",
        "assignment",
        assignment.id,
        actor=actor,
        organisation_id=assignment.organisation_id,
        course_id=assignment.course_id,
        due_on=assignment.due_on.isoformat() if assignment.due_on else None,
        due_days=assignment.due_days,
        people=len(user_ids),
    )
