"""Write the hostile-file corpus in tests/fuzz/corpus/ (see its README.md).

    python3 tests/fuzz/make_corpus.py

Deterministic: the same bytes on every run (fixed timestamps, fixed data), so a change to
this script shows in the diff of the files it writes. Every file stays under 100 KB; the
ones that must be bigger (a 1 MB CSV line) are made by the tests themselves.
"""

from __future__ import annotations

import bz2
import io
import stat
import struct
import warnings
import zipfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
TINY = HERE.parent / "catalog" / "packages" / "valid" / "tiny"
WHEN = (2024, 1, 1, 0, 0, 0)
MiB = 1024 * 1024
FRONT = '+++\ntitle = "Hostil"\nminutes = 5\n+++\n\n'
CSV_HEADER = "email,name,department,job_title,locale\n"


def _info(name: str, mode: int = stat.S_IFREG | 0o644) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, WHEN)
    info.external_attr = mode << 16
    info.create_system = 3  # Unix, so the mode bits mean what they say
    return info


def _zip(entries: list[tuple[str | zipfile.ZipInfo, bytes]], method=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", method) as archive:
        warnings.simplefilter("ignore")  # "Duplicate name" is the point of one of them
        for name, data in entries:
            info = name if isinstance(name, zipfile.ZipInfo) else _info(name)
            info.compress_type = method
            archive.writestr(info, data)
    return buffer.getvalue()


def _tiny(prefix: str = "tiny") -> list[tuple[str, bytes]]:
    return [
        (f"{prefix}/{p.relative_to(TINY).as_posix()}", p.read_bytes())
        for p in sorted(TINY.rglob("*"))
        if p.is_file()
    ]


def _deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    return packer.compress(data) + packer.flush()


def _zeros_deflated(size: int) -> tuple[bytes, int]:
    """size zero bytes, deflated raw, streamed; and their CRC-32."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk, out, crc = bytes(MiB), [], 0
    for __ in range(size // MiB):
        out.append(packer.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    out.append(packer.flush())
    return b"".join(out), crc


def _raw_zip(entries: list[dict], central_only: list[dict] | None = None) -> bytes:
    """An archive written byte by byte, so its headers can say what they like.

    Each entry: name, data (as stored), method, crc, size (what the headers declare
    unpacked). central_only: extra directory records pointing at an existing local header
    (offset), as an overlapping zip bomb has.
    """
    out, central = bytearray(), bytearray()
    for entry in entries:
        entry["offset"] = len(out)
        name = entry["name"].encode()
        out += struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            0,
            entry["method"],
            0,
            0x5821,
            entry["crc"],
            len(entry["data"]),
            entry["size"],
            len(name),
            0,
        )
        out += name + entry["data"]
    records = [{**e, "csize": len(e["data"])} for e in entries] + [
        dict(r) for r in central_only or []
    ]
    for record in records:
        name = record["name"].encode()
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            0x031E,
            20,
            0,
            record["method"],
            0,
            0x5821,
            record["crc"],
            record["csize"],
            record["size"],
            len(name),
            0,
            0,
            0,
            0,
            (stat.S_IFREG | 0o644) << 16,
            record["offset"],
        )
        central += name
    start = len(out)
    out += central
    out += struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(records), len(records), len(central), start, 0
    )
    return bytes(out)


# The files --------------------------------------------------------------------------------


def bzip2_bomb() -> bytes:
    """1 GiB of zeros in one bzip2 entry: under 1 KB, honest headers (7 s to compress)."""
    packer, zeros = bz2.BZ2Compressor(9), bytes(16 * MiB)
    packed = b"".join(packer.compress(zeros) for __ in range(64)) + packer.flush()
    crc = 0
    for __ in range(64):
        crc = zlib.crc32(zeros, crc)
    return _raw_zip(
        [
            {
                "name": "tiny/course.toml",
                "data": packed,
                "method": zipfile.ZIP_BZIP2,
                "crc": crc,
                "size": 1024 * MiB,
            }
        ]
    )


def zips(bomb: bytes) -> dict[str, bytes]:
    files: dict[str, bytes] = {"zip/bomb-bzip2-1gib.zip": bomb}

    # The same bzip2 data, its headers claiming 60,000 bytes: a ratio under 100, within
    # every size limit. zipfile would inflate it all (1 GiB) in one read.
    name = b"tiny/course.toml"
    (size,) = struct.unpack_from("<I", bomb, 18)  # the local header's compressed size
    files["zip/bomb-bzip2-lying-size.zip"] = _raw_zip(
        [
            {
                "name": name.decode(),
                "data": bomb[30 + len(name) : 30 + len(name) + size],
                "method": zipfile.ZIP_BZIP2,
                "crc": 0,
                "size": 60_000,
            }
        ]
    )

    # 64 MiB of zeros, deflated (about 64 KB): honest headers, ratio about 1000:1.
    data, crc = _zeros_deflated(64 * MiB)
    files["zip/bomb-deflate-64mib.zip"] = _raw_zip(
        [{"name": "tiny/course.toml", "data": data, "method": 8, "crc": crc, "size": 64 * MiB}]
    )

    # 16 MiB of zeros whose headers claim 1000 bytes: the ratio and size checks pass; only
    # reading shows the lie (the data goes on past the declared size, and the CRC is wrong).
    data, crc = _zeros_deflated(16 * MiB)
    files["zip/bomb-lying-size.zip"] = _raw_zip(
        [{"name": "tiny/course.toml", "data": data, "method": 8, "crc": crc, "size": 1000}]
    )

    # An overlapping bomb: one 1 MiB entry and 1400 directory records pointing at it.
    kernel, crc = _zeros_deflated(MiB)
    first = {"name": "tiny/m/0", "data": kernel, "method": 8, "crc": crc, "size": MiB}
    copies = [
        {**first, "name": f"tiny/m/{n}", "csize": len(kernel), "offset": 0} for n in range(1, 1400)
    ]
    files["zip/bomb-overlapping.zip"] = _raw_zip([first], copies)

    # A zip bomb inside a valid package, as a media file.
    files["zip/nested-zip.zip"] = _zip(
        [*_tiny(), ("tiny/media/inner.zip", files["zip/bomb-bzip2-1gib.zip"])]
    )

    files["zip/path-traversal.zip"] = _zip(
        [
            *_tiny(),
            ("../escape.txt", b"x"),
            ("tiny/../../etc/cron.d/x", b"x"),
            ("/etc/passwd", b"x"),
            ("C:/Windows/win.ini", b"x"),
            ("tiny\\media\\back.png", b"x"),
        ]
    )
    files["zip/symlink.zip"] = _zip(
        [*_tiny(), (_info("tiny/media/passwd.png", stat.S_IFLNK | 0o777), b"/etc/passwd")]
    )
    files["zip/bad-names.zip"] = _zip(
        [
            *_tiny(),
            ("tiny/media/bell\x07.png", b"x"),
            ("tiny/media/" + "n" * 300 + ".png", b"x"),
            ("tiny/es/01-start/01-first.md", b"again"),
            ("tiny/media/dot.png/inside.png", b"x"),
        ]
    )
    damaged = bytearray(_zip(_tiny(), zipfile.ZIP_STORED))
    damaged[damaged.index(b"slug") : damaged.index(b"slug") + 4] = b"SLUG"  # CRC now wrong
    files["zip/damaged-crc.zip"] = bytes(damaged)
    files["zip/unknown-method.zip"] = _raw_zip(
        [{"name": "tiny/course.toml", "data": b"x" * 10, "method": 99, "crc": 0, "size": 10}]
    )
    files["zip/truncated.zip"] = _zip(_tiny())[:700]
    files["zip/not-a-zip.zip"] = (TINY / "media" / "dot.png").read_bytes()
    return files


def csvs() -> dict[str, bytes]:
    good = CSV_HEADER + "ana@cdmx.example,Ana López,,Analista,es\n"
    return {
        "csv/utf16.csv": good.encode("utf-16"),
        "csv/latin1.csv": (CSV_HEADER + "jose@cdmx.example,José Pérez,,,es\n").encode("latin-1"),
        # A UTF-16 byte-order mark, then an odd number of bytes: no UTF-16 text.
        "csv/utf16-odd-length.csv": CSV_HEADER.encode("utf-16") + b"j",
        "csv/nul-bytes.csv": (
            CSV_HEADER + "ana@cdmx.example,Ana,,,es\nbea@cdmx.example,Be\x00a,,,es\n"
        ).encode(),
        "csv/quoted-first-line.csv": b'",' * 40_000 + b"\n",
        "csv/unclosed-quote.csv": (
            CSV_HEADER + 'ana@cdmx.example,"Ana,,,es\n' + "bea@cdmx.example,Bea,,,es\n" * 20
        ).encode(),
        "csv/bom-crlf-semicolons.csv": (
            "\ufeffemail;name;department;job_title;locale\r\nzoe@cdmx.example;Zoé Martín;;;fr\r\n"
        ).encode(),
    }


def gifts() -> dict[str, bytes]:
    return {
        "gift/deep-braces.gift": ("::Q1:: Hondo " + "{" * 5000 + "=a" + "}" * 5000 + "\n").encode(),
        "gift/tag-comment.gift": ("// " + "[tag:" * 15_000 + "\n::Q1:: Etiquetas {T}\n").encode(),
        "gift/markup-title.gift": ("::" + "<a" * 30_000 + ":: Pregunta {T}\n").encode(),
        "gift/nul-byte.gift": b"::Q1:: Uno {T}\n\n::Q2:: Dos\x00 {F}\n",
        "gift/latin1.gift": "::Q1:: ¿Sí? {T}\n".encode("latin-1"),
        "gift/utf16.gift": "::Q1:: Sí {T}\n".encode("utf-16"),
    }


def packaged() -> dict[str, bytes]:
    """Files that go into a copy of the tiny package (the test says where)."""
    course = (TINY / "course.toml").read_text()
    return {
        "toml/deep-arrays.toml": (course + "\nextra = " + "[" * 5000 + "]" * 5000 + "\n").encode(),
        "toml/deep-dotted-key.toml": (course + "\n" + ".".join(["a"] * 20_000) + " = 1\n").encode(),
        "toml/huge-number.toml": (course + "\nextra = " + "9" * 5000 + "\n").encode(),
        "toml/nul-byte.toml": course.replace("slug", "sl\x00ug", 1).encode(),
        "markdown/nested-blockquotes.md": (FRONT + ">" * 10_000 + " hondo\n").encode(),
        "markdown/nested-lists.md": (FRONT + "- " * 10_000 + "hondo\n").encode(),
        "markdown/nested-divs.md": (FRONT + "Intro.\n\n" + "<div>" * 15_000 + "\n").encode(),
        "markdown/nul-byte.md": (FRONT + "Texto\x00oculto.\n").encode(),
        "markdown/latin1.md": (FRONT + "Lección en Latin-1.\n").encode("latin-1"),
    }


def corpus(bomb: bytes | None = None) -> dict[str, bytes]:
    """Every file by its path in the corpus; bomb: the bzip2 bomb, if already at hand."""
    return {**zips(bomb or bzip2_bomb()), **csvs(), **gifts(), **packaged()}


def main() -> None:
    for name, data in sorted(corpus().items()):
        assert len(data) < 100_000, (name, len(data))
        path = CORPUS / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"{len(data):>7}  {name}")


if __name__ == "__main__":
    main()
