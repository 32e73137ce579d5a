"""Every state-changing route refuses a request without a valid CSRF token, and changes nothing.

The routes come from the URL map, so a route added later is covered without editing this file.
Flask-WTF's CSRFProtect checks the token before the view runs: the answer is the CSRF page
whatever the ids in the URL, for signed-in and anonymous visitors alike.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug.routing.converters import AnyConverter, IntegerConverter

from app.accounts import services
from app.accounts.models import Membership, User
from app.extensions import csrf, db
from app.quizzes.models import QuizAttempt
from tests.conftest import csrf_token_for
from tests.security.conftest import changed_tables, database_snapshot

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
CSRF_MESSAGE = "The form has expired or was sent from elsewhere."

#: endpoint -> why it may skip the CSRF check. Any other exemption fails the suite.
EXEMPT = {
    "main.healthz": "GET only: load balancers probe it without a session, and it changes nothing",
}


def _state_changing_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.methods & STATE_CHANGING),
        key=lambda rule: rule.rule,
    )


@pytest.fixture
def url_values(client, world, tiny) -> dict:
    """Real ids for the URL arguments: an official's quiz attempt, a membership, a token."""
    client.login(world.official_cdmx_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})
    edition = tiny.version.editions[0]
    module = edition.modules[0]
    client.submit(f"/courses/tiny/modules/{module.id}/quiz/start")
    client.logout()
    attempt = db.session.scalar(select(QuizAttempt))
    official = db.session.get(User, world.official_cdmx)
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == world.reviewer_cdmx)
    )
    return {
        "slug": "tiny",
        "lesson_id": module.lessons[0].id,
        "module_id": module.id,
        "edition_id": edition.id,
        "attempt_id": attempt.id,
        "key": attempt.quiz_key,
        "index": 1,
        "kind": "lessons",
        "row_id": module.lessons[0].id,
        "number": tiny.version.number,
        "user_id": world.official_cdmx,
        "org_id": world.cdmx_finance,
        "membership_id": membership.id,
        "assignment_id": 1,
        "code": "NO-SUCH-CODE",
        "token": services.make_token(official, services.RESET),
    }


def _url_for_rule(app, rule, values: dict, method: str) -> str:
    """The rule's URL with known values, else a dummy its converter accepts; checked by matching."""
    args = {}
    for name in rule.arguments:
        if name in values:
            args[name] = values[name]
            continue
        converter = rule._converters[name]
        if isinstance(converter, AnyConverter):
            args[name] = sorted(converter.items)[0]
        elif isinstance(converter, IntegerConverter):
            args[name] = 1
        else:
            args[name] = "x"
    _domain, path = rule.build(args, append_unknown=False)
    adapter = app.url_map.bind("localhost")
    endpoint, _args = adapter.match(path, method=method)
    assert endpoint == rule.endpoint, f"{path} reaches {endpoint}, not {rule.endpoint}"
    return path


def test_csrf_protection_is_on_for_every_state_changing_method(app):
    assert app.config.get("WTF_CSRF_ENABLED", True)
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True)
    assert set(app.config.get("WTF_CSRF_METHODS") or STATE_CHANGING) >= STATE_CHANGING


def test_no_view_is_exempt_unless_listed(app):
    # Flask-WTF keeps its exemptions as "module.function" names and blueprint names.
    exempt = set()
    for endpoint, view in app.view_functions.items():
        if f"{view.__module__}.{view.__name__}" in csrf._exempt_views:
            exempt.add(endpoint)
        if endpoint.partition(".")[0] in csrf._exempt_blueprints:
            exempt.add(endpoint)
    assert exempt == set(EXEMPT), "every CSRF exemption must be listed in EXEMPT with a reason"
    for endpoint in EXEMPT:
        methods = {m for r in app.url_map.iter_rules(endpoint) for m in r.methods}
        assert not methods & STATE_CHANGING, f"{endpoint} is exempt and changes state"


@pytest.mark.parametrize(
    ("role", "token"),
    [
        ("anonymous", None),
        ("official_cdmx", None),
        ("trainer", None),
        ("admin", None),
        ("admin", "other session"),
        ("admin", "forged"),
    ],
)
def test_every_state_changing_route_refuses_a_request_without_a_valid_token(
    app, client, world, url_values, role, token
):
    if role != "anonymous":
        db.session.get(User, getattr(world, role)).locale = "en"  # pages in the test's language
        db.session.commit()
        assert client.login(getattr(world, f"{role}_email")).status_code == 302
    if token == "other session":
        data = {"csrf_token": csrf_token_for(app.test_client())}
    elif token == "forged":
        data = {"csrf_token": "IjAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDAi.x.y"}
    else:
        data = {}
    rules = _state_changing_rules(app)
    assert len(rules) > 40  # the enumeration found the routes, not an empty map
    before = database_snapshot()
    refused = 0
    for rule in rules:
        for method in sorted(rule.methods & STATE_CHANGING):
            url = _url_for_rule(app, rule, url_values, method)
            response = client.open(
                url, method=method, data=dict(data), headers={"Accept-Language": "en"}
            )
            assert response.status_code == 400, f"{method} {url}: {response.status_code}"
            assert CSRF_MESSAGE in response.get_data(as_text=True), f"{method} {url}"
            refused += 1
    assert refused >= len(rules)
    assert changed_tables(before, database_snapshot()) == []
    with client.session_transaction() as sess:
        assert "locale" not in sess  # the language switch did not run either
    if role != "anonymous":
        # POST /logout was refused too: still signed in.
        assert client.get("/profile").status_code == 200


def test_a_valid_token_is_accepted(client, world):
    """The control: the same kind of request with the session's token goes through."""
    client.login(world.official_cdmx_email)
    response = client.submit("/language", {"locale": "fr", "next": "/profile"})
    assert response.status_code == 302
    assert db.session.get(User, world.official_cdmx).locale == "fr"
