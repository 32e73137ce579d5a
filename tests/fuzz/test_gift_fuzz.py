"""The GIFT parser and the question-bank upload: any text parses or raises a GiftError with
its line, in time linear in its size; over HTTP, a bank upload never fails and a refused
one writes nothing. (tests/quizzes/test_gift.py holds the parser's own property tests;
these add hostile shapes and the web route.)"""

from __future__ import annotations

import io
import time

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from sqlalchemy import select

from app.authoring.models import DraftEdition, DraftModule
from app.catalog import package as pkg
from app.extensions import db
from app.quizzes import gift
from tests.fuzz.conftest import FUNCTION, HTTP, NASTY, encodings, row_counts
from tests.quizzes.test_gift import FRAGMENTS, parses_or_is_located

hostile_gift = st.lists(
    st.sampled_from(FRAGMENTS + NASTY + ["[tag:", "[id:", "\\]", "<a", "<", "`", "::", "//"])
    | st.text(max_size=4),
    max_size=60,
).map("".join)
nested_braces = st.integers(1, 300).map(lambda n: "Q " + "{" * n + "=a" + "}" * n)


def _escaped(text: str) -> str:
    for char in "\\{}~=#:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ").replace("\r", " ")


#: Banks that parse: hostile texts, escaped, in every question type; they reach the pages
#: that show and run a quiz.
valid_banks = st.lists(
    st.tuples(
        st.lists(st.sampled_from(NASTY) | st.text(max_size=6), max_size=8).map("".join),
        st.sampled_from(
            [
                "{T}",
                "{FALSE#no#sí}",
                "{=a ~b ~c}",
                "{~%50%a ~%50%b}",
                "{#3:1}",
                "{#1..2}",
                "{=uno =dos}",
                "{=a -> 1 =b -> 2}",
                "{}",
                "",
            ]
        ),
    ).map(lambda q: f"::{_escaped(q[0])[:20]}:: {_escaped(q[0])} {q[1]}"),
    min_size=1,
    max_size=4,
).map("\n\n".join)


@FUNCTION
@given(st.one_of(hostile_gift, nested_braces))
def test_hostile_text_parses_or_is_located(text):
    parses_or_is_located(text)


@FUNCTION
@given(encodings(hostile_gift))
def test_hostile_bytes_parse_or_are_located(data):
    parses_or_is_located(data)


@FUNCTION
@given(hostile_gift)
def test_the_package_check_gives_lines_and_messages(text):
    problems = pkg.check_gift(text)
    lines = text.count("\n") + text.count("\r") + 1
    for line, message in problems:
        assert 1 <= line <= lines and message


comment = st.lists(st.sampled_from(["[tag:", "[id:", "]", "\\]", "\\", "<", ">", "`", "a", " "]))


@FUNCTION
@given(comment.map("".join))
def test_linear_tag_search_finds_what_the_regex_finds(text):
    for pattern, stop in ((gift._TAG_RE, gift._TAG_STOP_RE), (gift._ID_RE, gift._ID_STOP_RE)):
        assert gift._find_all(pattern, stop, text) == pattern.findall(text)


@FUNCTION
@given(st.lists(st.sampled_from(["<", ">", "a", "/", "!", " ", "b"])).map("".join))
def test_linear_markup_strip_removes_what_the_regex_removes(text):
    assert gift._strip_markup(text) == gift._TAG_MARKUP_RE.sub("", text)


@pytest.mark.parametrize(
    "text",
    [
        "// " + "[tag:" * 40_000 + "\nQ {T}",
        "// " + "[id:" * 40_000 + "\nQ {T}",
        "// " + "[tag:a" * 40_000 + "<]\nQ {T}",
        "::" + "<a" * 100_000 + ":: Q {T}",
        "<a" * 100_000 + " {T}",
    ],
    ids=["tags", "ids", "tags-stopped", "markup-in-title", "markup-in-text"],
)
def test_comments_and_titles_take_linear_time(text):
    """Regression: each took minutes (a regex rescanning the line from every "[tag:", "[id:"
    or "<"), in a file small enough to upload."""
    start = time.process_time()
    gift.parse(text)
    assert time.process_time() - start < 2


def test_nul_in_a_bank_is_named_with_its_line():
    assert pkg.check_gift("::Q1:: A {T}\n\n::Q2:: B\x00 {F}\n") == [(3, "a NUL character (byte 0)")]


# Over HTTP ----------------------------------------------------------------------------------


@pytest.fixture
def bank(client, world, no_rate_limits) -> str:
    """A new course in the browser with one module: the URL of its question bank."""
    client.login(world.trainer_email)
    created = client.submit(
        "/author/new",
        {
            "slug": "hostil",
            "language": "es",
            "title": "Curso hostil",
            "summary": "Para probar entradas raras.",
            "hours": "2",
            "pass_mark": "60",
            "booklet_title": "Cuaderno",
            "booklet_reference": "AL-LAs 2014",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    edition = db.session.scalar(select(DraftEdition.id))
    added = client.submit(
        f"/author/hostil/draft/editions/{edition}/modules", {"module-title": "Módulo"}
    )
    assert added.status_code == 302
    module = db.session.scalar(select(DraftModule))
    return f"/author/hostil/draft/quizzes/m{module.id}"


def _revision() -> int:
    return db.session.scalar(select(DraftModule.revision))


@HTTP
@given(
    st.one_of(
        encodings(hostile_gift).map(lambda data: {"upload": (io.BytesIO(data), "bank.gift")}),
        hostile_gift.map(lambda text: {"gift": text}),
        valid_banks.map(lambda text: {"gift": text}),
    )
)
def test_bank_uploads_never_fail_and_refusals_write_nothing(client, bank, fields):
    before = row_counts()
    text_before = db.session.scalar(select(DraftModule.quiz))
    data = {"revision": _revision(), "grading": "highest", "feedback": "after_attempt", **fields}
    response = client.submit(bank, data, content_type="multipart/form-data")
    event(f"HTTP {response.status_code}")
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert row_counts() == before
        assert db.session.scalar(select(DraftModule.quiz)) == text_before
    # Whatever was kept, the pages that show it still work, the trial run included.
    assert client.get(bank).status_code == 200
    assert client.get(f"{bank}/try").status_code in (200, 302, 404)  # 404: no questions


@pytest.mark.parametrize("data", [b" ", b"\t", b"\t \r\n  \n"], ids=["space", "tab", "blanks"])
def test_a_bank_of_blanks_is_saved_empty(client, bank, data):
    """Regression: the page took blanks for an empty bank, the service for a bank with no
    question to answer, and raised (a 500)."""
    response = client.submit(
        bank,
        {
            "revision": _revision(),
            "grading": "highest",
            "feedback": "after_attempt",
            "upload": (io.BytesIO(data), "bank.gift"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert db.session.scalar(select(DraftModule.quiz)) is None
