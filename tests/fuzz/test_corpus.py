"""Every file of the hostile corpus (tests/fuzz/corpus/, written by make_corpus.py) fed to
its component, then uploaded through its page: the expected outcome, the place named
(entry, row, file:line), in bounded time and memory, never a 500, nothing written when
refused."""

from __future__ import annotations

import bz2
import html
import io
import shutil
import time
import tracemalloc
import zipfile

import pytest
from sqlalchemy import select

from app.accounts.models import Organisation, User
from app.accounts.staff_import import StaffImportError, import_staff
from app.authoring import zipsafe
from app.authoring.models import DraftEdition, DraftModule
from app.catalog import package as pkg
from app.extensions import db
from app.quizzes import gift
from tests.conftest import TINY
from tests.fuzz.conftest import CORPUS, row_counts, zip_folder, zip_of
from tests.fuzz.make_corpus import corpus

#: Seconds of this process's CPU (process_time): neither a busy machine nor the other test
#: workers count. Generous: the failures these guard against took minutes.
SECONDS = 3
PEAK_BYTES = 32 * 1024 * 1024  # the bombs unpack to 64 MiB to 1.4 GiB


def test_the_committed_corpus_is_what_the_script_writes():
    written = {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()}
    # All but the bzip2 bomb, whose 1 GiB takes seconds to compress: its directory and
    # its first megabyte are checked instead.
    bomb = (CORPUS / "zip" / "bomb-bzip2-1gib.zip").read_bytes()
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        (info,) = archive.infolist()
        assert (info.filename, info.file_size) == ("tiny/course.toml", 1024**3)
        assert info.compress_type == zipfile.ZIP_BZIP2 and info.compress_size < 1000
    # Its data, right after the 30-byte local header and the name, starts with zeros.
    start = 30 + len(info.filename)
    packed = bomb[start : start + info.compress_size]
    assert bz2.BZ2Decompressor().decompress(packed, max_length=1024 * 1024) == bytes(1024 * 1024)
    expected = corpus(bomb)
    assert written - {"README.md"} == set(expected)
    for name, data in expected.items():
        assert (CORPUS / name).read_bytes() == data, f"{name}: run tests/fuzz/make_corpus.py"
        assert len(data) < 100_000


def _english(user_id: int) -> None:
    """Pages in English, so the checks read the messages whatever the translations hold."""
    db.session.get(User, user_id).locale = "en"
    db.session.commit()


def _page(response) -> str:
    return html.unescape(response.get_data(as_text=True))


class Bounded:
    """CPU time and peak Python memory of a block."""

    def __enter__(self):
        tracemalloc.start()
        self.start = time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.process_time() - self.start
        self.peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert self.seconds < SECONDS, f"took {self.seconds:.1f} s"
        assert self.peak < PEAK_BYTES, f"peak {self.peak // 1024} KiB"


# Archives -----------------------------------------------------------------------------------

ARCHIVES = {
    "bomb-bzip2-1gib.zip": [
        "tiny/course.toml: compressed with a method that cannot be read",
        "tiny/course.toml: expands more than a course file can",
        "1073741824 bytes once unpacked; at most 104857600",
    ],
    "bomb-bzip2-lying-size.zip": ["tiny/course.toml: compressed with a method that cannot be read"],
    "bomb-deflate-64mib.zip": ["tiny/course.toml: expands more than a course file can"],
    "bomb-lying-size.zip": ["tiny/course.toml: cannot be unpacked: the archive is damaged"],
    "bomb-overlapping.zip": [
        "tiny/m/1: expands more than a course file can",
        "1468006400 bytes once unpacked; at most 104857600",
    ],
    "path-traversal.zip": [
        "../escape.txt: a path that leaves the package (..)",
        "tiny/../../etc/cron.d/x: a path that leaves the package (..)",
        "/etc/passwd: an absolute path",
        "C:/Windows/win.ini: an absolute path",
        "tiny\\media\\back.png: a backslash or NUL in a name",
    ],
    "symlink.zip": ["tiny/media/passwd.png: a symbolic link or special file"],
    "bad-names.zip": [
        "tiny/media/bell?.png: a control character in a name",
        f"{zipsafe._shown('tiny/media/' + 'n' * 300 + '.png')}: a name too long for a file system",
        "tiny/es/01-start/01-first.md: appears twice in the archive",
        "tiny/media/dot.png: is both a file and a folder",
    ],
    "damaged-crc.zip": ["tiny/course.toml: cannot be unpacked: the archive is damaged"],
    "unknown-method.zip": ["tiny/course.toml: compressed with a method that cannot be read"],
    "truncated.zip": ["not a readable .zip file"],
    "not-a-zip.zip": ["not a readable .zip file"],
    # Unpacks; the package reader refuses what it holds.
    "nested-zip.zip": ['tiny/media/inner.zip:1: file type ".zip" is not allowed in media/'],
}


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_archives_are_refused_quickly_and_by_name(app, tmp_path, name):
    data = (CORPUS / "zip" / name).read_bytes()
    with app.test_request_context(headers={"Accept-Language": "en"}), Bounded():
        folder, problems = zipsafe.extract(io.BytesIO(data), tmp_path)
        shown = [str(p) for p in problems]
        if folder is not None:
            shown = [str(p) for p in pkg.read_package(folder, "tiny")[1]]
    for expected in ARCHIVES[name]:
        assert expected in shown, shown


