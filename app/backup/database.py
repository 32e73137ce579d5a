"""The database out and back in: SQLite's online backup API, PostgreSQL's pg_dump/pg_restore.

Both take a snapshot of one moment while the site keeps writing: SQLite copies every page
inside one read transaction (WAL lets writers go on), pg_dump reads in one transaction.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import tempfile
from contextlib import closing
from pathlib import Path

from sqlalchemy import inspect, text

from app.extensions import db

from .files import BackupError, write_private

SQLITE_FILE, POSTGRES_FILE = "database.sqlite", "database.pgdump"
#: Entries of a dump that a new database already has: `CREATE SCHEMA public` would fail.
_PUBLIC_SCHEMA = re.compile(r" (SCHEMA - public|COMMENT - SCHEMA public) ")


def dialect() -> str:
    return db.engine.dialect.name


def where() -> str:
    """The configured database, for messages (never with its password)."""
    if dialect() == "sqlite":
        return str(_sqlite_path())
    return db.engine.url.set(drivername="postgresql").render_as_string(hide_password=True)


def revision() -> str | None:
    """The Alembic revision of the configured database; None if it was never migrated."""
    if dialect() == "sqlite" and not _sqlite_path().exists():
        return None
    with db.engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def dump(folder: Path) -> tuple[str, str]:
    """Write a consistent copy of the live database into folder: (file name, revision)."""
    if dialect() == "sqlite":
        return SQLITE_FILE, _sqlite_dump(folder / SQLITE_FILE)
    if dialect() == "postgresql":
        return POSTGRES_FILE, _postgres_dump(folder / POSTGRES_FILE)
    raise BackupError(f"{dialect()} databases cannot be backed up (SQLite and PostgreSQL can).")


def contents() -> str | None:
    """None when the configured database has no tables; else what it holds, for a refusal."""
    if dialect() == "sqlite" and not _sqlite_path().exists():
        return None  # not even opened: opening would create the file
    with db.engine.connect() as connection:
        tables = inspect(connection).get_table_names()
        if not tables:
            return None
        users = 0
        if "users" in tables:
            users = connection.execute(text("SELECT count(*) FROM users")).scalar()
    if users:
        return f"the database {where()} already has {users} user(s)"
    return f"the database {where()} already has {len(tables)} table(s), though no users"


def load(path: Path) -> None:
    """Fill the configured (empty) database from a dump made by dump()."""
    db.session.remove()
    db.engine.dispose()  # no pooled connection keeps a view of the empty database
    if dialect() == "sqlite":
        _sqlite_load(path)
    else:
        _postgres_load(path)


# SQLite ---------------------------------------------------------------------------------
def _sqlite_path() -> Path:
    name = db.engine.url.database
    if not name or name == ":memory:" or name.startswith("file:"):
        raise BackupError(f"the SQLite database {name!r} is not a plain file path.")
    return Path(name).resolve()


def _sqlite_dump(target: Path) -> str:
    live = _sqlite_path()
    if not live.is_file():
        raise BackupError(f"{live}: no database there.")
    write_private(target, b"")  # owner-only from the start; SQLite takes an empty file as new
    # mode=rw: a wrong path must not create an empty database beside the real one.
    with (
        closing(sqlite3.connect(f"{live.as_uri()}?mode=rw", uri=True, timeout=30)) as source,
        closing(sqlite3.connect(target)) as copy,
    ):
        # pages=-1 (the default): every page in one step, inside one read transaction, so the
        # copy is one moment of the database; writers in other processes go on (WAL).
        source.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        problem = _integrity_problem(copy)
        if problem:
            raise BackupError(f"{live}: the copy fails SQLite's integrity check: {problem}")
        return _sqlite_revision(copy, live)


def _integrity_problem(connection: sqlite3.Connection) -> str | None:
    result = connection.execute("PRAGMA integrity_check").fetchone()[0]
    return None if result == "ok" else result


def _sqlite_revision(connection: sqlite3.Connection, live: Path) -> str:
    try:
        row = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        row = None
    if row is None:
        raise BackupError(f"{live}: not migrated (no alembic_version); run `flask db upgrade`.")
    return row[0]


def _sqlite_load(path: Path) -> None:
    target = _sqlite_path()
    target.parent.mkdir(parents=True, exist_ok=True)
    # The backup API again, into the live path: it writes through SQLite's own locking and
    # journal, so a stale -wal file beside an empty database cannot be replayed over it.
    with (
        closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as source,
        closing(sqlite3.connect(target, timeout=30)) as live,
    ):
        source.backup(live)
        problem = _integrity_problem(live)
    if problem:
        raise BackupError(f"{target}: the restored database fails the integrity check: {problem}")


# PostgreSQL -----------------------------------------------------------------------------
def _run(tool: str, *args: str, connect: bool = False) -> str:
    program = shutil.which(tool)
    if program is None:
        raise BackupError(
            f"{tool} is not on the PATH: install the PostgreSQL client tools of the server's "
            "major version or newer (Debian: apt-get install postgresql-client)."
        )
    env = dict(os.environ)
    if connect:
        url = db.engine.url
        if url.password is not None:
            env["PGPASSWORD"] = str(url.password)  # not in the arguments, which `ps` shows
        dsn = url.set(drivername="postgresql", password=None)
        args = (*args, "--no-password", f"--dbname={dsn.render_as_string(hide_password=False)}")
    result = subprocess.run(  # noqa: S603 - a PostgreSQL tool found on the PATH, no shell
        [program, *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{tool} failed: {result.stderr.strip() or result.returncode}")
    return result.stdout


def _postgres_dump(target: Path) -> str:
    before = revision()
    if before is None:
        raise BackupError(f"{where()}: not migrated (no alembic_version); run `flask db upgrade`.")
    write_private(target, b"")  # pg_dump keeps the mode of the file it overwrites
    _run("pg_dump", "--format=custom", f"--file={target}", connect=True)
    after = revision()
    if after != before:
        raise BackupError(f"a migration ran during the backup ({before} to {after}); run it again.")
    return before


def _postgres_load(path: Path) -> None:
    listing = _run("pg_restore", "--list", str(path))
    keep = "".join(
        line for line in listing.splitlines(keepends=True) if not _PUBLIC_SCHEMA.search(line)
    )
    with tempfile.NamedTemporaryFile("w", suffix=".list", delete=False) as use_list:
        use_list.write(keep)
    try:
        # One transaction: a failure leaves the database as empty as it was.
        _run(
            "pg_restore",
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
            "--single-transaction",
            f"--use-list={use_list.name}",
            str(path),
            connect=True,
        )
    finally:
        os.unlink(use_list.name)
