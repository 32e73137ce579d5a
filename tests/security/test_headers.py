"""Security headers on every response: pages of every role, error pages, downloads, static, media.

The GET routes without arguments come from the URL map (a new one is covered automatically),
plus a sample of routes with arguments; each is requested by every role.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app import create_app
from app.catalog.models import MediaFile
from app.extensions import db
from app.security import CSP
from tests.conftest import AulaClient

ROLES = ["anonymous", "official_cdmx", "trainer", "reviewer_cdmx", "admin"]
MEDIA_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"

#: endpoint -> the Cache-Control it sends instead of no-store, and why that is safe.
CACHEABLE = {
    "static": (None, "the stylesheet, scripts and icon: the same for everyone"),
    "catalog.media": (
        "public, max-age=31536000, immutable",
        "content-addressed course images: the address changes with the content",
    ),
    "course.show_lesson": (
        "private, no-cache",
        "kept by the browser only and revalidated (304) on each visit, for slow links",
    ),
    "course.print_lesson": ("private, no-cache", "as the lesson page"),
    "certificates.status_list": (
        "public, max-age=300",
        "the public revocation list that verifiers fetch: no personal data",
    ),
}

#: A sample of GET routes with arguments (endpoint, URL template over world/tiny values).
WITH_ARGUMENTS = [
    ("course.show_course", "/courses/tiny"),
    ("course.show_lesson", "/courses/tiny/lessons/{lesson}"),
    ("course.print_lesson", "/courses/tiny/lessons/{lesson}/print"),
    ("catalog.media", "/media/{sha256}/dot.png"),
    ("learning.resume", "/learning/tiny/continue"),
    ("author.course", "/author/tiny"),
    ("people.show_person", "/staff/{official_cdmx}"),
    ("admin.edit_user", "/admin/users/{official_cdmx}"),
    ("reports.transcript", "/reports/officials/{official_cdmx}"),
    ("certificates.verify_code", "/verify/NO-SUCH-CODE"),
    ("certificates.issuer_profile", "/issuers/alla"),
]


def assert_security_headers(response, endpoint: str | None, where: str) -> None:
    headers = response.headers
    expected_csp = MEDIA_CSP if endpoint == "catalog.media" else CSP
    assert headers.get("Content-Security-Policy") == expected_csp, where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("Referrer-Policy") == "same-origin", where
    assert headers.get("Cross-Origin-Opener-Policy") == "same-origin", where
    assert "camera=()" in headers.get("Permissions-Policy", ""), where
    cache = headers.get("Cache-Control", "")
    if endpoint in CACHEABLE and response.status_code in (200, 304):
        wanted = CACHEABLE[endpoint][0]
        if wanted is None:
            assert "no-store" not in cache, where
        else:
            assert cache == wanted, where
    else:
        assert "no-store" in cache, f"{where}: Cache-Control {cache!r}"
    # Plain HTTP in tests: no HSTS (it would pin a development host to HTTPS).
    assert "Strict-Transport-Security" not in headers, where


def _sign_in_as(app, client, world, role: str) -> None:
    if role != "anonymous":
        assert client.login(getattr(world, f"{role}_email")).status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_every_get_route_without_arguments_sends_the_headers(app, client, world, tiny, role):
    _sign_in_as(app, client, world, role)
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
    ]
    assert len(rules) > 25
    for rule in rules:
        response = client.get(rule.rule)
        where = f"{role} GET {rule.rule} -> {response.status_code}"
        assert response.status_code < 500, where
        assert_security_headers(response, rule.endpoint, where)


@pytest.mark.parametrize("role", ROLES)
def test_sample_of_routes_with_arguments_sends_the_headers(app, client, world, tiny, role):
    _sign_in_as(app, client, world, role)
    lesson = tiny.version.editions[0].modules[0].lessons[0]
    media = db.session.scalar(select(MediaFile))
    values = {**vars(world), "lesson": lesson.id, "sha256": media.sha256}
    for endpoint, template in WITH_ARGUMENTS:
        url = template.format(**values)
        response = client.get(url)
        where = f"{role} GET {url} -> {response.status_code}"
        assert response.status_code < 500, where
        assert_security_headers(response, endpoint, where)


def test_static_files_and_conditional_media_send_the_headers(client, tiny):
    for name in ("aula.css", "autosave.js", "favicon.svg"):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200
        assert_security_headers(response, "static", f"/static/{name}")
        response.close()
    sha256 = db.session.scalar(select(MediaFile.sha256))
    again = client.get(f"/media/{sha256}/dot.png", headers={"If-None-Match": f'"{sha256}"'})
    assert again.status_code == 304
    assert_security_headers(again, "catalog.media", "media 304")


# An app of its own writes on its own connection: real commits on empty tables.
@pytest.mark.commits
def test_error_pages_send_the_headers(app, database_url, tmp_path, world):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "LOGIN_LIMIT": "1 per minute"},
        instance_path=str(tmp_path),
    )

    def boom():
        raise RuntimeError("a bug")

    # A bug in a real route of this test app only (the access table has a rule for it).
    app.view_functions["main.index"] = boom

    app.test_client_class = AulaClient
    try:
        client = app.test_client()
        official = app.test_client()
        official.login(world.official_cdmx_email)
        app.config["MAX_CONTENT_LENGTH"] = 100
        cases = {
            400: lambda: client.post("/logout"),
            403: lambda: official.get("/admin/users"),
            404: lambda: client.get("/no-such-page"),
            405: lambda: client.get("/logout"),
            413: lambda: official.submit(
                "/staff/import", {"file": (io.BytesIO(b"x" * 500), "a.csv")}
            ),
            500: lambda: client.get("/"),
        }
        for status, call in cases.items():
            response = call()
            assert response.status_code == status
            assert_security_headers(response, None, f"error {status}")
        app.config["MAX_CONTENT_LENGTH"] = None
        client.submit("/login", {"email": "who@test.example", "password": "x"})
        limited = client.submit("/login", {"email": "who@test.example", "password": "x"})
        assert limited.status_code == 429
        assert_security_headers(limited, None, "error 429")
    finally:
        with app.app_context():
            db.engine.dispose()


def test_https_requests_get_hsts(client):
    response = client.get("/", base_url="https://aula.example")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
