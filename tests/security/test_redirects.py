"""No open redirect: every `next` the app follows lands on this site, however it is spelt.

The places that redirect to a caller-supplied target: sign-in (the form's `next`, and
GET /login?next= when already signed in), and the language switch. The quiz page's `go` is a
page number only. A browser reads backslashes as slashes and drops tabs and newlines inside a
URL, so those spellings are tried too.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from app.accounts.auth import safe_next
from tests.conftest import PASSWORD

SITE = "https://aula.example/login"

HOSTILE = [
    "https://evil.example",
    "http://evil.example/profile",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    " //evil.example",
    "\u3000//evil.example",
    "http:evil.example",
    "https:/evil.example",
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.example",
    "@evil.example",
    "/%09/evil.example",
    "%2F%2Fevil.example",
]


def assert_lands_on_site(location: str, payload: str) -> None:
    assert "\\" not in location, (payload, location)
    assert not any(ord(c) < 32 or c.isspace() for c in location), (payload, location)
    parts = urlsplit(location)
    assert not parts.scheme and not parts.netloc, (payload, location)
    assert location.startswith("/") and not location.startswith("//"), (payload, location)
    # Resolved the way a browser resolves a Location header:
    assert urlsplit(urljoin(SITE, location)).netloc == "aula.example", (payload, location)


@pytest.mark.parametrize("payload", HOSTILE)
def test_safe_next_keeps_hostile_targets_off(payload):
    assert_lands_on_site(safe_next(payload, "/"), payload)


@pytest.mark.parametrize("target", ["/profile", "/staff/?q=ana", "/courses/tiny#m1", "/"])
def test_safe_next_keeps_paths_on_this_site(target):
    assert safe_next(target, "/x") == target


@pytest.mark.parametrize("payload", HOSTILE)
def test_sign_in_next(client, world, payload):
    response = client.submit(
        "/login", {"email": world.official_cdmx_email, "password": PASSWORD, "next": payload}
    )
    assert response.status_code == 302
    assert_lands_on_site(response.headers["Location"], payload)
    # Already signed in, GET /login?next= sends the visitor on: the same rule applies.
    again = client.get("/login", query_string={"next": payload})
    assert again.status_code == 302
    assert_lands_on_site(again.headers["Location"], payload)


@pytest.mark.parametrize("payload", HOSTILE)
def test_language_switch_next(client, payload):
    response = client.submit("/language", {"locale": "fr", "next": payload})
    assert response.status_code == 302
    assert_lands_on_site(response.headers["Location"], payload)


def test_sign_in_next_on_this_site_is_followed(client, world):
    response = client.submit(
        "/login", {"email": world.official_cdmx_email, "password": PASSWORD, "next": "/profile"}
    )
    assert response.headers["Location"] == "/profile"


def test_login_required_sends_back_to_a_path_only(client):
    response = client.get("/profile", base_url="https://aula.example")
    location = response.headers["Location"]
    assert location.startswith("/login?next=")
    assert "aula.example" not in location


def test_a_nul_in_next_is_refused_before_any_redirect(client, world):
    """app/security.py answers 400 to any NUL in a form or query value, so a next= that
    hides a NUL before another origin is never followed at all."""
    response = client.submit(
        "/login",
        {"email": world.official_cdmx_email, "password": PASSWORD, "next": "\x00//evil.example"},
    )
    assert response.status_code == 400 and "Location" not in response.headers
    response = client.submit("/language", {"locale": "fr", "next": "\x00//evil.example"})
    assert response.status_code == 400 and "Location" not in response.headers
