"""`flask backup ...`: consistent backups of a serving instance, checks and restores."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.certificates import keys

from . import database, services
from .files import BackupError

backup_cli = AppGroup("backup", help="Back up and restore the database and signing keys.")

_FOLDER = click.Path(file_okay=False, path_type=Path)


def _fail(error: BackupError) -> None:
    click.echo(f"Error: {error}", err=True)
    sys.exit(1)


@backup_cli.command("create")
@click.argument("directory", type=_FOLDER)
def create(directory: Path) -> None:
    """Write a backup into a new folder DIRECTORY/aula-<UTC time>/ (safe while serving)."""
    try:
        made = services.create(directory)
    except BackupError as error:
        _fail(error)
    info = made.manifest["database"]
    click.echo(
        f"Backup written to {made.folder}: {info['dialect']} database at revision "
        f"{info['alembic_revision']}, {made.key_files} key file(s), "
        f"{made.size / 1_000_000:.1f} MB. It holds secrets: store it encrypted."
    )


@backup_cli.command("check")
@click.argument("source", type=_FOLDER)
def check(source: Path) -> None:
    """Check that every file of a backup folder matches its manifest."""
    try:
        manifest = services.check(source)
    except BackupError as error:
        _fail(error)
    info = manifest["database"]
    click.echo(
        f"{source}: complete, made {manifest['created_at']} from a {info['dialect']} "
        f"database at revision {info['alembic_revision']}, {len(manifest['files'])} file(s)."
    )


@backup_cli.command("restore")
@click.argument("source", type=_FOLDER)
def restore(source: Path) -> None:
    """Restore a backup folder into this instance; its database and keys must be empty."""
    try:
        restored = services.restore(source)
    except BackupError as error:
        _fail(error)
    click.echo(
        f"Restored {source} into {database.where()} at revision {restored.revision}, "
        f"{restored.key_files} key file(s) into {keys.key_dir()}."
    )
    if restored.secret_key:
        click.echo("The instance secret key was restored: restart the application.")
    elif restored.secret_key is False:
        click.echo(
            "SECRET_KEY is set in the environment here: to keep old sessions and e-mailed "
            f"links valid, set it to the content of {source / services.SECRET_KEY}."
        )
    if restored.needs_upgrade:
        click.echo(
            f"The backup is at revision {restored.revision}; this version is at "
            f"{restored.head}: now run `python3 -m flask --app app db upgrade`."
        )
