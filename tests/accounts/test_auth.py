"""Signing in and out, safe redirects, rate limits and session invalidation."""

import pytest
from sqlalchemy import select

from app.accounts import services
from app.accounts.models import User
from app.extensions import db
from tests.conftest import PASSWORD


def test_login_with_right_password_signs_in(client, world):
    response = client.login(world.official_cdmx_email)
    assert response.status_code == 302
    # An official lands on their courses.
    assert response.headers["Location"] == "/learning/"
    assert client.get("/profile").status_code == 200
    user = db.session.get(User, world.official_cdmx)
    db.session.refresh(user)
    assert user.last_login_at is not None


def test_login_email_is_case_insensitive(client, world):
    response = client.login("Official.CDMX@Test.Example")
    assert response.status_code == 302


@pytest.mark.parametrize("email", ["official.cdmx@test.example", "nobody@test.example"])
def test_wrong_password_and_unknown_email_get_the_same_message(client, world, email):
    response = client.submit(
        "/login", {"email": email, "password": "wrong-password"}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    assert "Wrong e-mail address or password." in response.get_data(as_text=True)
    assert client.get("/profile").status_code == 302


def test_wrong_password_message_is_translated(client, world):
    response = client.submit(
        "/login",
        {"email": "x@test.example", "password": "nope"},
        headers={"Accept-Language": "pt-BR"},
    )
    assert "E-mail ou senha incorretos." in response.get_data(as_text=True)


def test_deactivated_account_cannot_sign_in(client, world):
    user = db.session.get(User, world.official_cdmx)
    user.is_active_account = False
    db.session.commit()
    response = client.login(world.official_cdmx_email)
    assert response.status_code == 200
    assert client.get("/profile").status_code == 302


def test_invited_account_without_password_cannot_sign_in(client, world):
    org = db.session.get(User, world.official_cdmx).organisation
    services.create_user("new@test.example", "Nuevo", org)
    db.session.commit()
    response = client.submit("/login", {"email": "new@test.example", "password": ""})
    assert response.status_code == 200
    assert client.get("/profile").status_code == 302


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/profile", "/profile"),
        ("/staff/?q=ana", "/staff/?q=ana"),
        ("https://evil.example/", "/learning/"),
        ("//evil.example/", "/learning/"),
        ("/\\evil.example", "/learning/"),
        ("http:/evil.example", "/learning/"),
        ("javascript:alert(1)", "/learning/"),
        ("evil.example", "/learning/"),
        (" //evil.example", "/learning/"),
    ],
)
def test_next_redirect_stays_on_site(client, world, next_url, expected):
    response = client.submit(
        "/login", {"email": world.official_cdmx_email, "password": PASSWORD, "next": next_url}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == expected


@pytest.mark.parametrize("role", ["reviewer_cdmx", "trainer", "admin"])
def test_staff_land_on_the_home_page_after_sign_in(client, world, role):
    response = client.login(getattr(world, f"{role}_email"))
    assert response.headers["Location"] == "/"


def test_an_official_already_signed_in_is_sent_to_my_learning_or_next(client, world):
    client.login(world.official_cdmx_email)
    assert client.get("/login").headers["Location"] == "/learning/"
    assert client.get("/login?next=/profile").headers["Location"] == "/profile"
    assert client.get("/login?next=//evil.example").headers["Location"] == "/learning/"


def test_login_page_carries_next_into_the_form(client):
    html = client.get("/login?next=/profile").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/profile"' in html


def test_protected_page_redirects_to_login_with_next(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_logout_needs_post_and_signs_out(client, world):
    client.login(world.official_cdmx_email)
    assert client.get("/logout").status_code == 405
    assert client.get("/profile").status_code == 200
    assert client.logout().status_code == 302
    assert client.get("/profile").status_code == 302


def test_logout_without_csrf_token_is_refused(client, world):
    client.login(world.official_cdmx_email)
    assert client.post("/logout").status_code == 400
    assert client.get("/profile").status_code == 200


def test_session_cookie_is_httponly_and_samesite(client, world):
    response = client.login(world.official_cdmx_email)
    cookie = [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")][0]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_login_is_rate_limited_per_address_and_email(app, client, world):
    app.config["LOGIN_LIMIT"] = "3 per minute"
    for _attempt in range(3):
        assert (
            client.submit("/login", {"email": "a@test.example", "password": "x"}).status_code == 200
        )
    blocked = client.submit(
        "/login", {"email": "a@test.example", "password": "x"}, headers={"Accept-Language": "es"}
    )
    assert blocked.status_code == 429
    assert "Demasiados intentos" in blocked.get_data(as_text=True)
    # Another person behind the same city-hall address is not locked out by it.
    assert client.login(world.official_cdmx_email).status_code == 302


def test_login_is_rate_limited_per_address(app, client, world):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per minute"
    for n in range(4):
        client.submit("/login", {"email": f"p{n}@test.example", "password": "x"})
    assert client.submit("/login", {"email": "z@test.example", "password": "x"}).status_code == 429


def test_password_change_signs_out_other_sessions(app, world):
    first, second = app.test_client(), app.test_client()
    first.login(world.official_cdmx_email)
    second.login(world.official_cdmx_email)
    response = first.submit(
        "/profile/password",
        {
            "pw-current_password": PASSWORD,
            "pw-password": "a-new-long-password",
            "pw-confirm": "a-new-long-password",
        },
    )
    assert response.status_code == 302
    assert first.get("/profile").status_code == 200
    assert second.get("/profile").status_code == 302
    assert services.authenticate(world.official_cdmx_email, "a-new-long-password") is not None


def test_passwords_are_hashed_with_scrypt(world):
    user = db.session.scalar(select(User).where(User.email == world.official_cdmx_email))
    assert user.password_hash.startswith("scrypt:")
    assert PASSWORD not in user.password_hash
