"""The audit log is append-only from the application's point of view."""

import pytest
from sqlalchemy import delete, select, update

from app.audit.models import AuditEntry, AuditLogIsAppendOnly, record
from app.extensions import db


@pytest.fixture
def entry(app) -> int:
    entry = record("auth.login_failed", "login", 0, email="someone@example.org")
    db.session.commit()
    return entry.id


def _stored(entry_id: int) -> tuple:
    db.session.rollback()
    row = db.session.execute(
        select(AuditEntry.action, AuditEntry.detail).where(AuditEntry.id == entry_id)
    ).one_or_none()
    return tuple(row) if row else None


def test_an_entry_cannot_be_changed(entry):
    db.session.get(AuditEntry, entry).action = "auth.login"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    assert _stored(entry) == ("auth.login_failed", {"email": "someone@example.org"})


def test_an_entry_cannot_be_deleted(entry):
    db.session.delete(db.session.get(AuditEntry, entry))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    assert _stored(entry) is not None


@pytest.mark.parametrize(
    "statement",
    [
        update(AuditEntry).values(action="auth.login"),
        update(AuditEntry).where(AuditEntry.id > 0).values(ip_address=None),
        delete(AuditEntry),
        delete(AuditEntry).where(AuditEntry.action == "auth.login_failed"),
    ],
)
def test_bulk_statements_through_the_session_are_refused(entry, statement):
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(statement)
    assert _stored(entry) == ("auth.login_failed", {"email": "someone@example.org"})


def test_new_entries_still_go_in_beside_the_old(entry):
    record("auth.login_failed", "login", 0, email="other@example.org")
    db.session.commit()
    assert db.session.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()[0] == entry
    assert len(db.session.scalars(select(AuditEntry)).all()) == 2


def test_no_route_of_the_log_accepts_a_change(app):
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("audit.")]
    assert {r.endpoint for r in rules} == {"audit.list_entries", "audit.export_csv"}
    for rule in rules:
        assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule
