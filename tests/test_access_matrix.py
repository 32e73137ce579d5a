"""The authorisation matrix: every route in the URL map, every method it accepts, every role,
with objects of the caller's own city and of a sibling city.

Nothing here lists the routes: they come from the URL map, so a route added later is called
automatically, and one without a rule in app/access.py fails test_every_route_has_a_rule.
The expectations come from this file's own picture of the world below (who holds which role
over which city), not from app/access.py, so a wrong rule there shows up as a failure here.

City A is Belo Horizonte, inside the state of Minas Gerais; city B is Mexico City, its
sibling in the network. Every city-owned object (a person, an organisation, a membership,
an assignment, a quiz attempt, a certificate) exists in both, and each request that takes
one is made once with A's and once with B's.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from flask import url_for
from sqlalchemy import select

from app import access
from app.accounts import services as accounts
from app.accounts.models import Membership, Organisation, Role, User
from app.authoring import banks, drafts
from app.authoring.models import CourseAuthor
from app.catalog.models import MediaFile
from app.certificates import keys
from app.certificates.models import Certificate
from app.extensions import db
from app.learning import assignments
from app.learning.models import Enrolment
from app.quizzes.models import QuizAttempt
from tests.certificates.conftest import complete_tiny
from tests.conftest import PASSWORD

A, B = "A", "B"


@dataclass
class Caller:
    email: str | None
    #: What the caller is, in app/access.py's terms, written out here independently.
    is_: set = field(default_factory=set)
    reviews: set = field(default_factory=set)  # cities in the caller's reviewer subtree
    administers: set = field(default_factory=set)  # cities in the caller's admin subtree
    own_city: str | None = None  # the city whose official the caller is
    author: str | None = None  # "owner" or "coauthor" of the tiny course
    network_admin: bool = False


ROLES = {
    "anonymous": Caller(None, {"anyone"}),
    "official": Caller("official.bh@test.example", {"anyone", "signed in"}, own_city=A),
    "trainer": Caller("trainer@test.example", {"anyone", "signed in", "trainer"}, author="owner"),
    "coauthor": Caller(
        "coautora@test.example", {"anyone", "signed in", "trainer"}, author="coauthor"
    ),
    "reviewer_a": Caller(
        "reviewer.bh@test.example", {"anyone", "signed in", "reviewer"}, reviews={A}
    ),
    "reviewer_b": Caller(
        "reviewer.cdmx@test.example", {"anyone", "signed in", "reviewer"}, reviews={B}
    ),
    "reviewer_parent": Caller(
        "reviewer.mg@test.example", {"anyone", "signed in", "reviewer"}, reviews={A}
    ),
    "admin_b": Caller(
        "admin.cdmx@test.example",
        {"anyone", "signed in", "trainer", "reviewer", "admin"},
        reviews={B},
        administers={B},
    ),
    "admin": Caller(
        "admin@test.example",
        {"anyone", "signed in", "trainer", "reviewer", "admin", "network admin"},
        reviews={A, B},
        administers={A, B},
        network_admin=True,
    ),
}

#: Arguments naming an object that belongs to a city; the URL is built once per city.
CITY_ARGS = {"user_id", "org_id", "membership_id", "assignment_id", "attempt_id", "code"}

#: Requests that destroy what later requests use run last, in this order.
LAST = [
    "drafts.delete_question",
    "drafts.delete",
    "drafts.publish",
    "drafts.discard",
    "drafts.restore",
    "author.remove_author",
    "assignments.delete_assignment",
    "admin.revoke_role",
    "course.withdraw",
    "accounts.logout",
]

#: Allowed callers may still get these for a state the world lacks: withdrawing from a
#: course one is not enrolled in is a conflict (409); only those enrolled start its quizzes.
EXPECTED_REFUSALS = {
    ("course.withdraw", "POST"): {409},
    ("quiz.start_quiz", "POST"): {403},
    ("quiz.start_final", "POST"): {403},
}


@pytest.fixture
def estate(app, world, tiny):
    """The world, plus in each city: an official who finished the tiny course (attempts and a
    certificate), an assignment and a reviewer's membership; a co-author; an open draft."""
    network = db.session.get(Organisation, world.network)
    coauthor = accounts.create_user(
        "coautora@test.example", "Carla Coautora", network, password=PASSWORD
    )
    accounts.grant_role(coauthor, Role.TRAINER, network)
    course = tiny.course
    db.session.add(CourseAuthor(course_id=course.id, user_id=world.trainer, role="owner"))
    db.session.add(CourseAuthor(course_id=course.id, user_id=coauthor.id, role="coauthor"))
    db.session.commit()
    for email in (world.official_bh_email, world.official_cdmx_email):
        complete_tiny(app.test_client(), email, tiny)
    trainer = db.session.get(User, world.trainer)
    draft = drafts.open_draft(trainer, course)
    db.session.commit()
    ids = {}
    for city, official, reviewer, org in (
        (A, world.official_bh, world.reviewer_bh, world.bh),
        (B, world.official_cdmx, world.reviewer_cdmx, world.cdmx),
    ):
        reviewer_user = db.session.get(User, reviewer)
        assignment = assignments.create(
            reviewer_user, course, db.session.get(Organisation, org), due_days=30
        )
        db.session.commit()
        ids[city] = {
            "user_id": official,
            "org_id": org,
            "membership_id": db.session.scalar(
                select(Membership.id).where(Membership.user_id == reviewer)
            ),
            "assignment_id": assignment.id,
            "attempt_id": db.session.scalar(
                select(QuizAttempt.id)
                .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
                .where(Enrolment.user_id == official)
                .limit(1)
            ),
            "code": db.session.scalar(
                select(Certificate.code).where(Certificate.user_id == official)
            ),
        }
    assert all(all(v is not None for v in city.values()) for city in ids.values()), ids
    edition = tiny.version.editions[0]
    module = edition.modules[0]
    draft_module = draft.editions[0].modules[0]
    common = {
        "slug": "tiny",
        "token": "not-a-real-token",
        "filename": "aula.css",
        "sha256": db.session.scalar(select(MediaFile.sha256)),
        "name": "dot.png",
        "kid": keys.signing_key(keys.ED25519).kid,
        "fmt": "csv",
        "number": 1,
        "index": 0,
        "kind": "modules",
        "page": "reviewer",
    }
    # The same argument name means different things in different blueprints.
    by_blueprint = {
        "drafts": {
            "edition_id": draft.editions[0].id,
            "module_id": draft_module.id,
            "lesson_id": draft_module.lessons[0].id,
            "row_id": draft_module.id,
            "key": banks.banks(draft)[0].key,
        },
        "teach": {"edition_id": edition.id, "quiz_key": f"m{module.id}"},
        "course": {"lesson_id": module.lessons[0].id},
        "quiz": {"module_id": module.id},
        "author": {"user_id": coauthor.id},
        "certificates": {},
        "reports": {"name": "departments"},
    }
    return {"ids": ids, "common": common, "by_blueprint": by_blueprint, "world": world}


