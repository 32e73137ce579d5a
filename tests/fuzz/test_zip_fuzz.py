"""The course-package upload (.zip): any archive is unpacked or refused with zipsafe's own
problems; nothing lands outside the folder it was given; over HTTP, never a 500 and nothing
written when refused."""

from __future__ import annotations

import io
import stat
import struct
import tempfile
import warnings
import zipfile
import zlib
from pathlib import Path

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from app.authoring import zipsafe
from tests.conftest import TINY
from tests.fuzz.conftest import FUNCTION, HTTP, row_counts, zip_folder, zip_of

GOOD = zip_of(zip_folder(TINY, "tiny"))
GOOD_STORED = zip_of(zip_folder(TINY, "tiny"), zipfile.ZIP_STORED)


def _extract(data: bytes) -> tuple[Path | None, list, list[str]]:
    """Unpack into a folder inside a sandbox; returns what extract said and what the
    sandbox holds outside that folder (which must be nothing)."""
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "dest"
        dest.mkdir()
        folder, problems = zipsafe.extract(io.BytesIO(data), dest)
        outside = [p.name for p in Path(tmp).iterdir() if p != dest]
        relative = folder.relative_to(dest) if folder is not None else None
    return relative, problems, outside


def assert_unpacked_or_refused(data: bytes) -> list[str]:
    folder, problems, outside = _extract(data)
    assert outside == []
    if folder is None:
        assert problems, "refused without a reason"
        shown = [str(p) for p in problems]
        assert all(s.strip() for s in shown)
        return shown
    assert problems == []
    return []


mutations = st.lists(
    st.tuples(st.integers(min_value=0, max_value=len(GOOD) - 1), st.integers(0, 255)),
    min_size=1,
    max_size=8,
)


def _mutate(data: bytes, changes) -> bytes:
    mutable = bytearray(data)
    for index, value in changes:
        mutable[index % len(mutable)] = value
    return bytes(mutable)


@FUNCTION
@given(st.binary(max_size=2000))
def test_any_bytes_are_unpacked_or_refused(data):
    assert_unpacked_or_refused(data)


@FUNCTION
@given(st.sampled_from([GOOD, GOOD_STORED]), mutations, st.integers(0, 5000))
def test_a_damaged_package_is_unpacked_or_refused(source, changes, cut):
    data = _mutate(source, changes)
    assert_unpacked_or_refused(data)
    assert_unpacked_or_refused(data[: len(data) - cut])


NAMES = st.one_of(
    st.sampled_from(
        [
            "",
            ".",
            "./",
            "/",
            "//x",
            "..",
            "../x",
            "tiny/../../x",
            "tiny/./course.toml",
            "C:/x",
            "c:x",
            "tiny\\x",
            "tiny/",
            "tiny",
            "tiny/course.toml",
            "tiny/course.toml/",
            "tiny/course.toml/x",
            "tiny/es/",
            "tiny/es",
            "tiny/" + "a" * 300,
            "tiny/" + "é" * 200,
            "tiny/a\x01b",
            "tiny/new\nline",
            "tiny/" + "d/" * 200 + "f",
            "__MACOSX/._x",
        ]
    ),
    st.text(max_size=30),
)
ENTRY = st.tuples(
    NAMES,
    st.binary(max_size=200),
    st.sampled_from([zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2]),
    st.sampled_from([0, stat.S_IFREG | 0o644, stat.S_IFDIR | 0o755, stat.S_IFLNK | 0o777]),
)


def _archive(entries) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # "Duplicate name": duplicates are wanted here
        for name, data, method, mode in entries:
            info = zipfile.ZipInfo(name or "placeholder")
            info.filename = name  # the constructor refuses no name; an archive may have one
            info.compress_type = method
            info.external_attr = mode << 16
            archive.writestr(info, data)
    return buffer.getvalue()


@FUNCTION
@given(st.lists(ENTRY, max_size=6))
def test_any_entries_are_unpacked_or_refused(entries):
    try:
        data = _archive(entries)
    except (ValueError, IndexError, UnicodeEncodeError):
        return  # zipfile itself would not write this archive
    assert_unpacked_or_refused(data)


# Over HTTP ----------------------------------------------------------------------------------


def _upload(client, data: bytes):
    return client.submit(
        "/author/",
        {"package": (io.BytesIO(data), "course.zip")},
        content_type="multipart/form-data",
    )


@HTTP
@given(
    st.one_of(
        st.binary(max_size=500),
        st.tuples(st.sampled_from([GOOD, GOOD_STORED]), mutations).map(lambda t: _mutate(*t)),
        st.lists(ENTRY, max_size=4).map(_archive),
    )
)
def test_uploads_never_fail_and_refusals_write_nothing(client, world, no_rate_limits, data):
    client.login(world.trainer_email)
    before = row_counts()
    response = _upload(client, data)
    event(f"HTTP {response.status_code}")
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 400:
        assert row_counts() == before


def _raw(name: bytes, data: bytes = b"x", method: int = 0, packed: bytes | None = None) -> bytes:
    """One entry written byte by byte: names and streams zipfile itself would not write."""
    packed = data if packed is None else packed
    crc = zlib.crc32(data)
    local = struct.pack(
        "<IHHHHHIIIHH",
        0x04034B50,
        20,
        0,
        method,
        0,
        0x21,
        crc,
        len(packed),
        len(data),
        len(name),
        0,
    )
    central = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        0x02014B50,
        0x031E,
        20,
        0,
        method,
        0,
        0x21,
        crc,
        len(packed),
        len(data),
        len(name),
        0,
        0,
        0,
        0,
        (stat.S_IFREG | 0o644) << 16,
        0,
    )
    body = local + name + packed
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 1, 1, len(central) + len(name), len(body), 0)
    return body + central + name + end


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (_raw(b""), "an empty name"),
        (_raw(b"."), "an empty name"),
        (_raw(b"tiny/" + b"a" * 300), "a name too long for a file system"),
        (_raw(b"tiny/a\x1bb"), "a control character in a name"),
        (_raw(b"tiny/x", b"a" * 50, 8, b"\xff" * 20), "cannot be unpacked: the archive is damaged"),
        (_raw(b"tiny/x", b"abc", 12, b"BZh9junk"), "compressed with a method that cannot be read"),
        (zip_of({"tiny/a/": b"", "tiny/a": b"x"}), "is both a file and a folder"),
        (zip_of({"tiny/a": b"x", "tiny/a/b": b"y"}), "is both a file and a folder"),
    ],
    ids=["empty", "dot", "long", "escape-char", "broken-stream", "bzip2", "dir-file", "file-dir"],
)
def test_each_malformed_entry_is_refused_by_name(app, data, expected):
    """Regressions: each of these raised from zipfile or the file system (a 500)."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        shown = assert_unpacked_or_refused(data)
    assert any(expected in s for s in shown), shown
