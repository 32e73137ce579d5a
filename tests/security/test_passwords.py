"""Password rules on every way of setting a password: reset link, invitation, change, CLI.

A refused password shows the reason under the password field, in the person's language,
and changes nothing in the database.
"""

from __future__ import annotations

import ast
import re
import time
from pathlib import Path

import pytest
import zxcvbn
from flask_babel import force_locale
from markupsafe import escape

from app.accounts import passwords, services
from app.accounts.models import User
from app.extensions import db
from tests.conftest import PASSWORD
from tests.security.conftest import changed_tables, database_snapshot

GOOD = "lluvia-sobre-el-zocalo-7"
INVITED_EMAIL = "nueva.persona@test.example"

#: name -> (password, or a function of the person's e-mail; a sentence the reason contains)
WEAK = {
    "too short": ("Sol-de-91", "Use at least 10 characters."),
    "common": ("password1234", "This is a very common password."),
    "keyboard walk": ("1qaz2wsx3edc", "This is a very common password."),
    "repeated": ("aaaaaaaaaaaa", "Repeated characters such as “aaa” are easy to guess."),
    "sequence": ("abcdefghijkl", "Sequences such as “abc” or “6543” are easy to guess."),
    "own address": (
        lambda email: email.split("@")[0] + "2024",
        "It contains your name, your e-mail address",
    ),
    "site word": ("contraseña2024", "a word too common on this site"),
}


def _weak(name: str, email: str) -> tuple[str, str]:
    password, sentence = WEAK[name]
    return (password(email) if callable(password) else password), sentence


def _expected(app, password: str, email: str, name: str, locale: str) -> str:
    """The reason as the page should give it: in the person's language."""
    with app.test_request_context(), force_locale(locale):
        return passwords.password_problem(password, passwords.personal_words(email, name))


def _field_error(html: str, field_id: str) -> str:
    found = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    assert found, f"no error under {field_id}"
    return found.group(1).strip()


def _reset(client, world, password):
    user = db.session.get(User, world.official_cdmx)
    link = f"/password/reset/{services.make_token(user, services.RESET)}"
    data = {"password": password, "confirm": password}
    return client.submit(link, data, headers={"Accept-Language": "es"})


def _invitation(client, world, password):
    user = services.find_user_by_email(INVITED_EMAIL)
    link = f"/invitation/{services.make_token(user, services.INVITE)}"
    data = {"password": password, "confirm": password}
    return client.submit(link, data, headers={"Accept-Language": "es"})


def _change(client, world, password):
    data = {"pw-current_password": PASSWORD, "pw-password": password, "pw-confirm": password}
    return client.submit("/profile/password", data)


FORMS = {
    # name -> (submit, field id, status when refused, whose password)
    "reset link": (_reset, "password", 200, "official_cdmx"),
    "invitation": (_invitation, "password", 200, "invited"),
    "change on profile": (_change, "pw-password", 400, "official_cdmx"),
}


@pytest.fixture
def invited(world):
    org = db.session.get(User, world.official_cdmx).organisation
    services.create_user(INVITED_EMAIL, "Nueva Persona", org)
    db.session.commit()


def _person(world, whose: str) -> tuple[str, str]:
    if whose == "invited":
        return INVITED_EMAIL, "Nueva Persona"
    user = db.session.get(User, getattr(world, whose))
    return user.email, user.name


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("weakness", WEAK)
def test_weak_password_is_refused_under_the_field(app, client, world, invited, form, weakness):
    submit, field_id, status, whose = FORMS[form]
    email, name = _person(world, whose)
    if form == "change on profile":
        client.login(email)
    password, sentence = _weak(weakness, email)
    before = database_snapshot()
    response = submit(client, world, password)
    assert response.status_code == status
    shown = _field_error(response.get_data(as_text=True), field_id)
    expected = _expected(app, password, email, name, "es")
    assert shown == str(escape(expected))
    with app.test_request_context(), force_locale("en"):
        english = passwords.password_problem(password, passwords.personal_words(email, name))
    assert sentence in english
    assert changed_tables(before, database_snapshot()) == []


@pytest.mark.parametrize("form", FORMS)
def test_strong_password_is_accepted(app, client, world, invited, form):
    submit, _field_id, _status, whose = FORMS[form]
    email, _name = _person(world, whose)
    if form == "change on profile":
        client.login(email)
    assert submit(client, world, GOOD).status_code == 302
    assert services.authenticate(email, GOOD) is not None


@pytest.mark.parametrize("weakness", ["too short", "common", "own address"])
def test_cli_refuses_weak_password(app, runner, world, weakness):
    email = "cli.person@test.example"
    password, sentence = _weak(weakness, email)
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            email,
            "--name",
            "Cli Person",
            "--organisation",
            "cdmx",
            "--password",
            password,
        ]
    )
    assert result.exit_code != 0
    assert sentence in result.output
    assert services.find_user_by_email(email) is None


def test_every_zxcvbn_sentence_has_a_translated_counterpart():
    """zxcvbn's feedback is English; each sentence it can give must be mapped to one of ours."""
    source = Path(zxcvbn.__file__).with_name("feedback.py").read_text(encoding="utf-8")
    sentences = {
        node.args[0].value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "_"
        and isinstance(node.args[0], ast.Constant)
    }
    assert len(sentences) > 20
    assert sentences == set(passwords.FEEDBACK)


def test_accents_and_order_of_a_name_do_not_hide_it(app):
    personal = passwords.personal_words("official.cdmx@test.example", "Guadalupe Hernández")
    with app.test_request_context():
        for password in ("guadalupe-hernandez", "Hernández.Guadalupe1", "officialcdmx2024"):
            assert passwords.password_problem(password, personal) is not None, password
        assert passwords.password_problem(GOOD, personal) is None


def test_a_long_password_is_judged_quickly(app):
    long_password = "una frase larga con palabras sueltas " * 6  # 222 characters
    with app.test_request_context():
        started = time.process_time()
        assert passwords.password_problem(long_password[:200]) is None
        assert time.process_time() - started < 2
