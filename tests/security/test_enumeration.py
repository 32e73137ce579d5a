"""Whether an e-mail address has an account cannot be learnt from sign-in or password reset.

Pages are compared whole (with CSRF tokens and the echoed address blanked), so any difference
in message, status, form or layout fails. Timing is not measured; instead the test shows that
every failed sign-in costs exactly one password-hash check, account or not.
"""

from __future__ import annotations

import pytest

from app.accounts import services
from app.accounts.models import User
from app.extensions import db
from tests.conftest import PASSWORD
from tests.security.conftest import without_tokens

UNKNOWN = "nobody.here@test.example"
INVITED = "invited.person@test.example"


@pytest.fixture
def people(world):
    """An active official, a deactivated one, and an invited one without a password yet."""
    inactive = db.session.get(User, world.official_bh)
    inactive.is_active_account = False
    services.create_user(
        INVITED, "Invitada", db.session.get(User, world.official_cdmx).organisation
    )
    db.session.commit()
    return world


def _page(response, email: str) -> str:
    return without_tokens(response.get_data(as_text=True)).replace(email, "EMAIL")


def _sign_in(app, email: str, password: str):
    client = app.test_client()
    return client.submit(
        "/login", {"email": email, "password": password}, headers={"Accept-Language": "en"}
    )


def test_failed_sign_in_looks_the_same_whoever_the_address_belongs_to(app, people):
    cases = {
        "wrong password": (people.official_cdmx_email, "wrong-password-1"),
        "unknown address": (UNKNOWN, "wrong-password-1"),
        "deactivated, right password": (people.official_bh_email, PASSWORD),
        "deactivated, wrong password": (people.official_bh_email, "wrong-password-1"),
        "invited, no password yet": (INVITED, "wrong-password-1"),
    }
    pages = {}
    for name, (email, password) in cases.items():
        response = _sign_in(app, email, password)
        assert response.status_code == 200, name
        pages[name] = _page(response, email)
    assert "Wrong e-mail address or password." in pages["unknown address"]
    reference = pages["unknown address"]
    assert {name for name, page in pages.items() if page != reference} == set()


def test_rate_limited_sign_in_looks_the_same_for_known_and_unknown_addresses(app, people):
    app.config["LOGIN_LIMIT"] = "1 per minute"
    pages = {}
    for email in (people.official_cdmx_email, UNKNOWN):
        client = app.test_client()
        for _attempt in range(2):
            response = client.submit(
                "/login",
                {"email": email, "password": "wrong-password-1"},
                headers={"Accept-Language": "en"},
            )
        assert response.status_code == 429
        pages[email] = _page(response, email)
    assert "Too many attempts" in pages[UNKNOWN]
    assert pages[people.official_cdmx_email] == pages[UNKNOWN]


def test_reset_request_looks_the_same_and_mails_only_a_real_active_account(app, people, outbox):
    answers = {}
    for email in (people.official_cdmx_email, UNKNOWN, people.official_bh_email):
        client = app.test_client()
        response = client.submit(
            "/password/forgot", {"email": email}, headers={"Accept-Language": "en"}
        )
        shown = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
        answers[email] = (response.status_code, response.headers["Location"], _page(shown, email))
    assert answers[UNKNOWN][0] == 302
    assert "If an account uses this address" in answers[UNKNOWN][2]
    assert answers[people.official_cdmx_email] == answers[UNKNOWN]
    assert answers[people.official_bh_email] == answers[UNKNOWN]
    assert [m.to for m in outbox] == [people.official_cdmx_email]


@pytest.mark.parametrize(
    ("email_of", "password"),
    [
        ("official_cdmx_email", "wrong-password-1"),
        ("official_bh_email", PASSWORD),  # deactivated
        (None, "wrong-password-1"),  # unknown address
        ("invited", "wrong-password-1"),  # no password yet
    ],
)
def test_every_failed_sign_in_checks_one_real_password_hash(
    app, people, monkeypatch, email_of, password
):
    email = {None: UNKNOWN, "invited": INVITED}.get(email_of) or getattr(people, email_of)
    checked = []
    real_check = services.check_password_hash

    def counting_check(pwhash, candidate):
        checked.append(pwhash.split("$")[0])
        return real_check(pwhash, candidate)

    monkeypatch.setattr(services, "check_password_hash", counting_check)
    assert services.authenticate(email, password) is None
    # One check against a real scrypt hash with the configured cost, whether or not they exist.
    assert checked == [app.config["PASSWORD_HASH_METHOD"]]
