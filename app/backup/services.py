"""Make a backup of a serving instance; restore one into an empty instance.

A backup is a folder `aula-<UTC time>/` (mode 0700) holding the database copy, the
certificate signing keys (`keys/*.pem`), the instance's generated secret key when that is
the one in use, and `manifest.json` (written last) with the checksum of each file. Course
media live in the database (MediaFile), so the database copy holds them.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from flask import current_app

from app.certificates import keys

from . import database
from .files import (
    BackupError,
    make_private_dir,
    read_manifest,
    verify,
    write_manifest,
    write_private,
)

SECRET_KEY = "secret_key"  # noqa: S105 - the file name, not a secret
_KEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass(frozen=True)
class Made:
    folder: Path
    manifest: dict

    @property
    def size(self) -> int:
        return sum(entry["size"] for entry in self.manifest["files"].values())

    @property
    def key_files(self) -> int:
        return sum(name.startswith("keys/") for name in self.manifest["files"])


@dataclass(frozen=True)
class Restored:
    revision: str
    head: str
    key_files: int
    #: True: restored; False: in the backup but SECRET_KEY comes from the environment here;
    #: None: not in the backup.
    secret_key: bool | None

    @property
    def needs_upgrade(self) -> bool:
        return self.revision != self.head


def create(root: Path, now: datetime | None = None) -> Made:
    """Write a new backup folder inside root; safe while the site serves and writes."""
    now = now or datetime.now(UTC)
    name = now.strftime("aula-%Y%m%dT%H%M%SZ")
    # Hidden and renamed at the end: a folder named aula-* is always a finished backup.
    partial = root / f".{name}.partial"
    try:
        # An existing folder keeps its mode (it may be shared); each backup inside is private.
        root.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as error:
        raise _os_error(error) from None
    try:
        make_private_dir(partial)
    except FileExistsError:
        raise BackupError(
            f"{partial}: another backup is being written, or one was interrupted (remove it)."
        ) from None
    except OSError as error:
        raise _os_error(error) from None
    try:
        db_file, revision = database.dump(partial)
        # Keys after the database: every key that signed a certificate in the copy exists
        # by now (a key is written before anything it signs is committed).
        names = [db_file, *_copy_keys(partial)]
        if _copy_secret_key(partial):
            names.append(SECRET_KEY)
        info = {
            "created_at": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aula_version": _aula_version(),
            "database": {
                "dialect": database.dialect(),
                "file": db_file,
                "alembic_revision": revision,
            },
        }
        manifest = write_manifest(partial, info, names)
        folder = _free_name(root, name)
        partial.rename(folder)
    except BaseException as error:
        shutil.rmtree(partial, ignore_errors=True)
        if isinstance(error, OSError):
            raise _os_error(error) from None
        raise
    return Made(folder, manifest)


def check(source: Path) -> dict:
    """The manifest of a backup whose every file matches its checksum; else BackupError."""
    manifest = read_manifest(source)
    verify(source, manifest)
    return manifest


def restore(source: Path) -> Restored:
    """Restore a backup into this instance, whose database and key folder must be empty.

    Everything that can be checked is checked before anything changes.
    """
    manifest = check(source)
    info = manifest["database"]
    here = database.dialect()
    if info.get("dialect") != here:
        raise BackupError(
            f"this is a backup of a {info.get('dialect')} database and the configured database "
            f"is {here}; set DATABASE_URL to an empty {info.get('dialect')} database."
        )
    revision = info.get("alembic_revision")
    script = _migrations()
    try:
        # Exact: Alembic would also accept a unique prefix of a revision id.
        known = isinstance(revision, str) and script.get_revision(revision).revision == revision
    except (CommandError, AttributeError):
        known = False
    if not known:
        raise BackupError(
            f"the backup's schema revision {revision!r} is unknown to this version of Aula; "
            f"restore it with the version that made it ({manifest.get('aula_version')})."
        )
    _refuse_unless_empty()

    database.load(source / info["file"])
    if database.revision() != revision:
        raise BackupError(f"{database.where()}: the restored database is not at {revision}.")
    key_names = sorted(name for name in manifest["files"] if name.startswith("keys/"))
    try:
        _restore_keys(source, key_names)
        secret_key = _restore_secret_key(source) if SECRET_KEY in manifest["files"] else None
    except OSError as error:
        raise BackupError(
            f"the database was restored, but not the keys ({_os_error(error)}): copy "
            f"{source / 'keys'}/*.pem to {keys.key_dir()} (mode 0600) by hand."
        ) from None
    return Restored(revision, script.get_current_head(), len(key_names), secret_key)


def _refuse_unless_empty() -> None:
    """Name everything that makes this instance not empty, or return."""
    problems = []
    database_holds = database.contents()
    if database_holds:
        problems.append(database_holds)
    folder = keys.key_dir()
    existing = sorted(path.name for path in folder.glob("*.pem")) if folder.is_dir() else []
    if existing:
        shown = ", ".join(existing[:3]) + (", ..." if len(existing) > 3 else "")
        problems.append(
            f"the key folder {folder} already holds {len(existing)} key file(s) ({shown})"
        )
    if problems:
        raise BackupError(
            "; ".join(problems) + "; restore only into an empty instance (a database without "
            "tables and a key folder without keys)."
        )
    if not _writable(folder):
        raise BackupError(f"the key folder {folder} cannot be written by this user.")


def _writable(folder: Path) -> bool:
    """The folder, or the nearest parent that exists, accepts new files."""
    while not folder.exists():
        folder = folder.parent
    return os.access(folder, os.W_OK | os.X_OK)


def _os_error(error: OSError) -> BackupError:
    return BackupError(f"{error.filename or ''}: {error.strerror or error}".lstrip(": "))


def _copy_keys(folder: Path) -> list[str]:
    source = keys.key_dir()
    paths = sorted(source.glob("*.pem")) if source.is_dir() else []
    if paths:
        make_private_dir(folder / "keys")
    for path in paths:
        data = path.read_bytes()
        if not _KEY_NAME.match(path.name):
            raise BackupError(f"{path}: unexpected key file name; rename or remove it.")
        try:
            serialization.load_pem_private_key(data, password=None)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            raise BackupError(
                f"{path}: not a readable private key (still being written by a key "
                "rotation?); run the backup again."
            ) from None
        write_private(folder / "keys" / path.name, data)
    return [f"keys/{path.name}" for path in paths]


def _restore_keys(source: Path, names: list[str]) -> None:
    if not names:
        return
    folder = keys.key_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)  # as keys.generate() makes it
    for name in names:
        write_private(folder / Path(name).name, (source / name).read_bytes())


def _instance_secret_key() -> Path:
    return Path(current_app.instance_path) / SECRET_KEY


def _secret_key_file_in_use() -> bool:
    """True when SECRET_KEY comes from the instance file rather than the environment."""
    path = _instance_secret_key()
    return path.is_file() and path.read_text().strip() == current_app.config["SECRET_KEY"]


def _copy_secret_key(folder: Path) -> bool:
    if not _secret_key_file_in_use():
        return False
    write_private(folder / SECRET_KEY, _instance_secret_key().read_bytes())
    return True


def _restore_secret_key(source: Path) -> bool:
    """Put the backup's secret key in place of the one this empty instance generated.

    Sessions, CSRF tokens and e-mailed links (invitations, resets) then stay valid.
    """
    target = _instance_secret_key()
    if not _secret_key_file_in_use():
        return False  # SECRET_KEY is set in the environment; the file would not be read
    partial = target.with_name(f"{SECRET_KEY}.restoring")
    partial.unlink(missing_ok=True)
    write_private(partial, (source / SECRET_KEY).read_bytes())
    os.replace(partial, target)
    return True


def _free_name(root: Path, name: str) -> Path:
    folder, n = root / name, 1
    while folder.exists():
        n += 1
        folder = root / f"{name}-{n}"
    return folder


def _migrations() -> ScriptDirectory:
    return ScriptDirectory.from_config(current_app.extensions["migrate"].migrate.get_config())


def _aula_version() -> str:
    try:
        return metadata.version("aula")
    except metadata.PackageNotFoundError:
        return "unknown"
