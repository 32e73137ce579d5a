"""Every page each role reaches: no English left in Spanish, Portuguese or French, and no id
used twice (WCAG 1.3.1/4.1.1: a label or a link to a duplicated id reaches the wrong element).

Every page each role reaches (the access matrix's URL map walk, GET only) is fetched with the
caller's profile in each language; a text node, a label-like attribute or an exported CSV
header that equals a msgid of the catalogue whose translation in that language differs is
English the user was not meant to see: a string marked for translation but shown without it
(evaluated before the request chose the language, or passed through untranslated).
Parts marked with a `lang` of their own (course content, the language switcher) are skipped.
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from app.accounts.models import User
from app.extensions import db
from tests.test_access_matrix import ROLES, _requests, estate  # noqa: F401 - estate: fixture

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ["es", "pt_BR", "fr"]
CALLERS = ["official", "trainer", "reviewer_a", "admin"]
ATTRIBUTES = {"title", "aria-label", "placeholder", "alt"}
SPACE = re.compile(r"\s+")


def _untranslated_giveaways(locale: str) -> dict[str, str]:
    """{English text: its translation} for the msgids that read differently in `locale`."""
    with (ROOT / "translations" / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalogue = read_po(f)
    found = {}
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple | list) else (message.id,)
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        for english, translated in zip(ids, strings, strict=False):
            if "%(" in english or not re.search(r"[A-Za-z]{3}", english):
                continue  # texts with values in them never appear verbatim
            if english != translated:
                found[SPACE.sub(" ", english).strip()] = translated
    return found


class _Texts(HTMLParser):
    """Text nodes and label-like attributes outside parts with a language of their own."""

    SKIPPED = {"script", "style", "template"}
    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, skipped)

    def _skipping(self) -> bool:
        return any(skipped for _tag, skipped in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skipped = tag in self.SKIPPED or "lang" in attributes and tag != "html"
        if not self._skipping() and not skipped:
            for name in ATTRIBUTES & set(attributes):
                self.texts.append(attributes[name] or "")
            if tag == "input" and attributes.get("type") in {"submit", "button"}:
                self.texts.append(attributes.get("value") or "")
        if tag not in self.VOID:
            self.stack.append((tag, skipped))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        if not self._skipping():
            self.texts.append(data)


def _texts(response) -> list[str]:
    if response.mimetype == "text/html":
        parser = _Texts()
        parser.feed(response.get_data(as_text=True))
        texts = parser.texts
    elif response.mimetype == "text/csv":
        body = response.get_data(as_text=True).lstrip("\ufeff")
        sample = body.split("\n", 1)[0]
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample else csv.excel
        texts = next(csv.reader(io.StringIO(body), dialect), [])
    else:
        return []
    return [t for t in (SPACE.sub(" ", text).strip() for text in texts) if t]


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("role", CALLERS)
def test_no_english_on_any_page(app, estate, role, locale):  # noqa: F811 - the fixture
    giveaways = _untranslated_giveaways(locale)
    caller = ROLES[role]
    person = db.session.scalar(db.select(User).where(User.email == caller.email))
    person.locale = locale
    db.session.commit()
    client = app.test_client()
    assert client.login(caller.email).status_code == 302
    found = {}
    pages = 0
    for endpoint, method, url, _city in _requests(app, estate):
        if method != "GET" or endpoint in {"accounts.logout"}:
            continue
        response = client.get(url)
        if response.status_code != 200:
            continue
        pages += 1
        for text in _texts(response):
            if text in giveaways:
                found.setdefault(text, url)
    assert pages >= 20, f"only {pages} pages answered {role}"
    assert not found, f"English shown in {locale} to the {role}: " + "; ".join(
        f"{text!r} on {url} (translation: {giveaways[text]!r})" for text, url in found.items()
    )


ID = re.compile(r"""\sid=["']([^"']+)["']""")


@pytest.mark.parametrize("role", CALLERS)
def test_no_id_is_used_twice_on_any_page(app, estate, role):  # noqa: F811 - the fixture
    caller = ROLES[role]
    client = app.test_client()
    assert client.login(caller.email).status_code == 302
    twice = {}
    for endpoint, method, url, _city in _requests(app, estate):
        if method != "GET" or endpoint == "accounts.logout":
            continue
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        ids = ID.findall(response.get_data(as_text=True))
        if repeated := sorted({i for i in ids if ids.count(i) > 1}):
            twice[url] = repeated
    assert not twice, f"ids used twice for the {role}: {twice}"
