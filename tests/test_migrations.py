"""The migrations build exactly the models' schema, and go down and up again cleanly."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from app.accounts.models import User
from app.extensions import db
from app.learning.models import Enrolment

# Migrations run DDL on the database itself, outside any test transaction.
pytestmark = pytest.mark.commits


def _diff():
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"render_as_batch": True})
        return compare_metadata(context, db.metadata)


def test_models_and_migrations_agree(app):
    """No pending autogenerate diff on this database (SQLite, or PostgreSQL in CI)."""
    assert _diff() == []


def test_downgrade_to_base_and_upgrade_again(app):
    db.session.remove()
    downgrade(revision="base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert _diff() == []


def test_upgrade_a_populated_database(app, world, tiny):
    """Migrations that rebuild tables (SQLite batch mode) and backfill columns work on a
    database with rows in it, as an existing instance has."""

    client = app.test_client()
    client.login(world.official_cdmx_email)
    assert client.submit("/courses/tiny/enrol", {"language": "es"}).status_code == 302
    db.session.remove()
    downgrade(revision="ad66eeb4a155")  # before the drafts and enrolment organisations
    with db.engine.connect() as connection:
        assert "organisation_id" not in {
            c["name"] for c in inspect(connection).get_columns("enrolments")
        }
        assert connection.execute(text("SELECT count(*) FROM course_versions")).scalar() == 1
    upgrade()
    assert _diff() == []
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.organisation_id == db.session.get(User, world.official_cdmx).organisation_id
