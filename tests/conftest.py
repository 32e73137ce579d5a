"""Fixtures: a fresh app per test on a database built by the real migrations.

SQLite (a temporary file) by default; PostgreSQL when TEST_DATABASE_URL is set. The schema
is migrated once per session (per pytest-xdist worker, each with a database of its own).

Each test runs inside one transaction on one connection that is rolled back at its end:
the application's commits (in services, requests and CLI commands) become savepoints in it,
so a test sees them and the next test never does. Tests that need commits other
connections or processes can see (a server in a thread, subprocesses, backups, migrations,
concurrent sessions) carry the `commits` marker: they start from empty tables and commit
for real.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import itertools
import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import psycopg
import pytest
from flask import has_app_context
from flask.globals import app_ctx
from flask.testing import FlaskClient
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession
from itsdangerous import URLSafeTimedSerializer
from jinja2 import BytecodeCache
from psycopg import sql
from sqlalchemy import delete, event, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import scoped_session, sessionmaker

from app import create_app
from app.accounts import services
from app.accounts.models import Organisation, OrgKind, Role, User
from app.audit.models import AuditEntry
from app.catalog import package as pkg
from app.catalog import services as catalog_services
from app.extensions import db
from config import normalise_database_url

PASSWORD = "correct-horse-42"
SECRET = "test-secret-key"


def csrf_token_for(client: FlaskClient) -> str:
    """A valid CSRF token for this client's session, as Flask-WTF would put in a form."""
    with client.session_transaction() as sess:
        raw = sess.setdefault("csrf_token", hashlib.sha1(os.urandom(64)).hexdigest())  # noqa: S324
    return URLSafeTimedSerializer(SECRET, salt="wtf-csrf-token").dumps(raw)


