"""Unpacking an uploaded course package (.zip) without trusting it.

Refused before anything is written: names that leave the folder (`../`, absolute paths,
drive letters, backslashes), names a file system cannot hold (empty, control characters,
too long), the same path twice or as both a file and a folder, symbolic links and other
special entries, unknown compression methods, too many entries, too much data once
unpacked, and entries that expand far more than text and images do (a zip bomb). Sizes are
checked against what is actually read, not only the headers; an entry whose data does not
match its header (a lying size, a bad checksum, a broken stream) is refused as damaged.
"""

from __future__ import annotations

import bisect
import re
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask_babel import lazy_gettext as _l

MAX_ENTRIES = 5000
MAX_TOTAL = 100 * 1024 * 1024  # bytes once unpacked
MAX_RATIO = 100  # unpacked / packed, per entry larger than 64 KiB
MAX_NAME = 1024  # characters in a whole path
MAX_PART = 255  # bytes in one file or folder name: what Linux, macOS and Windows accept
#: Stored or deflated, as every archiver writes by default. Not bzip2 or LZMA: zipfile
#: inflates those without an output limit, so one read of a few hundred bytes whose header
#: lies about its size can allocate gigabytes before any check sees the data.
METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}
# What reading a damaged entry raises: zipfile's own error (bad CRC, truncated header),
# zlib.error for a broken stream, EOFError for one that ends early, and OSError,
# NotImplementedError, RuntimeError and ValueError for what zipfile cannot read.
_DAMAGED = (
    zipfile.BadZipFile,
    zlib.error,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    ValueError,
)
_CONTROL = re.compile(r"[\x01-\x1f\x7f]")


@dataclass(frozen=True)
class ZipProblem:
    name: str
    message: object  # a lazy string, rendered in the reader's language

    def __str__(self) -> str:
        return f"{self.name}: {self.message}" if self.name else str(self.message)


def _bad_name(name: str) -> str | None:
    if "\\" in name or "\x00" in name:
        return _l("a backslash or NUL in a name")
    if _CONTROL.search(name):
        return _l("a control character in a name")
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and ":" in path.parts[0]):
        return _l("an absolute path")
    if ".." in path.parts:
        return _l("a path that leaves the package (..)")
    if not path.parts:
        return _l("an empty name")
    if len(name) > MAX_NAME or any(
        len(p.encode("utf-8", "replace")) > MAX_PART for p in path.parts
    ):
        return _l("a name too long for a file system")
    return None


def _shown(name: str) -> str:
    """An entry's name as quoted in a problem: one line, not too long."""
    name = _CONTROL.sub("?", name.replace("\x00", "?"))
    return name if len(name) <= 200 else name[:199] + "\u2026"


def check(archive: zipfile.ZipFile) -> list[ZipProblem]:
    """Every reason to refuse the archive, from its directory alone."""
    problems: list[ZipProblem] = []
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        return [
            ZipProblem(
                "", _l("%(n)s entries; at most %(limit)s", n=len(entries), limit=MAX_ENTRIES)
            )
        ]
    total = 0
    files: set[str] = set()
    folders: set[str] = set()
    for info in entries:
        shown = _shown(info.filename)
        reason = _bad_name(info.filename)
        if reason:
            problems.append(ZipProblem(shown, reason))
            continue
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the archiver recorded no type
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            problems.append(ZipProblem(shown, _l("a symbolic link or special file")))
        if info.flag_bits & 0x1:
            problems.append(ZipProblem(shown, _l("an encrypted entry")))
        elif info.compress_type not in METHODS:
            problems.append(ZipProblem(shown, _l("compressed with a method that cannot be read")))
        total += info.file_size
        if info.file_size > 65536 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            problems.append(ZipProblem(shown, _l("expands more than a course file can")))
        key = "/".join(PurePosixPath(info.filename).parts)
        if info.is_dir():
            folders.add(key)
        elif key in files:
            problems.append(ZipProblem(shown, _l("appears twice in the archive")))
        else:
            files.add(key)
    # A file is also a folder when a folder entry has its name or another path starts with
    # it: in sorted order such a path comes first among those >= "name/".
    paths = sorted(files | folders)
    for key in sorted(files):
        after = bisect.bisect_left(paths, key + "/")
        if key in folders or (after < len(paths) and paths[after].startswith(key + "/")):
            problems.append(ZipProblem(_shown(key), _l("is both a file and a folder")))
    if total > MAX_TOTAL:
        # First: with a problem per entry, the one about the whole archive would come last.
        problems.insert(
            0,
            ZipProblem(
                "", _l("%(n)s bytes once unpacked; at most %(limit)s", n=total, limit=MAX_TOTAL)
            ),
        )
    return problems


def extract(source, dest: Path) -> tuple[Path | None, list[ZipProblem]]:
    """Unpack a checked archive into dest; returns the package folder (the single top
    folder holding course.toml, or dest itself) or the problems, with nothing kept."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None, [ZipProblem("", _l("not a readable .zip file"))]
    with archive:
        problems = check(archive)
        if problems:
            return None, problems
        written = 0
        for info in archive.infolist():
            target = dest.joinpath(*PurePosixPath(info.filename).parts)
            if info.is_dir():
                target.mkdir(parents=True, exist_ok=True)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            damaged = [
                ZipProblem(_shown(info.filename), _l("cannot be unpacked: the archive is damaged"))
            ]
            try:
                read = archive.open(info)
            except _DAMAGED:
                return None, damaged
            with read, open(target, "wb") as out:
                while True:
                    try:
                        chunk = read.read(65536)
                    except _DAMAGED:
                        return None, damaged
                    if not chunk:
                        break
                    written += len(chunk)
                    if written > MAX_TOTAL:  # headers can lie about sizes
                        return None, [
                            ZipProblem(_shown(info.filename), _l("more data than its header says"))
                        ]
                    out.write(chunk)
    tops = [p for p in dest.iterdir() if p.name != "__MACOSX"]
    if (dest / "course.toml").is_file():
        return dest, []
    if len(tops) == 1 and (tops[0] / "course.toml").is_file():
        return tops[0], []
    return None, [
        ZipProblem("", _l("no course.toml at the top of the archive or of its one folder"))
    ]
