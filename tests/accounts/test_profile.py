"""The profile page: name, job title, language and password."""

from flask_babel import force_locale, format_datetime

from app.accounts import services
from app.accounts.models import User
from app.extensions import db
from tests.conftest import PASSWORD, form_errors


def test_profile_update(client, world):
    client.login(world.official_cdmx_email)
    response = client.submit(
        "/profile", {"name": "Guadalupe Hernández Ruiz", "job_title": "Analista", "locale": "fr"}
    )
    assert response.status_code == 302
    user = db.session.get(User, world.official_cdmx)
    assert (user.name, user.job_title, user.locale) == (
        "Guadalupe Hernández Ruiz",
        "Analista",
        "fr",
    )
    # The page now speaks French.
    assert 'lang="fr"' in client.get("/profile").get_data(as_text=True)


def test_profile_refuses_blank_name_and_unknown_locale(client, world):
    client.login(world.official_cdmx_email)
    response = client.submit("/profile", {"name": "", "locale": "xx"})
    assert response.status_code == 200
    assert len(form_errors(response.get_data(as_text=True))) == 2
    assert db.session.get(User, world.official_cdmx).name == "Guadalupe Hernández"


def test_password_change_needs_current_password(client, world):
    client.login(world.official_cdmx_email)
    response = client.submit(
        "/profile/password",
        {
            "pw-current_password": "wrong",
            "pw-password": "new-password-1",
            "pw-confirm": "new-password-1",
        },
    )
    assert response.status_code == 400
    assert "La contraseña actual es incorrecta." in response.get_data(as_text=True)
    assert services.authenticate(world.official_cdmx_email, PASSWORD) is not None


def test_password_change_refuses_short_password(client, world):
    client.login(world.official_cdmx_email)
    response = client.submit(
        "/profile/password",
        {"pw-current_password": PASSWORD, "pw-password": "short", "pw-confirm": "short"},
    )
    assert response.status_code == 400
    assert services.authenticate(world.official_cdmx_email, PASSWORD) is not None


def test_dates_are_formatted_for_the_locale(app, client, world):
    client.login(world.official_bh_email)
    html = client.get("/profile").get_data(as_text=True)
    user = db.session.get(User, world.official_bh)
    with app.test_request_context(), force_locale("pt_BR"):
        expected = format_datetime(user.last_login_at)
    assert " de " in expected  # Brazilian medium format, e.g. "28 de nov. de 2026 04:40:00"
    assert f"<dd>{expected}</dd>" in html
