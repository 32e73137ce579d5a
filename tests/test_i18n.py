"""Catalogues complete and compiled; locale chosen from profile, switcher, browser, else es."""

import re
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from app.accounts.models import User
from app.extensions import db
from app.translate import extract

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ["es", "pt_BR", "fr"]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _ids(message) -> tuple:
    return message.id if isinstance(message.id, tuple | list) else (message.id,)


def _strings(message) -> tuple:
    return tuple(message.string) if isinstance(message.string, tuple | list) else (message.string,)


def test_template_matches_the_code(tmp_path):
    """messages.pot holds exactly the strings the code marks (run `flask translate update`)."""
    fresh = tmp_path / "fresh.pot"
    extract(fresh)
    with fresh.open("rb") as f:
        code_ids = {_ids(m) for m in read_po(f) if m.id}
    with (ROOT / "translations" / "messages.pot").open("rb") as f:
        pot_ids = {_ids(m) for m in read_po(f) if m.id}
    assert code_ids == pot_ids


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete(locale):
    with (ROOT / "translations" / "messages.pot").open("rb") as f:
        wanted = {_ids(m) for m in read_po(f) if m.id}
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    have = {_ids(m): m for m in catalogue if m.id}
    assert wanted <= set(have), f"untranslated: {sorted(wanted - set(have))[:5]}"
    for ids, message in have.items():
        assert not message.fuzzy, ids
        strings = _strings(message)
        assert all(strings), f"empty translation for {ids[0]!r}"
        expected = set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) == expected, (ids[0], text)


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_is_there_and_up_to_date(locale):
    """The .mo files are committed, so a fresh clone serves translated pages at once."""
    folder = ROOT / "translations" / locale / "LC_MESSAGES"
    with (folder / "messages.po").open("rb") as f:
        po = {_ids(m)[0]: _strings(m) for m in read_po(f) if m.id}
    with (folder / "messages.mo").open("rb") as f:
        mo = {_ids(m)[0]: _strings(m) for m in read_mo(f) if m.id}
    assert po == mo, "run `flask translate compile`"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("pt-BR,pt;q=0.9", "pt-BR"),
        ("pt", "pt-BR"),
        ("fr-CA", "fr"),
        ("en-GB,en;q=0.8", "en"),
        ("de-DE", "es"),
        ("", "es"),
    ],
)
def test_locale_from_browser_else_spanish(client, header, expected):
    html = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'<html lang="{expected}">' in html


def test_switcher_choice_beats_the_browser_for_visitors(client):
    response = client.submit("/language", {"locale": "fr", "next": "/login"})
    assert response.headers["Location"] == "/login"
    html = client.get("/login", headers={"Accept-Language": "pt-BR"}).get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Se connecter" in html


def test_switcher_ignores_unknown_locale_and_foreign_next(client):
    response = client.submit("/language", {"locale": "xx", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"
    assert '<html lang="es">' in client.get("/").get_data(as_text=True)


def test_profile_locale_beats_the_browser_and_switcher_saves_it(client, world):
    client.login(world.official_bh_email)
    html = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="pt-BR">' in html
    client.submit("/language", {"locale": "en", "next": "/"})
    assert db.session.get(User, world.official_bh).locale == "en"
    assert '<html lang="en">' in client.get("/", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )


@pytest.mark.parametrize(
    ("locale", "sign_in"),
    [("es", "Iniciar sesión"), ("pt-BR", "Entrar"), ("fr", "Se connecter"), ("en", "Sign in")],
)
def test_login_page_in_each_language(client, locale, sign_in):
    html = client.get("/login", headers={"Accept-Language": locale}).get_data(as_text=True)
    assert f"<h1>{sign_in}</h1>" in html


def test_numbers_are_formatted_for_the_locale(app):
    from flask_babel import force_locale, format_decimal

    with app.test_request_context(), force_locale("pt_BR"):
        assert format_decimal(12345) == "12.345"
    with app.test_request_context(), force_locale("en"):
        assert format_decimal(12345) == "12,345"


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("es", "AL-LAs es una alianza"),
        ("pt-BR", "A AL-LAs é uma aliança"),
        ("fr", "AL-LAs est une alliance"),
    ],
)
def test_multiline_trans_blocks_are_translated(client, locale, text):
    html = client.get("/", headers={"Accept-Language": locale}).get_data(as_text=True)
    assert "Euro-Latin American alliance" not in html
    assert text in html
