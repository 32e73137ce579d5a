"""A new password ends every other session of the account, "keep me signed in" cookies included.

Each signed-in cookie names the account's session nonce; a password change or reset draws a
new one, so cookies issued before no longer load a user.
"""

from __future__ import annotations

import pytest

from app.accounts import services
from app.accounts.models import User
from app.extensions import db
from tests.conftest import PASSWORD

NEW_PASSWORD = "lluvia-sobre-el-zocalo-7"


def _signed_in(client) -> bool:
    return client.get("/profile").status_code == 200


def _remember_only(app, world):
    """A client signed in with "keep me signed in" whose session cookie has since gone."""
    client = app.test_client()
    response = client.submit(
        "/login", {"email": world.official_cdmx_email, "password": PASSWORD, "remember": "y"}
    )
    assert response.status_code == 302
    assert client.get_cookie("remember_token") is not None
    client.delete_cookie("session")
    return client


def _change_password(client):
    return client.submit(
        "/profile/password",
        {
            "pw-current_password": PASSWORD,
            "pw-password": NEW_PASSWORD,
            "pw-confirm": NEW_PASSWORD,
        },
    )


def _reset_password(app, world):
    user = db.session.get(User, world.official_cdmx)
    link = f"/password/reset/{services.make_token(user, services.RESET)}"
    return app.test_client().submit(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})


def test_remember_cookie_alone_signs_in_before_any_change(app, world):
    """The control for the tests below: the remember cookie does work on its own."""
    assert _signed_in(_remember_only(app, world))


@pytest.mark.parametrize("how", ["change", "reset"])
def test_new_password_signs_out_every_other_session(app, world, how):
    other = app.test_client()
    other.login(world.official_cdmx_email)
    remembered = _remember_only(app, world)
    assert _signed_in(other) and _signed_in(remembered)

    if how == "change":
        acting = app.test_client()
        acting.login(world.official_cdmx_email)
        assert _change_password(acting).status_code == 302
        assert _signed_in(acting), "the session that changed the password stays signed in"
    else:
        assert _reset_password(app, world).status_code == 302

    assert not _signed_in(other)
    assert not _signed_in(remembered)
    assert services.authenticate(world.official_cdmx_email, NEW_PASSWORD) is not None


def test_refused_password_change_keeps_other_sessions(app, world):
    other = app.test_client()
    other.login(world.official_cdmx_email)
    acting = app.test_client()
    acting.login(world.official_cdmx_email)
    response = acting.submit(
        "/profile/password",
        {"pw-current_password": "wrong-password-1", "pw-password": NEW_PASSWORD},
    )
    assert response.status_code == 400
    assert _signed_in(other)


def test_sign_out_clears_the_remember_cookie(app, world):
    client = app.test_client()
    client.submit(
        "/login", {"email": world.official_cdmx_email, "password": PASSWORD, "remember": "y"}
    )
    client.logout()
    assert client.get_cookie("remember_token") is None
    assert not _signed_in(client)
