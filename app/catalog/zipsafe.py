"""Unpacking an uploaded course package (.zip) without trusting it.

Refused before anything is written: names that leave the folder (`../`, absolute paths,
drive letters, backslashes), symbolic links and other special entries, too many entries,
too much data once unpacked, and entries that expand far more than text and images do
(a zip bomb). Sizes are checked against what is actually read, not only the headers.
"""

from __future__ import annotations

import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from flask_babel import lazy_gettext as _l

MAX_ENTRIES = 5000
MAX_TOTAL = 100 * 1024 * 1024  # bytes once unpacked
MAX_RATIO = 100  # unpacked / packed, per entry larger than 64 KiB


@dataclass(frozen=True)
class ZipProblem:
    name: str
    message: object  # a lazy string, rendered in the reader's language

    def __str__(self) -> str:
        return f"{self.name}: {self.message}" if self.name else str(self.message)


def _bad_name(name: str) -> str | None:
    if "\\" in name or "\x00" in name:
        return _l("a backslash or NUL in a name")
    path = PurePosixPath(name)
    if path.is_absolute() or (path.parts and ":" in path.parts[0]):
        return _l("an absolute path")
    if ".." in path.parts:
        return _l("a path that leaves the package (..)")
    return None


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
    for info in entries:
        reason = _bad_name(info.filename)
        if reason:
            problems.append(ZipProblem(info.filename, reason))
            continue
        kind = stat.S_IFMT(info.external_attr >> 16)  # 0 when the archiver recorded no type
        if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
            problems.append(ZipProblem(info.filename, _l("a symbolic link or special file")))
        if info.flag_bits & 0x1:
            problems.append(ZipProblem(info.filename, _l("an encrypted entry")))
        total += info.file_size
        if info.file_size > 65536 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            problems.append(ZipProblem(info.filename, _l("expands more than a course file can")))
    if total > MAX_TOTAL:
        problems.append(
            ZipProblem(
                "", _l("%(n)s bytes once unpacked; at most %(limit)s", n=total, limit=MAX_TOTAL)
            )
        )
    return problems


def extract(source, dest: Path) -> tuple[Path | None, list[ZipProblem]]:
    """Unpack a checked archive into dest; returns the package folder (the single top
    folder holding course.toml, or dest itself) or the problems, with nothing kept."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError):
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
            with archive.open(info) as read, open(target, "wb") as out:
                while chunk := read.read(65536):
                    written += len(chunk)
                    if written > MAX_TOTAL:  # headers can lie about sizes
                        return None, [
                            ZipProblem(info.filename, _l("more data than its header says"))
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
