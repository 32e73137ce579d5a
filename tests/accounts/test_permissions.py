"""People lists, role changes and forms across cities: the cases the route-by-role matrix in
tests/test_access_matrix.py cannot see from an empty request (searches, select options,
posted forms naming another city's organisation)."""

import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import Membership, Organisation, User
from app.extensions import db

ROLES = [
    "anonymous",
    "official_cdmx",
    "trainer",
    "reviewer_cdmx",
    "reviewer_bh",
    "reviewer_mg",
    "admin_cdmx",
    "admin",
]
ADMINS = {"admin_cdmx", "admin"}


def _table(html: str) -> str:
    return html[html.index("<tbody>") : html.index("</tbody>")]


def _client_for(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        assert client.login(getattr(world, f"{role}_email")).status_code == 302
    return client


@pytest.mark.parametrize(
    ("role", "sees", "never_sees"),
    [
        (
            "reviewer_cdmx",
            ["official.cdmx@test.example"],
            ["official.bh@test.example", "reviewer.mg@test.example"],
        ),
        (
            "reviewer_bh",
            ["official.bh@test.example"],
            ["official.cdmx@test.example", "reviewer.mg@test.example"],
        ),
        (
            "reviewer_mg",
            ["official.bh@test.example", "reviewer.mg@test.example"],
            ["official.cdmx@test.example"],
        ),
        ("admin_cdmx", ["official.cdmx@test.example"], ["official.bh@test.example"]),
        ("admin", ["official.cdmx@test.example", "official.bh@test.example"], []),
    ],
)
def test_people_lists_show_only_the_callers_subtree(app, world, role, sees, never_sees):
    client = _client_for(app, world, role)
    pages = [client.get("/staff/").get_data(as_text=True)]
    if role in ADMINS:
        pages.append(client.get("/admin/users").get_data(as_text=True))
    for html in pages:
        for email in sees:
            assert email in html
        for email in never_sees:
            assert email not in html
    # A search cannot reach outside the subtree either (the box echoes the query itself).
    for email in never_sees:
        assert email not in _table(client.get(f"/staff/?q={email}").get_data(as_text=True))


def test_select_lists_offer_only_the_callers_organisations(app, world):
    client = _client_for(app, world, "reviewer_bh")
    for url in ("/staff/invite", "/staff/import"):
        options = " ".join(
            re.findall(r"<option[^>]*>([^<]*)</option>", client.get(url).get_data(as_text=True))
        )
        assert "Belo Horizonte" in options
        assert "Ciudad de México" not in options
        assert "Secretaría de Cultura" not in options


def test_reviewer_cannot_invite_into_another_city(app, world, outbox):
    client = _client_for(app, world, "reviewer_bh")
    response = client.submit(
        "/staff/invite",
        {"email": "x@y.example", "name": "X", "organisation": world.cdmx, "locale": "es"},
    )
    assert response.status_code == 200
    assert db.session.scalar(select(User).where(User.email == "x@y.example")) is None
    assert outbox == []


@pytest.mark.parametrize("role", ["reviewer_bh", "reviewer_cdmx", "official_cdmx", "trainer"])
def test_non_admins_cannot_edit_users_or_orgs(app, world, role):
    client = _client_for(app, world, role)
    before = db.session.get(User, world.official_cdmx).name
    response = client.submit(
        f"/admin/users/{world.official_cdmx}",
        {"name": "Hacked", "organisation": world.cdmx, "locale": "es", "is_active": "y"},
    )
    assert response.status_code == 403
    assert db.session.get(User, world.official_cdmx).name == before
    response = client.submit(
        f"/admin/organisations/{world.cdmx}",
        {"name": "Hacked", "slug": "cdmx", "kind": "city", "parent": world.network},
    )
    assert response.status_code == 403
    assert db.session.get(Organisation, world.cdmx).name == "Ciudad de México"


def test_city_admin_cannot_touch_another_city(app, world):
    client = _client_for(app, world, "admin_cdmx")
    assert client.get(f"/admin/users/{world.official_bh}").status_code == 403
    assert client.get(f"/admin/organisations/{world.bh}").status_code == 403
    response = client.submit(
        f"/admin/users/{world.official_bh}/roles",
        {"role": "reviewer", "organisation": world.bh},
    )
    assert response.status_code == 403
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == world.reviewer_bh)
    )
    response = client.submit(f"/admin/memberships/{membership.id}/revoke")
    assert response.status_code == 403
    assert db.session.get(Membership, membership.id) is not None


def test_city_admin_cannot_grant_roles_over_another_city(app, world):
    client = _client_for(app, world, "admin_cdmx")
    response = client.submit(
        f"/admin/users/{world.official_cdmx}/roles",
        {"role": "reviewer", "organisation": world.bh},
    )
    assert response.status_code == 400
    count = db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.user_id == world.official_cdmx)
    )
    assert count == 0


@pytest.mark.parametrize("role", ["anonymous", "official_cdmx", "reviewer_bh"])
def test_role_changes_need_an_admin(app, world, role):
    client = _client_for(app, world, role)
    response = client.submit(
        f"/admin/users/{world.official_cdmx}/roles",
        {"role": "admin", "organisation": world.network},
    )
    assert response.status_code in {302, 403}
    if role == "anonymous":
        assert response.headers["Location"].startswith("/login")
    count = db.session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(Membership.user_id == world.official_cdmx)
    )
    assert count == 0


def test_missing_objects_are_404_for_admins(app, world):
    client = _client_for(app, world, "admin")
    assert client.get("/admin/users/999999").status_code == 404
    assert client.get("/admin/organisations/999999").status_code == 404
    assert client.submit("/admin/memberships/999999/revoke").status_code == 404


@pytest.mark.parametrize("role", ROLES)
def test_post_only_routes(app, world, role):
    client = _client_for(app, world, role)
    assert client.submit("/language", {"locale": "fr", "next": "/"}).status_code == 302
    password = client.submit(
        "/profile/password",
        {"pw-current_password": "wrong", "pw-password": "x" * 12, "pw-confirm": "x" * 12},
    )
    assert password.status_code == (302 if role == "anonymous" else 400)
    assert client.submit("/logout").status_code == 302


@pytest.mark.parametrize("endpoint", ["/password/reset/bogus", "/invitation/bogus"])
@pytest.mark.parametrize("role", ["anonymous", "official_cdmx", "admin"])
def test_token_routes_refuse_bad_tokens_for_everyone(app, world, role, endpoint):
    client = _client_for(app, world, role)
    assert client.get(endpoint).status_code == 400
    assert client.submit(endpoint, {"password": "x" * 12, "confirm": "x" * 12}).status_code == 400
