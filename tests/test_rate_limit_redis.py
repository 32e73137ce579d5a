"""With REDIS_URL set, rate-limit counters live in Redis, shared by every app process."""

import importlib
import uuid

import config


def test_redis_url_selects_redis_storage(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "redis://cache.internal:6379/0")
    try:
        reloaded = importlib.reload(config)
        assert reloaded.Config.RATELIMIT_STORAGE_URI == "redis://cache.internal:6379/0"
    finally:
        monkeypatch.delenv("REDIS_URL")
        importlib.reload(config)
    assert config.Config.RATELIMIT_STORAGE_URI == "memory://"


def test_login_limit_counts_in_redis(database_url, tmp_path, redis_client):
    from app import create_app
    from tests.conftest import REDIS_URL, AulaClient

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
            from app.extensions import db

            db.engine.dispose()
