"""The search key (app/search.py): how text is folded, that existing rows get their key when
the migration runs, and that PostgreSQL answers an infix search from the trigram index."""

import importlib.util
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import select, text

from app import search
from app.accounts.models import User
from app.extensions import db

MIGRATION = next(
    (Path(__file__).parents[2] / "migrations" / "versions").glob("*_search_keys_forgiving_*.py")
)


def test_normalise_folds_accents_case_and_spaces():
    assert search.normalise("  María\tGARCÍA  ") == "maria garcia"
    assert search.normalise("COOPERACIÓN") == search.normalise("cooperacion") == "cooperacion"
    assert search.normalise("Straße Øresund İzmir ﬁn Łódź") == "strasse oresund izmir fin lodz"
    assert search.normalise("a\x00b") == "a b"
    assert search.normalise(None) == ""
    assert search.key_of("Ana", None, "ana@x.example") == "ana ana@x.example"
    assert search.words("  João   GONÇALVES ") == ["joao", "goncalves"]
    assert len(search.words("a b c d e f g h i j")) == search.MAX_WORDS


def test_matches_takes_wildcards_literally():
    where = search.matches(User.search_key, "50%_\\")
    assert where.right.value == "%50\\%\\_\\\\%"
    assert str(search.matches(User.search_key, "  ")) == "true"


@pytest.mark.commits
def test_the_migration_fills_the_keys_of_existing_rows(app, world):
    spec = importlib.util.spec_from_file_location("search_migration", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    db.session.remove()
    downgrade(revision=migration.down_revision)
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE users SET name = 'José Núñez' WHERE email = :e"),
            {"e": world.official_cdmx_email},
        )
    upgrade()
    key = db.session.scalar(select(User.search_key).where(User.id == world.official_cdmx))
    assert key == f"jose nunez {world.official_cdmx_email}"
    assert db.session.scalar(select(User.id).where(search.matches(User.search_key, "NÚÑEZ"))) == (
        world.official_cdmx
    )


def test_postgresql_searches_the_trigram_index(app, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the trigram index exists on PostgreSQL only")
    # Only an index that can answer "LIKE '%garcia%'" itself is left to the planner (a B-tree
    # holding the key, ix_users_org_active_search, could only be read whole).
    for setting in ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan"):
        db.session.execute(text(f"SET LOCAL {setting} = off"))
    stmt = select(User.id).where(search.matches(User.search_key, "garcía"))
    compiled = stmt.compile(dialect=db.engine.dialect)
    connection = db.session.connection()
    plan = connection.exec_driver_sql(f"EXPLAIN {compiled}", compiled.params).scalars().all()
    assert any("ix_users_search_key" in line for line in plan), plan