@pytest.mark.parametrize("name", sorted(ARCHIVES))
def test_archives_uploaded_are_refused_and_write_nothing(client, world, no_rate_limits, name):
    _english(world.trainer)
    client.login(world.trainer_email)
    data = (CORPUS / "zip" / name).read_bytes()
    before = row_counts()
    with Bounded():
        response = client.submit(
            "/author/",
            {"package": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
    assert response.status_code == 400
    assert row_counts() == before
    page = _page(response)
    for expected in ARCHIVES[name]:
        assert expected in page


def test_a_package_named_like_the_unpacking_folder_imports(client, world, no_rate_limits):
    """Regression: a package in a folder whose course.toml says slug = "unpacked" was
    renamed onto the folder it was unpacked into (a 500)."""
    files = {
        name.replace("tiny/", "any-name/", 1): data
        for name, data in zip_folder(TINY, "tiny").items()
    }
    toml = files["any-name/course.toml"].decode().replace('"tiny"', '"unpacked"')
    files["any-name/course.toml"] = toml.encode()
    client.login(world.trainer_email)
    response = client.submit(
        "/author/",
        {"package": (io.BytesIO(zip_of(files)), "p.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    assert response.location.endswith("/author/unpacked")


# Files inside a package ---------------------------------------------------------------------

#: corpus file: (where it goes in the tiny package, text on the line named, message);
#: a message of None means the package reads and imports.
PACKAGED = {
    "toml/deep-arrays.toml": (
        "course.toml",
        "extra = [[[",
        "TOML syntax error: nested more than 32 levels deep",
    ),
    "toml/deep-dotted-key.toml": (
        "course.toml",
        "a.a.a",
        "TOML syntax error: a dotted key of more than 32 parts",
    ),
    "toml/huge-number.toml": (
        "course.toml",
        "extra = 999",
        "TOML syntax error: a number with too many digits",
    ),
    "toml/nul-byte.toml": (
        "course.toml",
        "\x00",
        "a NUL character (byte 0): this is not a text file",
    ),
    "markdown/nested-divs.md": (
        "es/01-start/01-first.md",
        "<div>",
        "HTML elements nested more than 100 deep; close them or use Markdown",
    ),
    "markdown/nul-byte.md": (
        "es/01-start/01-first.md",
        "\x00",
        "a NUL character (byte 0): this is not a text file",
    ),
    "markdown/latin1.md": ("es/01-start/01-first.md", "Lecci", "not UTF-8 text"),
    "markdown/nested-blockquotes.md": ("es/01-start/01-first.md", None, None),
    "markdown/nested-lists.md": ("es/01-start/01-first.md", None, None),
}


def _expected_problem(name: str) -> str | None:
    where, marker, message = PACKAGED[name]
    if message is None:
        return None
    lines = (CORPUS / name).read_bytes().decode("utf-8", "replace").split("\n")
    line = next(n for n, text in enumerate(lines, 1) if marker in text)
    # Before the package is read, course.toml is read alone for its slug: no folder name.
    prefix = "" if where == "course.toml" else "tiny/"
    return f"{prefix}{where}:{line}: {message}"


@pytest.mark.parametrize("name", sorted(PACKAGED))
def test_package_files_are_read_or_located(tmp_path, name):
    folder = shutil.copytree(TINY, tmp_path / "tiny")
    where = PACKAGED[name][0]
    (folder / where).write_bytes((CORPUS / name).read_bytes())
    with Bounded():
        package, problems = pkg.read_package(folder, "tiny")
    expected = _expected_problem(name)
    if expected is None:
        assert problems == [] and package is not None
    else:
        assert f"tiny/{expected.removeprefix('tiny/')}" in [str(p) for p in problems]


@pytest.mark.parametrize("name", sorted(PACKAGED))
def test_package_files_uploaded_import_or_write_nothing(client, world, no_rate_limits, name):
    _english(world.trainer)
    client.login(world.trainer_email)
    files = zip_folder(TINY, "tiny")
    files[f"tiny/{PACKAGED[name][0]}"] = (CORPUS / name).read_bytes()
    before = row_counts()
    with Bounded():
        response = client.submit(
            "/author/",
            # Stored: deflated, a file this repetitive is refused as a zip bomb first.
            {"package": (io.BytesIO(zip_of(files, zipfile.ZIP_STORED)), "tiny.zip")},
            content_type="multipart/form-data",
        )
    expected = _expected_problem(name)
    if expected is None:
        assert response.status_code == 302
        lesson = client.get("/author/tiny")
        assert lesson.status_code == 200
        return
    assert response.status_code == 400
    assert expected in _page(response)
    assert row_counts() == before


# Staff CSV files ----------------------------------------------------------------------------

HUGE_LINE = (
    "email,name,department,job_title,locale\nana@cdmx.example," + "x" * 1_000_000 + ",,,es\n"
).encode()
CSVS = {
    "utf16.csv": None,  # Excel's "Unicode text"
    "latin1.csv": None,  # read as Windows-1252
    "utf16-odd-length.csv": "Row 2: The file cannot be read as text.",
    "nul-bytes.csv": (
        "Row 3, name: Control characters (such as NUL or a line break) are not allowed."
    ),
    "quoted-first-line.csv": "Row 1: The header must be email,name,department,job_title,locale",
    "unclosed-quote.csv": "Row 2: Expected 5 columns, found 2.",
    "huge-line.csv (made by the test)": (
        "Row 2: Malformed CSV: field larger than field limit (131072)"
    ),
    "bom-crlf-semicolons.csv": None,
}


def _csv(name: str) -> bytes:
    return HUGE_LINE if name.startswith("huge-line") else (CORPUS / "csv" / name).read_bytes()


@pytest.mark.parametrize("name", sorted(CSVS))
def test_staff_files_import_or_name_their_row(app, world, name):
    org = db.session.get(Organisation, world.cdmx)
    before = row_counts()
    with app.test_request_context(headers={"Accept-Language": "en"}), Bounded():
        try:
            result, errors = import_staff(_csv(name), org), []
        except StaffImportError as error:
            result, errors = None, [str(e) for e in error.errors]
    if CSVS[name] is None:
        assert result is not None and len(result.created) == 1
        db.session.rollback()
        return
    db.session.rollback()
    assert row_counts() == before
    assert any(e.startswith(CSVS[name]) for e in errors), errors


@pytest.mark.parametrize("name", sorted(CSVS))
def test_staff_files_uploaded_import_or_write_nothing(client, world, no_rate_limits, name):
    _english(world.reviewer_cdmx)
    client.login(world.reviewer_cdmx_email)
    before = row_counts()
    with Bounded():
        response = client.submit(
            "/staff/import",
            {"organisation": world.cdmx, "file": (io.BytesIO(_csv(name)), "staff.csv")},
            content_type="multipart/form-data",
        )
    if CSVS[name] is None:
        assert response.status_code == 302
        return
    assert response.status_code == 400
    assert CSVS[name] in _page(response)
    assert row_counts() == before


# GIFT question banks ------------------------------------------------------------------------

#: corpus file: (line, message) of the problem, or None when the bank is saved.
GIFTS = {
    "deep-braces.gift": (
        1,
        "a second '{': a question has one answer block; write \\{ for a literal brace",
    ),
    "nul-byte.gift": (3, "a NUL character (byte 0)"),
    "latin1.gift": (1, "not UTF-8 text"),
    "utf16.gift": (1, "not UTF-8 text"),
    "tag-comment.gift": None,
    "markup-title.gift": None,
}


def _bank_problems(data: bytes) -> list[tuple[int, str]]:
    """What the bank page checks: UTF-8 first, then the quiz engine's parser."""
    try:
        gift.parse(data)
    except gift.GiftError as error:
        if error.code == "encoding":
            return [(error.line, "not UTF-8 text")]
    return pkg.check_gift(data.decode("utf-8-sig"))


@pytest.mark.parametrize("name", sorted(GIFTS))
def test_gift_files_parse_or_name_their_line(name):
    with Bounded():
        problems = _bank_problems((CORPUS / "gift" / name).read_bytes())
    assert problems == ([GIFTS[name]] if GIFTS[name] else [])


@pytest.mark.parametrize("name", sorted(GIFTS))
def test_gift_files_uploaded_save_or_write_nothing(client, world, no_rate_limits, name):
    _english(world.trainer)
    client.login(world.trainer_email)
    created = client.submit(
        "/author/new",
        {
            "slug": "banco",
            "language": "es",
            "title": "Banco",
            "summary": "Preguntas.",
            "hours": "1",
            "pass_mark": "50",
            "booklet_title": "Cuaderno",
            "booklet_reference": "AL-LAs",
        },
    )
    assert created.status_code == 302
    edition = db.session.scalar(select(DraftEdition.id))
    client.submit(f"/author/banco/draft/editions/{edition}/modules", {"module-title": "M"})
    module = db.session.scalar(select(DraftModule))
    before = row_counts()
    with Bounded():
        response = client.submit(
            f"/author/banco/draft/quizzes/m{module.id}",
            {
                "revision": module.revision,
                "grading": "highest",
                "feedback": "after_attempt",
                "upload": (io.BytesIO((CORPUS / "gift" / name).read_bytes()), name),
            },
            content_type="multipart/form-data",
        )
    if GIFTS[name] is None:
        assert response.status_code == 302
        assert db.session.scalar(select(DraftModule.quiz))
        return
    assert response.status_code == 400
    line, message = GIFTS[name]
    assert f"Line {line}: {message}" in _page(response)
    assert row_counts() == before
    assert db.session.scalar(select(DraftModule.quiz)) is None


def test_corpus_readme_lists_every_file():
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    for path in CORPUS.rglob("*"):
        if path.is_file() and path.name != "README.md":
            assert f"`{path.name}`" in readme, path
