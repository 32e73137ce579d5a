"""Every route, called by every role: who gets in, and that no other city's people leak out.

The table below must name every endpoint in the URL map, so a new route without a rule
fails test_every_route_has_a_rule.
"""

import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import Membership, Organisation, User
from app.catalog.models import MediaFile
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
ALL = set(ROLES)
SIGNED_IN = ALL - {"anonymous"}
REVIEWERS = {"reviewer_cdmx", "reviewer_bh", "reviewer_mg", "admin_cdmx", "admin"}
ADMINS = {"admin_cdmx", "admin"}

# endpoint -> (url template using world attributes, roles that get 200)
GET_RULES = {
    "main.index": ("/", ALL),
    "main.healthz": ("/healthz", ALL),
    "accounts.login": ("/login", {"anonymous"}),  # signed-in users are sent on (302)
    "accounts.forgot_password": ("/password/forgot", ALL),
    "accounts.profile": ("/profile", SIGNED_IN),
    "staff.list_staff": ("/staff/", REVIEWERS),
    "staff.invite": ("/staff/invite", REVIEWERS),
    "staff.import_csv": ("/staff/import", REVIEWERS),
    "admin.list_organisations": ("/admin/organisations", ADMINS),
    "admin.new_organisation": ("/admin/organisations/new", ADMINS),
    "admin.list_users": ("/admin/users", ADMINS),
    "admin.edit_organisation": ("/admin/organisations/{cdmx}", ADMINS),
    "admin.edit_user": ("/admin/users/{official_cdmx}", ADMINS),
    "staff.show_person": ("/staff/{official_cdmx}", {"reviewer_cdmx", "admin_cdmx", "admin"}),
    "catalog.list_courses": ("/courses", ALL),
    "catalog.show_course": ("/courses/tiny", ALL),
    "catalog.show_lesson": ("/courses/tiny/lessons/{lesson}", ALL),
    "catalog.print_lesson": ("/courses/tiny/lessons/{lesson}/print", ALL),
    "catalog.media": ("/media/{sha}/dot.png", ALL),
    "learning.my_learning": ("/learning/", SIGNED_IN),
    "teach.list_quizzes": ("/teach/", {"trainer", "admin_cdmx", "admin"}),
    "teach.grading_queue": ("/teach/grading", {"trainer", "admin_cdmx", "admin"}),
    "author.index": ("/author/", {"trainer", "admin_cdmx", "admin"}),
    "drafts.new_course": ("/author/new", {"trainer", "admin_cdmx", "admin"}),
    "assignments.list_assignments": ("/assignments/", REVIEWERS),
    "reports.dashboard": ("/reports/", REVIEWERS),
    "reports.network": ("/reports/network", {"admin"}),  # network administrators only
    "reports.export_table": ("/reports/tables/departments.csv", REVIEWERS),
    "reports.officials": ("/reports/officials", REVIEWERS),
    "reports.officials_csv": ("/reports/officials.csv", REVIEWERS),
    "reports.officials_xlsx": ("/reports/officials.xlsx", REVIEWERS),
    "assignments.new_assignment": ("/assignments/new", REVIEWERS),
    "certificates.my_certificates": ("/certificates/", SIGNED_IN),
    "certificates.manage": ("/certificates/manage", REVIEWERS),
    "certificates.export_zip": ("/certificates/manage/certificates.zip", REVIEWERS),
    "certificates.verify": ("/verify", ALL),
    "certificates.jwks": ("/.well-known/jwks.json", ALL),
    "certificates.status_list": ("/credentials/status", ALL),
    "certificates.issuer_profile": ("/issuers/alla", ALL),
}
# Endpoints reached with tokens or POST only; their rules are tested below by name.
OTHER_RULES = {
    "static",
    "main.set_language",
    "accounts.logout",
    "accounts.reset_password",
    "accounts.accept_invitation",
    "accounts.change_password",
    "admin.grant_role",
    "admin.revoke_role",
    "staff.enrol_person",
    "catalog.mark_done",
    "catalog.enrol",
    "catalog.withdraw",
    "learning.resume",
    "quizzes.show_quiz",
    "quizzes.show_final",
    "quizzes.start_quiz",
    "quizzes.start_final",
    "quizzes.submit",
    "quizzes.show_attempt",
    "quizzes.save",
    "teach.show_analysis",
    "teach.export_analysis",
    "teach.grade_attempt",
    # tests/certificates/test_verification.py, by holder, own and other city's reviewers
    "certificates.verify_code",
    "certificates.credential_json",
    "certificates.credential_jwt",
    "certificates.verify_credential",
    "certificates.issuer_key",
    "certificates.download_pdf",
    "certificates.set_privacy",
    "certificates.revoke",
    # tests/learning/test_assignments.py: own and other city's reviewer
    "assignments.delete_assignment",
    # tests/reports/test_reports.py: own and other city's reviewer, an official
    "reports.transcript",
    "reports.transcript_pdf",
    # tests/catalog/test_authoring.py: owner, co-author, another trainer, an official
    "author.course",
    "author.download",
    "author.add_author",
    "author.remove_author",
}


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    # tests/catalog/test_drafts.py::test_every_authoring_route_by_role walks every drafts.*
    # route from the URL map itself, for every role.
    endpoints = {e for e in endpoints if not e.startswith("drafts.")} | {"drafts.new_course"}
    assert endpoints == set(GET_RULES) | OTHER_RULES


def _table(html: str) -> str:
    return html[html.index("<tbody>") : html.index("</tbody>")]


def _client_for(app, world, role):
    client = app.test_client()
    if role != "anonymous":
        assert client.login(getattr(world, f"{role}_email")).status_code == 302
    return client


@pytest.mark.parametrize("role", ROLES)
def test_get_routes_by_role(app, world, tiny, role):
    client = _client_for(app, world, role)
    values = dict(vars(world))
    values["lesson"] = tiny.version.editions[0].modules[0].lessons[0].id
    values["sha"] = db.session.scalar(select(MediaFile.sha256))
    for endpoint, (template, allowed) in GET_RULES.items():
        url = template.format(**values)
        status = client.get(url).status_code
        if role in allowed:
            assert status == 200, (endpoint, role, status)
        elif role == "anonymous":
            assert status == 302, (endpoint, role, status)
        elif endpoint == "accounts.login":
            assert status == 302, (endpoint, role, status)
        else:
            assert status == 403, (endpoint, role, status)


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
