"""The course-package reader: any file content gives a package or `path:line: message`
problems; the TOML and Markdown it reads never hang it or blow its stack; over HTTP, a
package upload never fails and a refused one writes nothing."""

from __future__ import annotations

import io
import re
import shutil
import time
import tomllib

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from app.catalog import package as pkg
from tests.conftest import TINY
from tests.fuzz.conftest import (
    FUNCTION,
    HTTP,
    encodings,
    nasty_text,
    row_counts,
    zip_folder,
    zip_of,
)

TOML_BITS = [
    "[",
    "]",
    "[[",
    "]]",
    "{",
    "}",
    "=",
    " = ",
    ".",
    ",",
    '"',
    "'",
    '"""',
    "'''",
    "#",
    "\n",
    "\r\n",
    "\\",
    "title",
    "minutes",
    "slug",
    "hours",
    "quiz",
    "draw",
    "tiny",
    "1",
    "-1",
    "0",
    "1.5",
    "1e400",
    "inf",
    "nan",
    "true",
    "1979-05-27T07:32:00Z",
    "0x7fffffffffffffff",
    "99999999999999999999",
    "é",
    "\x00",
    "\ufeff",
]
toml_text = st.lists(st.sampled_from(TOML_BITS) | st.text(max_size=3), max_size=40).map("".join)

MARKDOWN_BITS = [
    ">",
    "> ",
    "- ",
    "* ",
    "1. ",
    "    ",
    "#",
    "`",
    "```",
    "*",
    "_",
    "[",
    "]",
    "(",
    ")",
    "![",
    "](",
    "<div>",
    "</div>",
    "<b>",
    "</p>",
    "<!--",
    "-->",
    "<",
    ">",
    "&#",
    ";",
    "|",
    "---",
    "\n",
    "\n\n",
    "\r",
    "http://example.org",
    "javascript:alert(1)",
    "../../media/dot.png",
    "02-second.md",
    "../../../x",
    "/etc/passwd",
    "\x00",
    "\u202e",
]
markdown = st.lists(st.sampled_from(MARKDOWN_BITS) | st.text(max_size=3), max_size=60).map("".join)
FRONT = '+++\ntitle = "Hostil"\nminutes = 5\n+++\n\n'

#: Which file of the tiny package each example rewrites, and what it writes there.
TARGETS = {
    "course.toml": toml_text,
    "es/edition.toml": toml_text,
    "es/01-start/module.toml": toml_text,
    "es/01-start/01-first.md": st.one_of(markdown.map(FRONT.__add__), toml_text, markdown),
    "es/01-start/quiz.gift": nasty_text,
}
file_contents = st.one_of(
    st.sampled_from(sorted(TARGETS)).flatmap(
        lambda name: st.tuples(st.just(name), encodings(TARGETS[name]))
    ),
    st.tuples(st.just("media/dot.png"), st.binary(max_size=100)),
)

PROBLEM = re.compile(r"^tiny(/[^\n]*)?:(\d+): \S")


def check_read(folder, name: str, data: bytes) -> pkg.Package | None:
    (folder / name).write_bytes(data)
    package, problems = pkg.read_package(folder, "tiny")
    if package is not None:
        assert problems == []
        return package
    assert problems, "refused without a reason"
    lines = data.count(b"\n") + data.count(b"\r") + 2
    for problem in problems:
        shown = str(problem)
        match = PROBLEM.match(shown)
        assert match, shown
        assert 1 <= problem.line <= max(lines, 40), shown  # 40: the other files' own lines
    return None


@FUNCTION
@given(file_contents)
def test_any_file_content_reads_or_is_located(tmp_path_factory, file):
    folder = shutil.copytree(TINY, tmp_path_factory.mktemp("pkg") / "tiny")
    check_read(folder, *file)


def _outcome(parse, text):
    """What parse(text) gives: ("ok", value) or ("error", message)."""
    try:
        return "ok", parse(text)
    except tomllib.TOMLDecodeError as error:
        return "error", str(error)
    except (ValueError, RecursionError) as error:  # what parse_toml exists to turn into
        return "crash", repr(error)  # a TOMLDecodeError


@FUNCTION
@given(toml_text)
def test_parse_toml_agrees_with_tomllib_or_refuses_deep_nesting(text):
    expected, got = _outcome(tomllib.loads, text), _outcome(pkg.parse_toml, text)
    if got[0] == "ok":
        assert got == expected
        return
    assert got[0] == "error", got
    assert re.search(r"\(at (line \d+, column \d+|end of document)\)$", got[1]), got[1]
    if expected[0] == "ok":  # refused what tomllib reads: only for extreme shapes
        assert "nested more than" in got[1] or "dotted key" in got[1], got[1]


