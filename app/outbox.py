"""The transactional outbox: messages that must leave the process, written with the change.

A service that wants the world told (a webhook, an xAPI statement, an e-mail notice) calls
`enqueue` inside its own transaction. The message is a row in the same database, so it
exists if and only if the change committed: nothing is sent for a rolled-back change, and
nothing is lost when a process dies after commit. A worker (`flask outbox deliver`) claims
due messages with a lease, hands each to the handler registered for its topic, and marks it
sent. A worker that dies mid-delivery leaves its messages to be claimed again when the
lease runs out, so delivery is at least once: handlers get the message id to deduplicate.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import JSON, Index, String, Text, delete, func, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from app.clock import utcnow
from app.extensions import db

log = logging.getLogger("aula.outbox")

#: How long a claimed message is reserved for the worker that claimed it.
LEASE = timedelta(minutes=5)
#: After this many failed tries a message is left for a person to look at (`outbox status`).
MAX_ATTEMPTS = 10

Handler = Callable[[int, dict], None]
_handlers: dict[str, Handler] = {}


class OutboxMessage(db.Model):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "sent_at", "available_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What kind of message ("webhook.course_completed", "xapi.statement", "mail.notice").
    topic: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Not before this moment: pushed forward by a claim (the lease) and by a failure.
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")


def enqueue(topic: str, payload: dict) -> OutboxMessage:
    """Add a message to the current transaction; it is delivered only once that commits."""
    message = OutboxMessage(topic=topic, payload=payload)
    db.session.add(message)
    return message


def enqueue_many(topic: str, payloads: list[dict]) -> int:
    """Add many messages of one topic to the current transaction in one INSERT (a notice to
    every official of a department); returns how many."""
    if payloads:
        db.session.execute(
            insert(OutboxMessage), [{"topic": topic, "payload": p} for p in payloads]
        )
    return len(payloads)


def register(topic: str, handler: Handler) -> None:
    """Say who delivers a topic (called from app/wiring.py). A handler raises to retry."""
    _handlers[topic] = handler


def handler_for(topic: str) -> Handler | None:
    return _handlers.get(topic)


@dataclass(frozen=True)
class Claimed:
    id: int
    topic: str
    payload: dict
    attempts: int


def claim(limit: int = 50, now: datetime | None = None) -> list[Claimed]:
    """Reserve up to `limit` due messages for this worker and commit the reservation.

    On PostgreSQL, SKIP LOCKED lets several workers claim side by side without taking the
    same message; SQLite has a single writer, so its claims are serialised anyway.
    """
    now = now or utcnow()
    due = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.available_at <= now,
            OutboxMessage.attempts < MAX_ATTEMPTS,
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(due))
    if not ids:
        db.session.rollback()
        return []
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(available_at=now + LEASE, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    rows = db.session.execute(
        select(OutboxMessage.id, OutboxMessage.topic, OutboxMessage.payload, OutboxMessage.attempts)
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.id)
    ).all()
    db.session.commit()
    return [Claimed(*row) for row in rows]


def _backoff(attempts: int) -> timedelta:
    # 1, 2, 4 ... minutes, at most six hours: a receiver that is down for a night catches up.
    return timedelta(minutes=min(2 ** (attempts - 1), 360))


def deliver(limit: int = 50, now: datetime | None = None) -> tuple[int, int]:
    """Claim due messages and hand each to its handler; (sent, failed).

    The worker's unit of work: the claim commits first, then each message's outcome commits
    on its own, so one failing receiver never holds back or repeats the others.
    """
    now = now or utcnow()
    sent = failed = 0
    for message in claim(limit, now):
        handler = handler_for(message.topic)
        try:
            if handler is None:
                raise LookupError(f"no handler for topic {message.topic!r}")
            handler(message.id, message.payload)
        except Exception as error:  # noqa: BLE001 - any failure of a receiver means retry later
            db.session.rollback()
            log.warning("outbox message %s (%s) failed: %s", message.id, message.topic, error)
            db.session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message.id)
                .values(
                    available_at=now + _backoff(message.attempts),
                    last_error=f"{type(error).__name__}: {error}"[:2000],
                )
            )
            failed += 1
        else:
            db.session.execute(
                update(OutboxMessage).where(OutboxMessage.id == message.id).values(sent_at=now)
            )
            sent += 1
        db.session.commit()
    return sent, failed


@dataclass(frozen=True)
class Status:
    pending: int
    sent: int
    given_up: int
    oldest_pending: datetime | None


def status() -> Status:
    """Counts for the operator, from one grouped query."""
    pending_filter = OutboxMessage.sent_at.is_(None) & (OutboxMessage.attempts < MAX_ATTEMPTS)
    row = db.session.execute(
        select(
            func.count().filter(pending_filter),
            func.count().filter(OutboxMessage.sent_at.is_not(None)),
            func.count().filter(
                OutboxMessage.sent_at.is_(None) & (OutboxMessage.attempts >= MAX_ATTEMPTS)
            ),
            func.min(OutboxMessage.created_at).filter(pending_filter),
        )
    ).one()
    return Status(*row)


def purge(older_than: timedelta, now: datetime | None = None) -> int:
    """Delete messages sent before `older_than` ago; returns how many."""
    cutoff = (now or utcnow()) - older_than
    result = db.session.execute(
        delete(OutboxMessage)
        .where(OutboxMessage.sent_at.is_not(None))
        .where(OutboxMessage.sent_at < cutoff)
    )
    return result.rowcount


@click.group("outbox", help="Deliver messages written by the app (webhooks, xAPI, notices).")
def outbox_cli() -> None:
    pass


@outbox_cli.command("deliver")
@click.option("--limit", default=50, show_default=True, help="Messages to claim per round.")
@click.option("--loop", is_flag=True, help="Keep delivering until stopped (a worker process).")
@click.option("--interval", default=5.0, show_default=True, help="Seconds between rounds.")
@with_appcontext
def deliver_command(limit: int, loop: bool, interval: float) -> None:
    """Deliver due messages once (cron), or keep going with --loop (a service)."""
    while True:
        sent, failed = deliver(limit)
        if sent or failed or not loop:
            click.echo(f"sent {sent}, failed {failed}")
        if not loop:
            return
        if not (sent or failed):
            time.sleep(interval)


@outbox_cli.command("status")
@with_appcontext
def status_command() -> None:
    """How many messages wait, were sent, or were given up on."""
    s = status()
    oldest = s.oldest_pending.isoformat(timespec="seconds") + "Z" if s.oldest_pending else "-"
    click.echo(f"pending {s.pending}, sent {s.sent}, given up {s.given_up}, oldest {oldest}")


@outbox_cli.command("purge")
@click.option("--days", default=30, show_default=True, help="Keep sent messages this long.")
@with_appcontext
def purge_command(days: int) -> None:
    """Delete sent messages older than --days."""
    removed = purge(timedelta(days=days))
    db.session.commit()
    click.echo(f"removed {removed}")
