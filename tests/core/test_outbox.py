"""The transactional outbox: a message exists exactly when its change committed, and every
committed message is delivered at least once, even across crashes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app import outbox
from app.accounts import services
from app.accounts.models import Organisation, OrgKind
from app.clock import utcnow
from app.extensions import db
from app.outbox import OutboxMessage

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def delivered():
    """A handler for the topic "test.note" that records what it was given."""
    got: list[tuple[int, dict]] = []
    outbox.register("test.note", lambda message_id, payload: got.append((message_id, payload)))
    yield got
    outbox.register("test.note", None)


def count(model=OutboxMessage) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_committed_change_delivers_its_message_once(app, delivered):
    services.create_organisation("Lima", "lima", OrgKind.CITY)
    message = outbox.enqueue("test.note", {"city": "lima"})
    db.session.commit()
    assert (message.sent_at, message.attempts) == (None, 0)

    assert outbox.deliver() == (1, 0)
    assert delivered == [(message.id, {"city": "lima"})]
    assert outbox.deliver() == (0, 0)
    assert len(delivered) == 1
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message.id).sent_at is not None
    assert outbox.status().pending == 0 and outbox.status().sent == 1


def test_a_rolled_back_change_leaves_no_message(app, delivered):
    services.create_organisation("Lima", "lima", OrgKind.CITY)
    outbox.enqueue("test.note", {"city": "lima"})
    db.session.flush()
    assert count() == 1
    db.session.rollback()
    assert count() == 0 and count(Organisation) == 0
    assert outbox.deliver() == (0, 0)
    assert delivered == []


def test_a_failing_receiver_is_retried_later_with_backoff(app):
    calls = []

    def flaky(message_id, payload):
        calls.append(message_id)
        if len(calls) == 1:
            raise ConnectionError("receiver down")

    outbox.register("test.flaky", flaky)
    try:
        outbox.enqueue("test.flaky", {})
        db.session.commit()
        now = utcnow()
        assert outbox.deliver(now=now) == (0, 1)
        row = db.session.scalar(select(OutboxMessage))
        assert row.attempts == 1 and "ConnectionError: receiver down" in row.last_error
        assert row.available_at == now + timedelta(minutes=1)
        # Not before the back-off has passed.
        assert outbox.deliver(now=now + timedelta(seconds=30)) == (0, 0)
        assert outbox.deliver(now=now + timedelta(minutes=2)) == (1, 0)
        assert len(calls) == 2
    finally:
        outbox.register("test.flaky", None)


def test_a_topic_without_handler_is_kept_and_given_up_after_max_attempts(app):
    outbox.enqueue("test.nobody", {"n": 1})
    db.session.commit()
    moment = utcnow()
    for __ in range(outbox.MAX_ATTEMPTS):
        assert outbox.deliver(now=moment) == (0, 1)
        moment += timedelta(days=1)
    assert outbox.deliver(now=moment) == (0, 0)
    row = db.session.scalar(select(OutboxMessage))
    assert "no handler for topic 'test.nobody'" in row.last_error
    status = outbox.status()
    assert (status.pending, status.sent, status.given_up) == (0, 0, 1)


def test_purge_removes_only_old_sent_messages(app, delivered):
    for n in range(3):
        outbox.enqueue("test.note", {"n": n})
    db.session.commit()
    assert outbox.deliver(limit=2) == (2, 0)
    assert outbox.purge(timedelta(days=30)) == 0
    assert outbox.purge(timedelta(days=30), now=utcnow() + timedelta(days=31)) == 2
    db.session.commit()
    assert [row.payload for row in db.session.scalars(select(OutboxMessage))] == [{"n": 2}]


def test_cli_delivers_and_reports(app, runner, delivered):
    outbox.enqueue("test.note", {"n": 1})
    db.session.commit()
    assert runner.invoke(args=["outbox", "status"]).output.startswith("pending 1, sent 0")
    result = runner.invoke(args=["outbox", "deliver"])
    assert result.exit_code == 0 and result.output.strip() == "sent 1, failed 0"
    assert runner.invoke(args=["outbox", "status"]).output.startswith("pending 0, sent 1")


def _run_process(app, mode: str) -> int:
    env = dict(os.environ, AULA_TEST_DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"])
    done = subprocess.run(
        [sys.executable, "-m", "tests.core.outbox_process", mode],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 3, done.stderr
    db.session.rollback()
    return done.returncode


@pytest.mark.commits
def test_a_process_that_dies_before_commit_leaves_neither_change_nor_message(app):
    _run_process(app, "change-then-die")
    assert count() == 0 and count(Organisation) == 0


@pytest.mark.commits
def test_a_process_that_dies_after_commit_loses_no_message(app, delivered):
    _run_process(app, "commit-then-die")
    assert count(Organisation) == 1
    assert outbox.deliver() == (1, 0)
    assert [payload for _, payload in delivered] == [{"city": "quito"}]


@pytest.mark.commits
def test_a_worker_that_dies_mid_delivery_leaves_the_message_to_the_next(app, delivered):
    outbox.enqueue("test.note", {"n": 7})
    db.session.commit()
    _run_process(app, "die-while-delivering")
    row = db.session.scalar(select(OutboxMessage))
    assert row.sent_at is None and row.attempts == 1
    # Leased to the dead worker for a while, then delivered by the next one, once.
    assert outbox.deliver() == (0, 0)
    assert outbox.deliver(now=utcnow() + outbox.LEASE + timedelta(seconds=1)) == (1, 0)
    assert [payload for _, payload in delivered] == [{"n": 7}]


@pytest.mark.commits
def test_two_workers_never_claim_the_same_message(app, delivered):
    """PostgreSQL: SKIP LOCKED. A second connection holds the first message; a claim made
    meanwhile takes the others. (SQLite has one writer: claims are serialised there.)"""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers")
    for n in range(3):
        outbox.enqueue("test.note", {"n": n})
    db.session.commit()
    first = db.session.scalar(select(func.min(OutboxMessage.id)))
    with db.engine.connect() as other:
        other.execute(text("SELECT id FROM outbox WHERE id = :id FOR UPDATE"), {"id": first})
        claimed = outbox.claim()
        other.rollback()
    assert [m.payload["n"] for m in claimed] == [1, 2]
