"""Aula: the e-learning platform of the AL-LAs network of cities."""

from __future__ import annotations

import logging
import os
import secrets
from collections.abc import Mapping
from pathlib import Path

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import CONFIGS, DEV_BASE_URL, normalise_database_url

from . import access, errors, security, templating, wiring
from .accounts import auth as account_auth
from .accounts.admin_views import bp as admin_bp
from .accounts.cli import users_cli
from .accounts.staff_views import bp as staff_bp
from .accounts.views import bp as accounts_bp
from .accounts.zones import select_timezone
from .authoring.author_views import bp as author_bp
from .authoring.draft_views import bp as drafts_bp
from .authoring.quiz_views import bp as teach_bp
from .backup.cli import backup_cli
from .catalog.cli import courses_cli
from .catalog.views import bp as catalog_bp
from .certificates.cli import certificates_cli
from .certificates.views import bp as certificates_bp
from .devtools.bench_data import bench_cli
from .devtools.demo import demo_command
from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .help.views import bp as help_bp
from .i18n import select_locale
from .learning.assignment_views import bp as assignments_bp
from .learning.course_views import bp as course_bp
from .learning.quiz_views import bp as quiz_bp
from .learning.staff_views import bp as people_bp
from .learning.views import bp as learning_bp
from .main.views import bp as main_bp
from .outbox import outbox_cli
from .privacy.views import bp as privacy_bp
from .quizzes.cli import quiz_cli
from .quizzes.views import bp as quizzes_bp
from .reminders.cli import reminders_cli
from .reminders.views import bp as reminders_bp
from .reports.audit_views import bp as audit_bp
from .reports.views import bp as reports_bp
from .translate import translate_cli

ROOT = Path(__file__).resolve().parent.parent

BLUEPRINTS = (
    main_bp,
    help_bp,
    accounts_bp,
    staff_bp,
    people_bp,
    admin_bp,
    catalog_bp,
    course_bp,
    author_bp,
    drafts_bp,
    learning_bp,
    assignments_bp,
    reports_bp,
    reminders_bp,
    quizzes_bp,
    privacy_bp,
    quiz_bp,
    teach_bp,
    certificates_bp,
    audit_bp,
)
COMMANDS = (
    users_cli,
    backup_cli,
    courses_cli,
    certificates_cli,
    quiz_cli,
    reminders_cli,
    bench_cli,
    demo_command,
    translate_cli,
    outbox_cli,
    access.permissions_cli,
)


def create_app(config: str | Mapping | None = None, instance_path: str | None = None) -> Flask:
    """Build the app. config is a name from config.CONFIGS, or a mapping over TestingConfig."""
    app = Flask(
        __name__, instance_path=instance_path or os.environ.get("AULA_INSTANCE_PATH") or None
    )
    app.url_map.converters["id"] = IdConverter
    if config is None:
        config = os.environ.get("AULA_ENV", "development")
    if isinstance(config, str):
        if config not in CONFIGS:
            raise RuntimeError(f"AULA_ENV must be one of {', '.join(CONFIGS)}; got {config!r}")
        app.config.from_object(CONFIGS[config])
        app.config["AULA_ENV"] = config
    else:
        app.config.from_object(CONFIGS["testing"])
        app.config["AULA_ENV"] = "testing"
        app.config.update(config)

    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    _configure_secrets_and_database(app)
    _configure_base_url(app)
    if app.config["PROXY_COUNT"]:
        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    limiter.init_app(app)

    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    account_auth.init_login(app, login_manager)
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    # Only sign-in and password reset are rate limited; reading pages skips the limiter's work.
    for blueprint in (main_bp, help_bp, catalog_bp, course_bp, learning_bp):
        limiter.exempt(blueprint)

    errors.register(app)
    security.register(app)
    access.register(app)
    templating.register(app)
    wiring.connect()
    for command in COMMANDS:
        app.cli.add_command(command)

    logging.getLogger("aula").setLevel(logging.INFO)
    return app


class IdConverter(IntegerConverter):
    """A database id in a URL: a larger number is a 404, not a database overflow (a 500)."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=2**31 - 1)


def _configure_base_url(app: Flask) -> None:
    """Links that leave the site need the public address: production will not guess it."""
    if app.config.get("BASE_URL"):
        return
    if app.config["AULA_ENV"] == "production":
        raise RuntimeError(
            "BASE_URL must be set in production: the public address of the site, such as "
            "https://aula.example.org (it is written into e-mails, certificates and QR codes)."
        )
    app.config["BASE_URL"] = DEV_BASE_URL
    app.config["BASE_URL_DEFAULTED"] = True


def _configure_secrets_and_database(app: Flask) -> None:
    if not app.config.get("SECRET_KEY"):
        if app.config["AULA_ENV"] == "production":
            raise RuntimeError("SECRET_KEY must be set in production.")
        # Kept in the instance folder so sessions survive restarts and worker processes agree.
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = f"sqlite:///{Path(app.instance_path) / 'aula.sqlite'}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(uri)
    if uri.startswith("sqlite"):
        # pool_pre_ping adds nothing on a local file.
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {}


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL for concurrent readers, enforced foreign keys, and patience with a busy writer."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
