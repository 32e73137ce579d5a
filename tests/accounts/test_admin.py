"""Administration: organisations in a tree, users, and roles."""

import pytest
from sqlalchemy import select

from app.accounts import policy, services
from app.accounts.models import Membership, Organisation, OrgKind, Role, User
from app.extensions import db


def _admin(client, world):
    client.login(world.admin_email)
    return client


def test_create_organisation_under_a_city(client, world):
    _admin(client, world)
    response = client.submit(
        "/admin/organisations/new",
        {
            "name": "Secretaría de Movilidad",
            "slug": "cdmx-movilidad",
            "kind": "department",
            "parent": world.cdmx,
        },
    )
    assert response.status_code == 302
    org = services.find_organisation("cdmx-movilidad")
    cdmx = db.session.get(Organisation, world.cdmx)
    assert org.parent_id == world.cdmx
    assert org.path == f"{cdmx.path}{org.id}/"


def test_duplicate_slug_and_bad_slug_are_form_errors(client, world):
    _admin(client, world)
    for slug, message in (
        ("cdmx", "Este identificador ya está en uso."),
        ("Not A Slug", "minúsculas"),
    ):
        response = client.submit(
            "/admin/organisations/new",
            {"name": "X", "slug": slug, "kind": "city", "parent": world.network},
        )
        assert response.status_code == 200
        assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(Organisation).where(Organisation.name == "X")) is None


def test_department_needs_a_parent(app, world):
    with app.test_request_context(), pytest.raises(services.AccountError) as info:
        services.create_organisation("Orphan", "orphan", OrgKind.DEPARTMENT, None)
    assert info.value.field == "parent"


def test_moving_an_organisation_rewrites_its_subtree(client, world):
    _admin(client, world)
    response = client.submit(
        f"/admin/organisations/{world.bh}",
        {
            "name": "Belo Horizonte",
            "slug": "belo-horizonte",
            "kind": "city",
            "parent": world.network,
        },
    )
    assert response.status_code == 302
    network = db.session.get(Organisation, world.network)
    bh = db.session.get(Organisation, world.bh)
    finance = db.session.get(Organisation, world.bh_finance)
    assert bh.path == f"{network.path}{bh.id}/"
    assert finance.path == f"{bh.path}{finance.id}/"
    # The state reviewer no longer covers the moved city.
    reviewer = db.session.get(User, world.reviewer_mg)
    assert not policy.can_act_on(reviewer, Role.REVIEWER, finance)


def test_an_organisation_cannot_move_below_itself(client, world):
    _admin(client, world)
    response = client.submit(
        f"/admin/organisations/{world.state}",
        {"name": "Minas Gerais", "slug": "minas-gerais", "kind": "state", "parent": world.bh},
    )
    assert response.status_code == 200
    assert db.session.get(Organisation, world.state).parent_id == world.network


def test_edit_user_and_deactivate(client, world):
    _admin(client, world)
    response = client.submit(
        f"/admin/users/{world.official_cdmx}",
        {
            "name": "Guadalupe H. Ruiz",
            "organisation": world.cdmx_culture,
            "job_title": "Jefa",
            "locale": "fr",
        },
    )
    assert response.status_code == 302
    user = db.session.get(User, world.official_cdmx)
    assert (user.name, user.organisation_id, user.locale, user.is_active_account) == (
        "Guadalupe H. Ruiz",
        world.cdmx_culture,
        "fr",
        False,
    )


def test_admin_cannot_deactivate_themself(client, world):
    _admin(client, world)
    response = client.submit(
        f"/admin/users/{world.admin}",
        {"name": "Ana Admin", "organisation": world.network, "locale": "es"},
    )
    assert response.status_code == 200
    assert db.session.get(User, world.admin).is_active_account


def test_grant_and_revoke_roles(client, world):
    _admin(client, world)
    response = client.submit(
        f"/admin/users/{world.official_cdmx}/roles",
        {"role": "reviewer", "organisation": world.cdmx_finance},
    )
    assert response.status_code == 302
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == world.official_cdmx)
    )
    assert (membership.role, membership.organisation_id) == ("reviewer", world.cdmx_finance)
    # Granting the same role twice keeps one membership.
    client.submit(
        f"/admin/users/{world.official_cdmx}/roles",
        {"role": "reviewer", "organisation": world.cdmx_finance},
    )
    assert (
        len(
            db.session.scalars(
                select(Membership).where(Membership.user_id == world.official_cdmx)
            ).all()
        )
        == 1
    )
    membership_id = membership.id
    assert client.submit(f"/admin/memberships/{membership_id}/revoke").status_code == 302
    assert db.session.get(Membership, membership_id) is None


def test_official_is_not_a_grantable_role(client, world):
    _admin(client, world)
    response = client.submit(
        f"/admin/users/{world.official_cdmx}/roles",
        {"role": "official", "organisation": world.cdmx},
    )
    assert response.status_code == 400


def test_admin_cannot_remove_own_last_admin_role(client, world):
    _admin(client, world)
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == world.admin, Membership.role == "admin")
    )
    response = client.submit(f"/admin/memberships/{membership.id}/revoke")
    assert response.status_code == 302
    assert db.session.get(Membership, membership.id) is not None


def test_organisation_list_shows_headcounts(client, world):
    _admin(client, world)
    html = client.get("/admin/organisations").get_data(as_text=True)
    assert "Ciudad de México › Secretaría de Finanzas" in html


def test_user_list_pages_and_searches(app, client, world):
    app.config["PAGE_SIZE"] = 3
    _admin(client, world)
    first = client.get("/admin/users").get_data(as_text=True)
    assert 'rel="next"' in first
    found = client.get("/admin/users?q=gonçalves").get_data(as_text=True)
    assert "official.bh@test.example" in found
    assert "official.cdmx@test.example" not in found[found.index("<tbody>") :]
    assert client.get("/admin/users?page=999").status_code == 200


def test_cli_creates_organisation_and_admin(runner, app):
    result = runner.invoke(
        args=[
            "users",
            "create-organisation",
            "--name",
            "Red AL-LAs",
            "--slug",
            "alla",
            "--kind",
            "network",
        ]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "Root@Example.org",
            "--name",
            "Root",
            "--organisation",
            "alla",
            "--role",
            "admin",
            "--password",
            "a-long-password",
        ]
    )
    assert result.exit_code == 0, result.output
    user = services.find_user_by_email("root@example.org")
    assert policy.is_network_admin(user)
    again = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "root@example.org",
            "--name",
            "Root",
            "--organisation",
            "alla",
            "--password",
            "a-long-password",
        ]
    )
    assert again.exit_code != 0
    assert "already exists" in again.output
