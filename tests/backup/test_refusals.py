"""What restore and create refuse, and that a refusal changes nothing."""

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import inspect

from app.certificates import keys
from app.extensions import db

from .conftest import invoke, only_backup, row_counts

# Backups read the database through connections and processes of their own.
pytestmark = pytest.mark.commits


@pytest.fixture
def backup(app, world, tmp_path):
    """A finished backup of the world, with signing keys."""
    keys.generate(keys.ED25519)
    keys.generate(keys.RSA)
    result = invoke(app, "backup", "create", tmp_path / "backups")
    assert result.exit_code == 0, result.output
    return only_backup(tmp_path / "backups")


def _state(target) -> tuple:
    """Everything a restore could change: the instance folder's files, the database's tables."""
    instance = {
        str(path.relative_to(target.instance_path)): path.read_bytes()
        for path in sorted(_files(target.instance_path))
    }
    with target.app_context():
        url = db.engine.url
        if url.get_backend_name() == "sqlite" and not Path(url.database).exists():
            return instance, None, {}  # looking would create the file
        tables = sorted(inspect(db.engine).get_table_names())
        counts = row_counts() if tables else {}
        db.engine.dispose()
    return instance, tables, counts


def _files(folder):
    return [p for p in Path(folder).rglob("*") if p.is_file()]


def test_restore_refuses_a_database_with_users(app, backup, tmp_path):
    before = row_counts()
    result = invoke(app, "backup", "restore", backup)
    assert result.exit_code == 1
    assert "already has 8 user(s); the key folder" in result.output
    assert "already holds 2 key file(s)" in result.output
    assert row_counts() == before
    # The keys in the instance folder were made by the fixture; none were added or replaced.
    assert sorted(p.name for p in keys.key_dir().glob("*.pem")) == sorted(
        p.name for p in (backup / "keys").glob("*.pem")
    )


def test_restore_refuses_existing_key_files(backup, empty_target):
    with empty_target.app_context():
        pair = keys.generate(keys.ED25519)
    before = _state(empty_target)
    assert not before[1]  # the database really is empty
    result = invoke(empty_target, "backup", "restore", backup)
    assert result.exit_code == 1
    assert f"already holds 1 key file(s) (ed25519-{pair.kid}.pem)" in result.output
    assert _state(empty_target) == before


def _flip_a_byte(folder):
    path = folder / json.loads((folder / "manifest.json").read_text())["database"]["file"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    return path.name, "checksum does not match the manifest"


def _truncate_a_key(folder):
    path = sorted((folder / "keys").glob("rsa-*.pem"))[0]
    path.write_bytes(path.read_bytes()[:100])
    return f"keys/{path.name}", "100 bytes instead of"


def _remove_a_key(folder):
    path = sorted((folder / "keys").glob("ed25519-*.pem"))[0]
    path.unlink()
    return f"keys/{path.name}", "missing from the backup"


def _remove_the_manifest(folder):
    (folder / "manifest.json").unlink()
    return "manifest.json", "not an Aula backup, or an unfinished one"


def _break_the_manifest(folder):
    (folder / "manifest.json").write_text('{"format": "aula-backup", "version": 1,')
    return "manifest.json", "not valid JSON"


def _name_a_file_outside(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"]["keys/../../../etc/passwd"] = {"size": 1, "sha256": "0"}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return "manifest.json", "unexpected entry 'keys/../../../etc/passwd'"


def _unknown_revision(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["database"]["alembic_revision"] = "ffffffffffff"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return "'ffffffffffff'", "is unknown to this version of Aula"


def _abbreviated_revision(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["database"]["alembic_revision"] = manifest["database"]["alembic_revision"][:4]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return f"'{manifest['database']['alembic_revision']}'", "is unknown to this version of Aula"


def _other_dialect(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    other = {"sqlite": "postgresql", "postgresql": "sqlite"}[manifest["database"]["dialect"]]
    manifest["database"]["dialect"] = other
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return f"a backup of a {other} database", "set DATABASE_URL to an empty"


@pytest.mark.parametrize(
    "damage",
    [
        _flip_a_byte,
        _truncate_a_key,
        _remove_a_key,
        _remove_the_manifest,
        _break_the_manifest,
        _name_a_file_outside,
        _unknown_revision,
        _abbreviated_revision,
        _other_dialect,
    ],
)
def test_restore_refuses_a_damaged_backup_and_changes_nothing(backup, empty_target, damage):
    named, reason = damage(backup)
    before = _state(empty_target)
    result = invoke(empty_target, "backup", "restore", backup)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and named in result.output
    assert reason in result.output
    assert _state(empty_target) == before
    checked = invoke(empty_target, "backup", "check", backup)
    if damage in (_unknown_revision, _abbreviated_revision, _other_dialect):
        assert checked.exit_code == 0  # the files are intact; this instance cannot take them
    else:
        assert checked.exit_code == 1 and reason in checked.output


def test_a_failed_backup_leaves_no_folder_behind(app, world, tmp_path):
    folder = keys.key_dir()
    folder.mkdir(mode=0o700)
    (folder / "ed25519-20261129000000000000-0badf00d.pem").write_bytes(b"-----BEGIN PRIV")
    result = invoke(app, "backup", "create", tmp_path / "backups")
    assert result.exit_code == 1
    assert "ed25519-20261129000000000000-0badf00d.pem: not a readable private key" in result.output
    assert list((tmp_path / "backups").iterdir()) == []


def test_without_pg_dump_the_backup_says_what_to_install(app, world, tmp_path, monkeypatch):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("pg_dump is for PostgreSQL; this run is on SQLite")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    result = invoke(app, "backup", "create", tmp_path / "backups")
    assert result.exit_code == 1
    assert "pg_dump is not on the PATH: install the PostgreSQL client tools" in result.output
    assert list((tmp_path / "backups").iterdir()) == []


def test_restore_of_a_copied_backup_folder_works(app, backup, empty_target, tmp_path):
    """Backups are moved around (offsite and back): a copy restores like the original."""
    copy = shutil.copytree(backup, tmp_path / "elsewhere" / backup.name)
    result = invoke(empty_target, "backup", "restore", copy)
    assert result.exit_code == 0, result.output
    with empty_target.app_context():
        assert row_counts()["users"] == 8
