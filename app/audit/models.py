"""One table for every action that must be answerable later ("who revoked this, and why?")."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column, relationship

from app.clock import utcnow
from app.extensions import db

if TYPE_CHECKING:  # the writer knows people only by id: every domain, accounts too, uses it
    from app.accounts.models import User


class AuditEntry(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    #: None for the system itself (a CLI backfill, a scheduled job).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[int]
    #: The organisation the target belongs to, so a reviewer sees their subtree's entries.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Where the request came from (None for the CLI and scheduled jobs).
    ip_address: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(200))

    actor: Mapped[User | None] = relationship("User")


def record(
    action: str,
    target_type: str,
    target_id: int,
    actor: User | None = None,
    organisation_id: int | None = None,
    **detail,
) -> AuditEntry:
    """Add an entry to the current transaction: it lands with the change it describes.

    Inside a request the entry also records the client's address and browser. A target that
    belongs to no organisation (a course) is filed under the actor's, so the admins and
    reviewers responsible for the actor see what they did.
    """
    if organisation_id is None and actor is not None:
        organisation_id = actor.organisation_id
    origin = {}
    if has_request_context():
        origin = {
            "ip_address": (request.remote_addr or "")[:45] or None,
            "user_agent": (request.user_agent.string or "")[:200] or None,
        }
    entry = AuditEntry(
        action=action,
        target_type=target_type,
        target_id=target_id,
        actor_id=actor.id if actor else None,
        organisation_id=organisation_id,
        detail=detail,
        **origin,
    )
    db.session.add(entry)
    return entry


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an entry through the ORM."""


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context, _instances) -> None:
    """Entries are written once: a flush that would update or delete one fails whole."""
    for obj in session.deleted:
        if isinstance(obj, AuditEntry):
            raise AuditLogIsAppendOnly(f"audit entry {obj.id} cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEntry) and session.is_modified(obj, include_collections=False):
            raise AuditLogIsAppendOnly(f"audit entry {obj.id} cannot be changed")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    """The same for `update(AuditEntry)` and `delete(AuditEntry)` run through the session."""
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is AuditEntry for mapper in state.all_mappers
    ):
        raise AuditLogIsAppendOnly("audit entries cannot be changed or deleted")
