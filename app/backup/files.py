"""Owner-only files and the manifest that lists every file of a backup with its checksum.

The manifest is written last, so a backup folder without one is unfinished; restore reads
it first and checks every file against it before changing anything.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

FORMAT = "aula-backup"
VERSION = 1
MANIFEST = "manifest.json"
#: The only names a manifest may list: nothing outside the backup folder can be named.
_ALLOWED = re.compile(r"^(database\.(sqlite|pgdump)|secret_key|keys/[A-Za-z0-9][A-Za-z0-9._-]*)$")


class BackupError(Exception):
    """A backup that cannot be made, checked or restored; the message says why."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def write_private(path: Path, data: bytes) -> None:
    """Write a new file readable by its owner only, from the first byte (keys are secrets)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)


def make_private_dir(path: Path) -> None:
    """A new folder only its owner can enter; FileExistsError if it is there already."""
    path.mkdir(mode=0o700)
    path.chmod(0o700)  # whatever the umask


def write_manifest(folder: Path, info: dict, names: list[str]) -> dict:
    files = {
        name: {"size": (folder / name).stat().st_size, "sha256": sha256_of(folder / name)}
        for name in sorted(names)
    }
    manifest = {"format": FORMAT, "version": VERSION, **info, "files": files}
    write_private(folder / MANIFEST, (json.dumps(manifest, indent=2) + "\n").encode())
    return manifest


def read_manifest(folder: Path) -> dict:
    """The manifest of a backup folder, with its shape checked; BackupError if unusable."""
    path = folder / MANIFEST
    if not path.is_file():
        raise BackupError(f"{path}: missing; this is not an Aula backup, or an unfinished one.")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BackupError(f"{path}: not valid JSON ({error}); the backup is damaged.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: not an Aula backup manifest.")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"{path}: backup format version {manifest.get('version')!r}; "
            f"this version of Aula reads version {VERSION}."
        )
    files = manifest.get("files")
    database = manifest.get("database")
    if not isinstance(files, dict) or not isinstance(database, dict):
        raise BackupError(f"{path}: the file list or the database entry is missing.")
    for name, entry in files.items():
        if not _ALLOWED.match(name) or not isinstance(entry, dict):
            raise BackupError(f"{path}: unexpected entry {name!r} in the file list.")
    if database.get("file") not in files:
        raise BackupError(f"{path}: the database file is not in the file list.")
    return manifest


def verify(folder: Path, manifest: dict) -> None:
    """Every listed file is present, of its recorded size and checksum; else BackupError."""
    for name, entry in manifest["files"].items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"{path}: missing from the backup.")
        size = path.stat().st_size
        if size != entry.get("size"):
            raise BackupError(
                f"{path}: {size} bytes instead of {entry.get('size')}; the backup is truncated "
                "or damaged."
            )
        if sha256_of(path) != entry.get("sha256"):
            raise BackupError(f"{path}: checksum does not match the manifest; the file is damaged.")
