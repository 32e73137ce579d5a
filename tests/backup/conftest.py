"""An empty instance to restore into, a writer that keeps committing, and checks on a database.

The empty instance has its own folder and its own database: a new SQLite file, or on
PostgreSQL a database created here and dropped afterwards (never the shared test database).
"""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import pytest
from psycopg import sql
from sqlalchemy import and_, create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import create_app
from app.accounts.models import Organisation, User
from app.audit.models import AuditEntry
from app.extensions import db
from tests.conftest import postgres_server


@pytest.fixture
def empty_target(database_url, tmp_path):
    """An app on a new instance folder and an empty database, as a restore finds them."""
    instance = tmp_path / "target"
    name = None
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{instance / 'aula.sqlite'}"
    else:
        name = f"{make_url(database_url).database}_restore_{uuid.uuid4().hex[:8]}"
        with postgres_server(database_url) as server:
            server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    # SECRET_KEY None: the instance generates its own file, as in development.
    target = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": None}, str(instance))
    yield target
    with target.app_context():
        db.session.remove()
        db.engine.dispose()
    if name:
        with postgres_server(database_url) as server:
            server.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def invoke(app, *args):
    """Run a CLI command on this app: its context, since the runner reuses a pushed one."""
    with app.app_context():
        return app.test_cli_runner().invoke(args=[str(a) for a in args])


def only_backup(root: Path) -> Path:
    folders = sorted(root.iterdir())
    assert [f.name.startswith("aula-") for f in folders] == [True], folders
    return folders[0]


class Writer(threading.Thread):
    """Commits an organisation, a user in it and an audit entry per transaction, on its own
    engine (its own connections), until stopped; `committed` lists user ids in commit order,
    each added only once its commit has returned."""

    def __init__(self, database_url: str):
        super().__init__(daemon=True)
        self.engine = create_engine(database_url)
        self.committed: list[int] = []
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        n = 0
        try:
            while not self.stopping.is_set():
                n += 1
                with Session(self.engine) as session, session.begin():
                    org = Organisation(name=f"Writer {n}", slug=f"writer-{n}", kind="department")
                    session.add(org)
                    session.flush()
                    org.path = f"/{org.id}/"
                    user = User(
                        email=f"writer{n}@test.example", name=f"W {n}", organisation_id=org.id
                    )
                    session.add(user)
                    session.flush()
                    session.add(
                        AuditEntry(
                            action="backup.test",
                            target_type="user",
                            target_id=user.id,
                            organisation_id=org.id,
                        )
                    )
                    user_id = user.id
                self.committed.append(user_id)
        except BaseException as error:  # reported by wait_for() and stop() in the test
            self.error = error
        finally:
            self.engine.dispose()

    def wait_for(self, count: int, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while len(self.committed) < count:
            assert self.error is None, self.error
            assert self.is_alive() and time.monotonic() < deadline, "the writer stalled"
            time.sleep(0.002)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=60)
        assert self.error is None, self.error


def row_counts() -> dict[str, int]:
    """Rows per table of the current app's database."""
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def consistency_problems() -> list[str]:
    """What is wrong with the current app's database: SQLite's own check, and every foreign
    key checked by a query (rows pointing at a missing parent)."""
    problems = []
    if db.engine.dialect.name == "sqlite":
        result = db.session.execute(text("PRAGMA integrity_check")).scalar()
        if result != "ok":
            problems.append(result)
    else:
        unchecked = db.session.scalars(
            text("SELECT conname FROM pg_constraint WHERE contype = 'f' AND NOT convalidated")
        ).all()
        problems += [f"{name} not validated" for name in unchecked]
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_key_constraints:
            parent = fk.referred_table.alias()
            pairs = [
                (column, parent.c[fk_.column.name])
                for column, fk_ in zip(fk.columns, fk.elements, strict=True)
            ]
            orphans = db.session.scalar(
                select(func.count())
                .select_from(table.outerjoin(parent, and_(*(c == p for c, p in pairs))))
                .where(*(c.is_not(None) for c, _p in pairs), pairs[0][1].is_(None))
            )
            if orphans:
                problems.append(f"{table.name}.{fk.column_keys}: {orphans} orphan row(s)")
    return problems
