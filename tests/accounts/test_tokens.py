"""Password reset and invitations by e-mailed, signed, expiring, single-use links."""

import re

from app.accounts import services
from app.accounts.models import User
from app.extensions import db


def _link(message) -> str:
    return re.search(r"http://\S+", message.body).group(0).replace("http://127.0.0.1:5000", "")


def test_reset_sends_a_link_in_the_users_language(client, world, outbox):
    response = client.submit("/password/forgot", {"email": world.official_bh_email})
    assert response.status_code == 302
    assert len(outbox) == 1
    assert outbox[0].to == world.official_bh_email
    assert "senha" in outbox[0].subject.lower()


def test_reset_for_unknown_address_says_the_same_and_sends_nothing(client, world, outbox):
    known = client.submit(
        "/password/forgot", {"email": world.official_bh_email}, follow_redirects=True
    )
    unknown = client.submit(
        "/password/forgot", {"email": "ghost@test.example"}, follow_redirects=True
    )
    notice = "Si existe una cuenta con esta dirección, le hemos enviado un enlace"
    assert known.status_code == unknown.status_code == 200
    assert notice in known.get_data(as_text=True) and notice in unknown.get_data(as_text=True)
    assert len(outbox) == 1


def test_reset_link_sets_password_once(client, world, outbox):
    client.submit("/password/forgot", {"email": world.official_cdmx_email})
    link = _link(outbox[0])
    assert client.get(link).status_code == 200
    response = client.submit(link, {"password": "brand-new-pass", "confirm": "brand-new-pass"})
    assert response.status_code == 302
    assert services.authenticate(world.official_cdmx_email, "brand-new-pass") is not None
    client.logout()
    # The same link cannot be used twice: the password it was made for has changed.
    again = client.get(link, headers={"Accept-Language": "en"})
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_reset_refuses_short_and_mismatched_passwords(client, world, outbox):
    client.submit("/password/forgot", {"email": world.official_cdmx_email})
    link = _link(outbox[0])
    short = client.submit(link, {"password": "short", "confirm": "short"})
    assert short.status_code == 200
    mismatch = client.submit(link, {"password": "long-enough-1", "confirm": "long-enough-2"})
    assert mismatch.status_code == 200
    assert services.authenticate(world.official_cdmx_email, "long-enough-1") is None


def test_expired_reset_link_is_refused(app, client, world):
    user = db.session.get(User, world.official_cdmx)
    token = services.make_token(user, services.RESET)
    app.config["RESET_TOKEN_MAX_AGE"] = -1
    response = client.get(f"/password/reset/{token}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)


def test_forged_and_cross_purpose_tokens_are_refused(client, world):
    user = db.session.get(User, world.official_cdmx)
    invite_token = services.make_token(user, services.INVITE)
    assert client.get(f"/password/reset/{invite_token}").status_code == 400
    assert client.get("/password/reset/not-a-token").status_code == 400
    assert client.get(f"/password/reset/{invite_token[:-2]}xx").status_code == 400


def test_invitation_flow(client, world, outbox):
    client.login(world.reviewer_cdmx_email)
    response = client.submit(
        "/staff/invite",
        {
            "email": "Nueva.Persona@Test.Example",
            "name": "Nueva Persona",
            "organisation": world.cdmx_culture,
            "job_title": "Analista",
            "locale": "es",
        },
    )
    assert response.status_code == 302
    user = services.find_user_by_email("nueva.persona@test.example")
    assert user is not None and user.password_hash is None
    assert user.organisation_id == world.cdmx_culture
    assert len(outbox) == 1 and outbox[0].to == "nueva.persona@test.example"
    client.logout()
    link = _link(outbox[0])
    assert "/invitation/" in link
    page = client.get(link)
    assert "Nueva Persona" in page.get_data(as_text=True)
    done = client.submit(link, {"password": "my-first-pass", "confirm": "my-first-pass"})
    assert done.status_code == 302
    assert client.get("/profile").status_code == 200


def test_invitation_to_existing_email_is_refused(client, world, outbox):
    client.login(world.reviewer_cdmx_email)
    response = client.submit(
        "/staff/invite",
        {
            "email": world.official_bh_email.upper(),
            "name": "Dup",
            "organisation": world.cdmx,
            "locale": "es",
        },
    )
    assert response.status_code == 200
    # The reviewer's profile says Spanish, which wins over the browser's languages.
    assert "Ya existe una cuenta con este correo electrónico." in response.get_data(as_text=True)
    assert outbox == []
