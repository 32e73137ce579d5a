"""The factory, the health check, security headers and error pages."""

import pytest
from sqlalchemy import select

from app import access, create_app
from app.accounts.models import User
from app.extensions import db


def test_testing_config_takes_effect(app):
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret-key"


def test_production_refuses_to_start_without_secret_key(monkeypatch, tmp_path):
    monkeypatch.setattr("config.ProductionConfig.SECRET_KEY", None)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("production", instance_path=str(tmp_path))


def test_production_refuses_to_start_without_base_url(monkeypatch, tmp_path):
    monkeypatch.setattr("config.ProductionConfig.SECRET_KEY", "x" * 32)
    monkeypatch.setattr("config.ProductionConfig.BASE_URL", None)
    with pytest.raises(RuntimeError, match="BASE_URL must be set in production"):
        create_app("production", instance_path=str(tmp_path))


def test_development_defaults_base_url_to_the_local_server(monkeypatch, tmp_path):
    monkeypatch.setattr("config.DevelopmentConfig.BASE_URL", None)
    app = create_app("development", instance_path=str(tmp_path))
    assert app.config["BASE_URL"] == "http://127.0.0.1:5000"
    assert app.config["BASE_URL_DEFAULTED"] is True


def test_production_cookies_are_secure(monkeypatch, tmp_path):
    monkeypatch.setattr("config.ProductionConfig.SECRET_KEY", "x" * 32)
    monkeypatch.setattr("config.ProductionConfig.BASE_URL", "https://aula.example")
    app = create_app("production", instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_development_keeps_a_generated_secret_key_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setattr("config.DevelopmentConfig.SECRET_KEY", None)
    first = create_app("development", instance_path=str(tmp_path)).config["SECRET_KEY"]
    second = create_app("development", instance_path=str(tmp_path)).config["SECRET_KEY"]
    assert first == second and len(first) == 64


def test_unknown_environment_name_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="AULA_ENV"):
        create_app("staging", instance_path=str(tmp_path))


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"
    assert response.json["database"] == "ok"


def test_healthz_reports_unreachable_database(tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"},
        instance_path=str(tmp_path),
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unavailable"


def test_home_page_says_what_aula_is(client):
    html = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<h2 id="network">The AL-LAs network</h2>' in html  # the layout names AL-LAs anyway
    assert "<main" in html and 'class="skip-link"' in html


@pytest.mark.parametrize("path", ["/", "/login", "/nowhere"])
def test_security_headers_on_every_response(client, path):
    headers = client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "default-src 'self'" in csp
    assert "unsafe-inline" not in csp and "http" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_have_no_inline_script_or_other_origin(client):
    html = client.get("/login").get_data(as_text=True)
    assert "<script" not in html
    assert "style=" not in html
    assert "http://" not in html and "https://" not in html


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("es", "Página no encontrada"),
        ("pt-BR", "Página não encontrada"),
        ("fr", "Page introuvable"),
        ("en", "Page not found"),
    ],
)
def test_404_page_in_the_visitors_language(client, locale, text):
    response = client.get("/no-such-page", headers={"Accept-Language": locale})
    assert response.status_code == 404
    assert text in response.get_data(as_text=True)


def test_400_page_for_a_post_without_csrf_token(client):
    response = client.post("/login", data={"email": "a@b.org", "password": "x"})
    assert response.status_code == 400
    assert "form has expired" in client.post("/login", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )


def test_405_page(client):
    response = client.get("/logout", headers={"Accept-Language": "fr"})
    assert response.status_code == 405
    assert "Méthode non autorisée" in response.get_data(as_text=True)


# An app of its own writes on its own connection: real commits on empty tables.
@pytest.mark.commits
def test_500_page_in_users_language_and_session_rolled_back(
    app, database_url, tmp_path, monkeypatch
):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, instance_path=str(tmp_path))
    monkeypatch.setitem(access.RULES, "boom", access.PUBLIC)  # routes are closed without a rule

    @app.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app.test_client().get("/boom", headers={"Accept-Language": "pt-BR"})
    assert response.status_code == 500
    assert "Algo deu errado" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User).limit(1)) is None
        db.engine.dispose()


def test_413_for_an_oversized_upload(app, client, world):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    client.login(world.reviewer_cdmx_email)
    response = client.submit(
        "/staff/import", {"file": (__import__("io").BytesIO(b"x" * 5000), "a.csv")}
    )
    assert response.status_code == 413


@pytest.mark.parametrize(
    "path",
    [
        "/courses/x/lessons/99999999999999999999999",
        "/admin/users/9223372036854775808",
        "/staff/0",
        "/media/zz/x.png",
    ],
)
def test_huge_or_odd_ids_are_404_not_500(client, world, path):
    client.login(world.admin_email)
    assert client.get(path).status_code == 404