def _requests(app, estate) -> list[tuple[str, str, str, str | None]]:
    """(endpoint, method, url, city) for every route, method and city-owned object."""
    found = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            blueprint = rule.endpoint.split(".", 1)[0]
            values = dict(estate["common"])
            values.update(estate["by_blueprint"].get(blueprint, {}))
            if rule.endpoint.startswith("certificates.issuer"):
                values["slug"] = "alla"
            city_args = (rule.arguments & CITY_ARGS) - set(
                estate["by_blueprint"].get(blueprint, {})
            )
            cities = [A, B] if city_args else [None]
            for city in cities:
                if city:
                    values.update(estate["ids"][city])
                missing = rule.arguments - set(values)
                assert not missing, f"{rule.endpoint}: no value for {missing}; add one above"
                url = url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    found.append((rule.endpoint, method, url, city))

    def order(item):
        endpoint, method, url, city = item
        last = LAST.index(endpoint) if endpoint in LAST else -1
        return (last, method != "GET", endpoint, city or "")

    return sorted(found, key=order)


def _reaches(caller: Caller, scope: access.Scope, city: str | None) -> bool:
    """May the caller reach this city's object under the scope? (Our picture, not the app's.)"""
    if city is None or scope in {access.Scope.NONE, access.Scope.NETWORK}:
        return True
    if scope is access.Scope.SELF:
        return caller.own_city == city
    if scope is access.Scope.HOLDER_OR_REVIEWER:
        return caller.own_city == city or city in caller.reviews
    if scope is access.Scope.REVIEWER_SUBTREE:
        return city in caller.reviews
    if scope is access.Scope.ADMIN_SUBTREE:
        return city in caller.administers
    return True