class AulaClient(FlaskClient):
    """A test client whose submit() posts a form with its CSRF token, like a browser would."""

    def open(self, *args, **kwargs):
        """Run each request in an empty context, as a real server would.

        The test holds an app context of its own; without this, requests would share its
        `g`, its database session and Flask-Login's cached user.
        """
        # Buffered: a streamed body is read inside that context too, as a server's worker
        # reads it in the thread that ran the view.
        kwargs.setdefault("buffered", True)
        if has_app_context():
            # What the test wrote is the request's starting point, as a committed write
            # would be; and the test's savepoint must not enclose the request's work, or
            # the rollback below would undo it.
            db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            # Forget what the test had loaded, so it sees what the request committed.
            db.session.rollback()
        return response

    def submit(self, url: str, data: dict | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", csrf_token_for(self))
        return self.post(url, data=data, **kwargs)

    def login(self, email: str, password: str = PASSWORD):
        return self.submit("/login", {"email": email, "password": password})

    def logout(self):
        return self.submit("/logout")


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_client():
    """The test Redis (database 15); skipped when absent unless AULA_REQUIRE_REDIS is set."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("AULA_REQUIRE_REDIS"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL} (set AULA_REQUIRE_REDIS=1 to make this an error)")
    yield client
    client.close()


def postgres_server(database_url: str) -> psycopg.Connection:
    """Autocommit on the server's `postgres` database: CREATE/DROP DATABASE need both."""
    url = make_url(database_url).set(drivername="postgresql", database="postgres")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def recreate_database(database_url: str, name: str) -> str:
    """A new empty database `name` on database_url's server; its URL."""
    with postgres_server(database_url) as server:
        server.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        server.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(database_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The session's database, migrated. Under pytest-xdist each worker (gw0, gw1...) has its
    own: a SQLite file in its own temporary folder, or on PostgreSQL a database named after
    TEST_DATABASE_URL's with the worker's id appended, created next to it."""
    url = os.environ.get("TEST_DATABASE_URL")
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if url:
        url = normalise_database_url(url)
        if worker:
            url = recreate_database(url, f"{make_url(url).database}_{worker}")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'aula-test.sqlite'}"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url}, instance_path=str(tmp_path_factory.mktemp("i"))
    )
    with app.app_context():
        if db.engine.dialect.name == "postgresql" and not worker:
            # The test database is ours to empty: start from nothing, then migrate.
            db.session.execute(text("DROP SCHEMA public CASCADE"))
            db.session.execute(text("CREATE SCHEMA public"))
            db.session.commit()
        upgrade()
        db.engine.dispose()
    return url


def _empty_tables() -> None:
    # courses and course_versions point at each other; cut that loop first.
    statements = [text("UPDATE courses SET current_version_id = NULL")]
    statements += [delete(table) for table in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name == "postgresql":
        # In one round trip: psycopg sends statements without parameters together.
        dialect = db.engine.dialect
        statements = [text(";".join(str(s.compile(dialect=dialect)) for s in statements))]
    for statement in statements:
        db.session.execute(statement)
    db.session.commit()


class _SharedBytecode(BytecodeCache):
    """Compiled templates kept in memory for the whole run: each test's app would otherwise
    compile every template it renders again. Keyed by name and checked against the source,
    as Jinja's own caches are."""

    def __init__(self):
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _SharedBytecode()


class _BoundSession(FlaskSession):
    """Flask-SQLAlchemy's session held to the test's connection.

    Flask-SQLAlchemy picks the app's engine for every statement; a session bound to a
    connection must use that connection instead, or its work would leave the test's
    transaction.
    """

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind if bind is not None else self.bind


def _savepoint_sessions(connection) -> scoped_session:
    """Sessions like the app's (one per app context, so one per request) whose commits and
    rollbacks are savepoints inside the connection's transaction."""
    factory = sessionmaker(
        class_=_BoundSession,
        db=db,
        bind=connection,
        join_transaction_mode="create_savepoint",
    )
    return scoped_session(factory, scopefunc=lambda: id(app_ctx._get_current_object()))


#: Tables nearly every write touches (each change is audited), checked after each rollback.
_WATCHED = (User.__table__, AuditEntry.__table__, Organisation.__table__)


@contextmanager
def _rolled_back(engine):
    """Everything done through db.session inside, undone at the end."""
    connection = engine.connect()
    transaction = connection.begin()
    if engine.dialect.name == "sqlite":
        # Python's sqlite3 opens no transaction before a SAVEPOINT, which would then be the
        # outermost one and commit on release: open it explicitly.
        connection.exec_driver_sql("BEGIN")
    app_sessions = db.session
    db.session = _savepoint_sessions(connection)
    try:
        yield
    finally:
        db.session.remove()
        db.session = app_sessions
        transaction.rollback()
        # Rows that outlive the rollback were committed on another connection: such a test
        # needs the `commits` mark, or it leaves them to the tests after it.
        leaked = {
            table.name: count
            for table in _WATCHED
            if (count := connection.scalar(select(func.count()).select_from(table)))
        }
        connection.close()
        assert not leaked, f"rows committed outside the test's transaction: {leaked}"


@pytest.fixture
def app(request, database_url, tmp_path):
    """A new app with the world in its tables if the test uses `world`; see the module's
    docstring for how each test's writes are undone."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, instance_path=str(tmp_path))
    app.test_client_class = AulaClient
    app.jinja_env.bytecode_cache = _TEMPLATES
    commits = request.node.get_closest_marker("commits") is not None
    # Parallel dashboard queries would share the test's one connection from several threads.
    app.config["REPORTS_PARALLEL"] = commits
    with app.app_context():
        if commits:
            _empty_tables()
            isolation = contextlib.nullcontext()
        else:
            isolation = _rolled_back(db.engine)
        with isolation:
            if "world" in request.fixturenames:
                app.extensions["test_world"] = _install_world(app)
            yield app
        db.session.remove()
        if commits:
            _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app) -> AulaClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def outbox(app) -> list:
    return app.extensions.setdefault("mail_outbox", [])


@pytest.fixture
def world(app) -> SimpleNamespace:
    """Two cities in the network (one inside a state), departments, and one user per role.

    Put in place by the `app` fixture before any other fixture writes (see _install_world);
    built here only when a test asks for it by name at run time.
    """
    if "test_world" in app.extensions:
        return app.extensions["test_world"]
    return _build_world()


#: Per process: the rows the world fixture's services wrote, and the ids it returns.
_WORLD: dict = {}


def _install_world(app) -> SimpleNamespace:
    """The world, built through the services the first time, then copied in as rows.

    Building it takes eight accounts (password checks and hashes, e-mail validation, audit
    entries, events); inserting the same rows again takes a few statements. The rows are
    taken from empty tables, so they are exactly the world's.
    """
    if not _WORLD:
        ids = _build_world()
        if app.extensions.get("mail_outbox"):  # side effects beyond the database: build each time
            return ids
        _WORLD["ids"] = ids
        _WORLD["rows"] = {
            table: rows
            for table in db.metadata.sorted_tables
            if (
                rows := [
                    dict(r._mapping)
                    for r in db.session.execute(select(table).order_by(*table.primary_key))
                ]
            )
        }
        return SimpleNamespace(**vars(ids))
    for table, rows in _WORLD["rows"].items():
        db.session.execute(insert(table), rows)
    if db.engine.dialect.name == "postgresql":
        # Explicit ids leave the sequences behind; move them past the copied rows.
        for table in _WORLD["rows"]:
            if (column := table.autoincrement_column) is not None:
                sequence = func.pg_get_serial_sequence(table.name, column.name)
                db.session.execute(select(func.setval(sequence, func.max(column))))
    db.session.commit()
    return SimpleNamespace(**vars(_WORLD["ids"]))


def _build_world() -> SimpleNamespace:
    network = services.create_organisation("Red AL-LAs", "alla", OrgKind.NETWORK)
    cdmx = services.create_organisation("Ciudad de México", "cdmx", OrgKind.CITY, network)
    cdmx_culture = services.create_organisation(
        "Secretaría de Cultura", "cdmx-cultura", OrgKind.DEPARTMENT, cdmx
    )
    cdmx_finance = services.create_organisation(
        "Secretaría de Finanzas", "cdmx-finanzas", OrgKind.DEPARTMENT, cdmx
    )
    state = services.create_organisation("Minas Gerais", "minas-gerais", OrgKind.STATE, network)
    bh = services.create_organisation("Belo Horizonte", "belo-horizonte", OrgKind.CITY, state)
    bh_finance = services.create_organisation(
        "Secretaria Municipal de Fazenda", "bh-fazenda", OrgKind.DEPARTMENT, bh
    )

    def user(email, name, org, locale="es", role=None, over=None):
        u = services.create_user(email, name, org, locale=locale, password=PASSWORD)
        if role is not None:
            services.grant_role(u, role, over or org)
        return u

    people = {
        "admin": user("admin@test.example", "Ana Admin", network, role=Role.ADMIN),
        "trainer": user("trainer@test.example", "Tomás Trainer", network, role=Role.TRAINER),
        "reviewer_cdmx": user(
            "reviewer.cdmx@test.example",
            "Rita Revisora",
            cdmx_culture,
            role=Role.REVIEWER,
            over=cdmx,
        ),
        "admin_cdmx": user("admin.cdmx@test.example", "Adán Admin", cdmx, role=Role.ADMIN),
        "reviewer_bh": user(
            "reviewer.bh@test.example", "Rui Revisor", bh, "pt_BR", role=Role.REVIEWER
        ),
        "reviewer_mg": user(
            "reviewer.mg@test.example", "Regina Estadual", state, "pt_BR", role=Role.REVIEWER
        ),
        "official_cdmx": user("official.cdmx@test.example", "Guadalupe Hernández", cdmx_finance),
        "official_bh": user("official.bh@test.example", "João Gonçalves", bh_finance, "pt_BR"),
    }
    db.session.commit()
    ns = SimpleNamespace(
        network=network.id,
        cdmx=cdmx.id,
        cdmx_culture=cdmx_culture.id,
        cdmx_finance=cdmx_finance.id,
        state=state.id,
        bh=bh.id,
        bh_finance=bh_finance.id,
    )
    for key, u in people.items():
        setattr(ns, key, u.id)
        setattr(ns, f"{key}_email", u.email)
    return ns


def form_errors(html: str) -> list[str]:
    """Field error messages rendered by the forms macro."""
    return re.findall(r'<p class="error" id="[^"]+">(.*?)</p>', html, re.S)


# Catalogue ------------------------------------------------------------------------------
TINY = Path(__file__).parent / "catalog" / "packages" / "valid" / "tiny"


def import_folder(path: Path):
    package, problems = pkg.read_package(path, path.name)
    assert problems == [], [str(p) for p in problems]
    outcome = catalog_services.import_package(package)
    db.session.commit()
    return outcome


@pytest.fixture
def tiny_copy(tmp_path) -> Path:
    return shutil.copytree(TINY, tmp_path / "src" / "tiny")


@pytest.fixture
def tiny(app):
    """The tiny course imported once; returns the outcome (course, version)."""
    return import_folder(TINY)


@contextmanager
def statements_counted():
    """`with statements_counted() as count:` ... then `count()`: the SQL statements run inside,
    for tests that a page costs the same number of queries however many rows it shows."""
    seen = []

    def note(*_args) -> None:
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield lambda: len(seen)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


# Factories ------------------------------------------------------------------------------
@pytest.fixture
def make_user(app):
    """make_user(organisation, role=None, over=None, **fields) -> User, committed.

    Made through the accounts services, as the app makes people: e-mails and names are
    numbered unless given; `password=None` leaves an invited account without one."""
    numbers = itertools.count(1)

    def make(organisation, role=None, over=None, *, email=None, name=None, **fields):
        if not isinstance(organisation, Organisation):
            organisation = db.session.get(Organisation, organisation)
        n = next(numbers)
        fields.setdefault("password", PASSWORD)
        person = services.create_user(
            email or f"persona{n}@test.example", name or f"Persona {n}", organisation, **fields
        )
        if role is not None:
            if over is not None and not isinstance(over, Organisation):
                over = db.session.get(Organisation, over)
            services.grant_role(person, role, over or organisation)
        db.session.commit()
        return person

    return make


@pytest.fixture
def make_course(app, tmp_path):
    """make_course(bank=None, quiz=None) -> the import outcome (course, version).

    The tiny course, with its first module's question bank (GIFT text) and [quiz] settings
    (TOML lines) replaced when given; made again from a fresh copy at each call, so a second
    call with other settings publishes a new version of the same course."""
    calls = itertools.count(1)

    def make(bank: str | None = None, quiz: str | None = None):
        folder = shutil.copytree(TINY, tmp_path / f"course-{next(calls)}" / "tiny")
        module = folder / "es" / "01-start"
        if bank is not None:
            (module / "quiz.gift").write_text(bank)
        if quiz is not None:
            (module / "module.toml").write_text(f'title = "Primer módulo"\n\n[quiz]\n{quiz}')
        return import_folder(folder)

    return make
