"""`flask backup create` while the site writes, and `flask backup restore` into an empty
instance: on SQLite by default, on PostgreSQL when TEST_DATABASE_URL points at one."""

import json
import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import jwt
import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, select

from app import create_app
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.backup import services
from app.certificates import codes, credentials, keys
from app.certificates.models import Certificate
from app.certificates.views import own_key_resolver
from app.extensions import db
from tests.certificates.conftest import complete_tiny

from .conftest import Writer, consistency_problems, invoke, only_backup, row_counts

# Backups read the database through connections and processes of their own.
pytestmark = pytest.mark.commits

#: The newest migration: what a backup of today's database records.
HEAD = ScriptDirectory(str(Path(__file__).resolve().parents[2] / "migrations")).get_current_head()


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_backup_taken_during_writes_restores_everything_committed_before_it(
    app, world, tiny, database_url, empty_target, tmp_path
):
    writer = Writer(database_url)
    writer.start()
    try:
        writer.wait_for(30)
        before = set(writer.committed)  # every commit that finished before `create` began
        result = invoke(app, "backup", "create", tmp_path / "backups")
        after_create = len(writer.committed)
        writer.wait_for(after_create + 10)  # still writing after the backup: it never paused
    finally:
        writer.stop()
    assert result.exit_code == 0, result.output
    folder = only_backup(tmp_path / "backups")
    assert "Backup written to" in result.output and str(folder) in result.output

    restored_run = invoke(empty_target, "backup", "restore", folder)
    assert restored_run.exit_code == 0, restored_run.output
    with empty_target.app_context():
        restored = set(db.session.scalars(select(User.id).where(User.email.like("writer%"))))
        entries = db.session.scalar(select(func.count()).where(AuditEntry.action == "backup.test"))
        assert before <= restored
        # One moment of the database: exactly the first k transactions, each one whole.
        assert restored == set(writer.committed[: len(restored)])
        assert entries == len(restored)
        assert db.session.get(User, world.official_cdmx).email == world.official_cdmx_email
        assert consistency_problems() == []


def test_keys_secret_key_and_a_certificate_survive_the_restore(
    app, client, world, tiny, database_url, empty_target, tmp_path
):
    complete_tiny(client, world.official_cdmx_email, tiny)
    cert = db.session.scalar(select(Certificate))
    # The source as development runs it: SECRET_KEY generated into the instance folder.
    source = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": None}, app.instance_path
    )
    result = invoke(source, "backup", "create", tmp_path / "backups")
    assert result.exit_code == 0, result.output
    with source.app_context():
        source_keys = {p.name: p.read_bytes() for p in keys.key_dir().glob("*.pem")}
        source_counts = row_counts()
        db.engine.dispose()
    assert {name.split("-", 1)[0] for name in source_keys} == {"ed25519", "rsa"}

    folder = only_backup(tmp_path / "backups")
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["database"]["alembic_revision"] == HEAD
    assert set(manifest["files"]) == {
        manifest["database"]["file"],
        "secret_key",
        *(f"keys/{name}" for name in source_keys),
    }
    # Secrets: the folder is the owner's alone, every file too.
    assert _mode(tmp_path / "backups") == _mode(folder) == _mode(folder / "keys") == 0o700
    assert {_mode(folder / name) for name in [*manifest["files"], "manifest.json"]} == {0o600}
    checked = invoke(app, "backup", "check", folder)
    assert checked.exit_code == 0 and "complete" in checked.output

    generated = (tmp_path / "target" / "secret_key").read_bytes()
    restored_run = invoke(empty_target, "backup", "restore", folder)
    assert restored_run.exit_code == 0, restored_run.output
    assert "secret key was restored" in restored_run.output
    assert "db upgrade" not in restored_run.output

    target_secret = (tmp_path / "target" / "secret_key").read_bytes()
    assert target_secret == (tmp_path / "secret_key").read_bytes() != generated
    with empty_target.app_context():
        folder_keys = keys.key_dir()
        assert {p.name: p.read_bytes() for p in folder_keys.glob("*.pem")} == source_keys
        assert {_mode(p) for p in folder_keys.glob("*.pem")} == {0o600}
        assert _mode(folder_keys) == 0o700
        assert row_counts() == source_counts  # every table, media included
        restored_cert = db.session.scalar(select(Certificate).where(Certificate.code == cert.code))
        checked_credential = credentials.verify(
            json.loads(restored_cert.credential), own_key_resolver
        )
        assert checked_credential.credential["credentialSubject"]["name"] == cert.holder_name

    anonymous = empty_target.test_client()
    page = anonymous.get(f"/verify/{codes.display(cert.code)}").get_data(as_text=True)
    assert "Válido" in page and "Guadalupe Hernández" in page
    token = anonymous.get(f"/verify/{cert.code}.jwt").get_data(as_text=True)
    published = anonymous.get("/.well-known/jwks.json").get_json()["keys"]
    jwk = next(k for k in published if k["kid"] == jwt.get_unverified_header(token)["kid"])
    claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["RS256"])
    assert claims["credentialSubject"]["name"] == cert.holder_name


def test_a_backup_of_an_older_revision_restores_and_asks_for_an_upgrade(
    app, world, empty_target, tmp_path
):
    db.session.remove()
    downgrade(revision="aa0ccff48d77")  # an older schema: no users.erased_at yet
    try:
        result = invoke(app, "backup", "create", tmp_path / "backups")
    finally:
        upgrade()
    assert result.exit_code == 0, result.output
    restored = invoke(empty_target, "backup", "restore", only_backup(tmp_path / "backups"))
    assert restored.exit_code == 0, restored.output
    assert "at revision aa0ccff48d77" in restored.output
    assert f"this version is at {HEAD}" in restored.output
    assert "flask --app app db upgrade" in restored.output

    upgraded = invoke(empty_target, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    with empty_target.app_context():
        assert db.session.get(User, world.official_cdmx).erased_at is None
        assert db.session.scalar(select(func.count()).select_from(User)) == 8
        assert consistency_problems() == []


def test_two_backups_in_the_same_second_get_their_own_folders(app, world, tmp_path):
    root = tmp_path / "backups"
    root.mkdir(mode=0o755)  # shared with other backups: its mode is left alone
    root.chmod(0o755)
    moment = datetime(2026, 11, 29, 3, 0, tzinfo=UTC)
    made = [services.create(root, moment) for _n in range(2)]
    assert [m.folder.name for m in made] == ["aula-20261129T030000Z", "aula-20261129T030000Z-2"]
    assert sorted(p.name for p in root.iterdir()) == [m.folder.name for m in made]
    assert _mode(root) == 0o755
    assert {_mode(m.folder) for m in made} == {0o700}