def _markers(caller: Caller, world) -> tuple[list[str], list[str]]:
    """Text that must never appear for this caller (e-mails), and that must not appear outside
    the public pages (names): the officials of cities outside the caller's reach."""
    officials = {
        A: (world.official_bh_email, "João Gonçalves"),
        B: (world.official_cdmx_email, "Guadalupe Hernández"),
    }
    if caller.author or caller.network_admin:
        return [], []  # trainers grade and analyse across the network; admins see all
    hidden = [c for c in (A, B) if c not in caller.reviews and c != caller.own_city]
    return [officials[c][0] for c in hidden], [officials[c][1] for c in hidden]


@pytest.mark.parametrize("role", list(ROLES))
def test_every_route_by_role_and_city(app, estate, role):
    caller = ROLES[role]
    client = app.test_client()
    if caller.email:
        assert client.login(caller.email).status_code == 302
    never, private = _markers(caller, estate["world"])
    failures = []
    requests = _requests(app, estate)
    assert len({r[0] for r in requests}) >= 100
    for endpoint, method, url, city in requests:
        rule = access.rule_for(endpoint)
        response = client.get(url) if method == "GET" else client.submit(url, {})
        status = response.status_code
        where = (role, endpoint, method, url, status)
        to_login = status == 302 and response.headers["Location"].startswith("/login")
        body = (
            response.get_data(as_text=True)
            if response.mimetype.startswith(("text", "application/json"))
            else ""
        )
        if status >= 500:
            failures.append(("server error", *where))
        elif rule.who is access.Who.LINK:
            if status != 400:  # the token is made up: refused for everyone, signed in or not
                failures.append(("made-up link, wanted 400", *where))
        elif rule.who.value not in caller.is_:
            wanted = "to sign-in" if caller.email is None else "403"
            if (caller.email is None and not to_login) or (caller.email and status != 403):
                failures.append((f"not admitted, wanted {wanted}", *where))
        elif rule.scope is access.Scope.AUTHORS and "slug" in url_args(app, endpoint):
            if caller.author is None and not caller.network_admin:
                if status not in {403, 404}:
                    failures.append(("not an author, wanted 403/404", *where))
            elif status == 404 or to_login:
                failures.append(("author refused", *where))
        elif not _reaches(caller, rule.scope, city):
            if status not in {403, 404}:
                failures.append(("outside reach, wanted 403/404", *where))
        elif to_login or status in {403, 404} - EXPECTED_REFUSALS.get((endpoint, method), set()):
            if status not in EXPECTED_REFUSALS.get((endpoint, method), set()):
                failures.append(("within reach, refused", *where))
        elif method == "GET" and status not in {200, 302}:
            failures.append(("within reach, GET failed", *where))
        for text in never:
            if text in body:
                failures.append((f"shows {text}", *where))
        if rule.who not in {access.Who.ANYONE, access.Who.LINK}:
            for text in private:
                if text in body:
                    failures.append((f"shows {text}", *where))
    assert not failures, "\n".join(map(str, failures))


def url_args(app, endpoint: str) -> set[str]:
    return set().union(*(r.arguments for r in app.url_map.iter_rules(endpoint)))


def test_every_route_has_a_rule(app):
    assert access.unruled(app) == []


def test_a_route_without_a_rule_is_closed(app, world):
    """Deny by default: a view nobody wrote a rule for answers 403 even to an admin."""
    app.add_url_rule("/unruled-test-route", "unruled_test_route", lambda: "open")
    client = app.test_client()
    client.login(world.admin_email)
    assert client.get("/unruled-test-route").status_code == 403
    assert "unruled_test_route" in access.unruled(app)


def test_permissions_document_is_current(app):
    from pathlib import Path

    path = Path(app.root_path).parent / "docs" / "permissions.md"
    assert path.read_text(encoding="utf-8") == access.document(app), (
        "docs/permissions.md is out of date: run python3 -m flask --app app permissions docs"
    )