@FUNCTION
@given(markdown)
def test_render_lesson_gives_sanitised_html(body):
    html = pkg.render_lesson(body, "es/01-start/01-first.md", lambda target: "/x").lower()
    assert "<script" not in html
    assert not re.search(r"""(href|src)=["']?\s*javascript:""", html), html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a = " + "[" * 100_000 + "]" * 100_000, "nested more than 32 levels deep"),
        ("a = " + "{b = " * 10_000 + "1" + "}" * 10_000, "nested more than 32 levels deep"),
        (".".join(["a"] * 100_000) + " = 1", "a dotted key of more than 32 parts"),
        ("[" + ".".join(["a"] * 100_000) + "]", "a dotted key of more than 32 parts"),
        ("\n\nn = " + "9" * 100_000, "a number with too many digits (at line 3"),
    ],
    ids=["arrays", "inline-tables", "dotted-key", "table-header", "huge-number"],
)
def test_hostile_toml_is_refused_at_once(text, message):
    """Regressions: tomllib recursed until RecursionError, spent quadratic time and memory
    on long dotted keys (a 200 KB key exhausted memory), and raised a bare ValueError."""
    start = time.process_time()
    with pytest.raises(tomllib.TOMLDecodeError, match=re.escape(message)):
        pkg.parse_toml(text)
    assert time.process_time() - start < 1


def test_strings_and_comments_do_not_count_as_nesting():
    text = 'title = "' + "[{." * 1000 + '"\n# ' + "[" * 1000 + "\nx = '''\n" + "{" * 100 + "'''\n"
    assert pkg.parse_toml(text)["title"].startswith("[{.")


# Over HTTP ----------------------------------------------------------------------------------


@HTTP
@given(file_contents)
def test_package_uploads_never_fail_and_refusals_write_nothing(client, world, no_rate_limits, file):
    name, data = file
    files = zip_folder(TINY, "tiny")
    files[f"tiny/{name}"] = data
    client.login(world.trainer_email)
    before = row_counts()
    response = client.submit(
        "/author/",
        {"package": (io.BytesIO(zip_of(files)), "course.zip")},
        content_type="multipart/form-data",
    )
    event(f"HTTP {response.status_code}")
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert row_counts() == before
        assert "tiny/" in response.get_data(as_text=True) or "course.toml" in response.get_data(
            as_text=True
        )


COURSE = (TINY / "course.toml").read_text()
LESSON = (TINY / "es/01-start/01-first.md").read_text()
MODULE = (TINY / "es/01-start/module.toml").read_text()


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("course.toml", COURSE.replace("hours = 1", "hours = inf"), '"hours" must be a positive'),
        ("course.toml", COURSE.replace("hours = 1", "hours = nan"), '"hours" must be a positive'),
        ("course.toml", COURSE.replace("hours = 1", "hours = 1e300"), '"hours" must be at most'),
        (
            "course.toml",
            COURSE.replace("hours = 1", "hours = 1\ncertificate_validity_months = 99999999999"),
            '"certificate_validity_months" must be at most 1200',
        ),
        (
            "es/01-start/01-first.md",
            LESSON.replace("minutes = 5", "minutes = 3000000000"),
            'front matter: "minutes" must be at most 10000',
        ),
        (
            "es/01-start/module.toml",
            MODULE + "\n[quiz]\nattempts = 9223372036854775807\n",
            '"quiz.attempts" must be at most 10000',
        ),
        ("es/edition.toml", 'title = "T"\nsummary = "unclosed', "es/edition.toml:2: TOML"),
    ],
    ids=["inf", "nan", "huge-hours", "validity", "minutes", "attempts", "end-of-document"],
)
def test_numbers_past_what_the_database_holds_are_refused(tmp_path, name, text, expected):
    """Regression: these were accepted, then failed on storing (an int column, NaN on
    SQLite) or on date arithmetic. A TOML error at the end of a file said line 1."""
    assert "hours = 1" in COURSE and "minutes = 5" in LESSON
    folder = shutil.copytree(TINY, tmp_path / "tiny")
    (folder / name).write_text(text)
    package, problems = pkg.read_package(folder, "tiny")
    assert package is None
    assert any(expected in str(p) for p in problems), [str(p) for p in problems]


def test_a_preview_of_deeply_nested_html_shows_it_as_text_at_once():
    body = "Intro\n\n" + "<div>" * 50_000 + "x"
    start = time.process_time()
    html = pkg.render_lesson(body, "es/01-start/01-first.md", lambda target: "/x")
    assert time.process_time() - start < 2
    assert "&lt;div&gt;" in html and "<div>" not in html
