"""The time zone migration goes down and up again, keeping everyone's rows."""

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select

from app.accounts.models import Organisation
from app.extensions import db

# Migrations run DDL on the database itself, outside any test transaction.
pytestmark = pytest.mark.commits


def _columns(table: str) -> set[str]:
    with db.engine.connect() as connection:
        return {c["name"] for c in inspect(connection).get_columns(table)}


def test_time_zone_columns_go_down_and_up(app, world):
    org = db.session.get(Organisation, world.cdmx)
    org.time_zone = "America/Mexico_City"
    db.session.commit()
    db.session.remove()
    downgrade(revision="c4e8a1d93b57")
    assert "time_zone" not in _columns("organisations")
    assert "time_zone" not in _columns("users")
    upgrade()
    assert "time_zone" in _columns("organisations") and "time_zone" in _columns("users")
    # The rows survive the table rebuilds; the zone itself starts over as inherited.
    org = db.session.scalar(select(Organisation).where(Organisation.slug == "cdmx"))
    assert org is not None and org.time_zone is None
