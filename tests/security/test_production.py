"""AULA_ENV=production: cookies only over HTTPS, never to scripts, never on cross-site posts."""

from __future__ import annotations

import logging

import pytest

from app import create_app
from app.extensions import db
from tests.conftest import PASSWORD, SECRET
from tests.security.conftest import csrf_token_in

# The production app writes on connections of its own: real commits on empty tables.
pytestmark = pytest.mark.commits

HTTPS = "https://aula.example"


@pytest.fixture
def production_app(app, monkeypatch, database_url, tmp_path):
    # Asks for the test app only for its empty tables: see the module's mark.
    # The class as deployed, pointed at the test database; nothing about cookies is changed.
    monkeypatch.setattr("config.ProductionConfig.SECRET_KEY", SECRET)
    monkeypatch.setattr("config.ProductionConfig.SQLALCHEMY_DATABASE_URI", database_url)
    monkeypatch.setattr("config.ProductionConfig.RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setattr("config.ProductionConfig.MAIL_SERVER", None)
    monkeypatch.setattr("config.ProductionConfig.BASE_URL", HTTPS)
    app = create_app("production", instance_path=str(tmp_path))
    yield app
    with app.app_context():
        db.engine.dispose()


def _cookie(response, name: str) -> str:
    found = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    assert found, f"no {name} cookie set"
    return found[0]


def test_session_and_remember_cookies_are_secure_httponly_and_lax(production_app, world):
    client = production_app.test_client()
    page = client.get("/login", base_url=HTTPS)
    assert page.status_code == 200
    response = client.post(
        "/login",
        base_url=HTTPS,
        # Over HTTPS Flask-WTF also wants a same-origin Referer, as a browser sends.
        headers={"Referer": f"{HTTPS}/login"},
        data={
            "csrf_token": csrf_token_in(page.get_data(as_text=True)),
            "email": world.official_cdmx_email,
            "password": PASSWORD,
            "remember": "y",
        },
    )
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        cookie = _cookie(response, name)
        attributes = {part.strip().split("=")[0] for part in cookie.split(";")[1:]}
        assert {"Secure", "HttpOnly"} <= attributes, cookie
        assert "SameSite=Lax" in cookie, cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # The cookies work: the next HTTPS request is signed in.
    assert client.get("/profile", base_url=HTTPS).status_code == 200


def test_the_first_page_already_sets_a_secure_session_cookie(production_app):
    response = production_app.test_client().get("/login", base_url=HTTPS)
    cookie = _cookie(response, "session")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_post_from_another_site_over_https_is_refused(production_app, world):
    client = production_app.test_client()
    page = client.get("/login", base_url=HTTPS)
    response = client.post(
        "/login",
        base_url=HTTPS,
        headers={"Referer": "https://evil.example/login"},
        data={
            "csrf_token": csrf_token_in(page.get_data(as_text=True)),
            "email": world.official_cdmx_email,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 400


def test_turning_secure_cookies_off_in_production_is_logged(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr("config.ProductionConfig.SECRET_KEY", SECRET)
    monkeypatch.setattr("config.ProductionConfig.SESSION_COOKIE_SECURE", False)
    monkeypatch.setattr("config.ProductionConfig.BASE_URL", HTTPS)
    with caplog.at_level(logging.WARNING, logger="aula.security"):
        create_app("production", instance_path=str(tmp_path))
    assert "SESSION_COOKIE_SECURE is off in production" in caplog.text
