"""With REDIS_URL set, rate-limit counters live in Redis, shared by every app process."""

import os
import subprocess
import sys
import uuid

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import REDIS_URL, AulaClient


def _storage_uri(**env: str) -> str:
    """RATELIMIT_STORAGE_URI as a new process reads it from its environment. A new process,
    because reloading `config` here would leave create_app holding the old classes."""
    environ = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | env
    code = "import config; print(config.Config.RATELIMIT_STORAGE_URI)"
    done = subprocess.run(
        [sys.executable, "-c", code], env=environ, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def test_redis_url_selects_redis_storage():
    assert (
        _storage_uri(REDIS_URL="redis://cache.internal:6379/0") == "redis://cache.internal:6379/0"
    )
    assert _storage_uri() == "memory://"


# An app of its own writes on its own connection: real commits on empty tables.
@pytest.mark.commits
def test_login_limit_counts_in_redis(app, database_url, tmp_path, redis_client):
    prefix = f"aula-test-{uuid.uuid4().hex}"
    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "RATELIMIT_KEY_PREFIX": prefix,
        "LOGIN_LIMIT": "2 per minute",
    }
    app = create_app(settings, instance_path=str(tmp_path))
    app.test_client_class = AulaClient
    try:
        client = app.test_client()
        for _attempt in range(2):
            client.submit("/login", {"email": "who@test.example", "password": "x"})
        assert redis_client.keys(f"*{prefix}*"), "no limiter counters in Redis"
        blocked = client.submit("/login", {"email": "who@test.example", "password": "x"})
        assert blocked.status_code == 429
    finally:
        for key in redis_client.scan_iter(f"*{prefix}*"):
            redis_client.delete(key)
        with app.app_context():
            db.engine.dispose()
