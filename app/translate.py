"""`flask translate`: keep the catalogues in translations/ in step with the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "translations" / "messages.pot"

translate_cli = AppGroup("translate", help="Extract, update and compile message catalogues.")


def extract(output: Path) -> None:
    """Write every string the code marks for translation to a .pot file."""
    _babel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "-o",
        str(output),
        ".",
    )


def _babel(*args: str) -> None:
    done = subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
        [sys.executable, "-m", "babel.messages.frontend", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise click.ClickException(done.stderr.strip() or done.stdout.strip())


@translate_cli.command("update")
def update() -> None:
    """Extract strings from the code and merge them into every catalogue."""
    extract(POT)
    _babel(
        "update", "-i", str(POT), "-d", "translations", "--no-fuzzy-matching", "--ignore-obsolete"
    )
    click.echo("Catalogues updated; translate the new entries, then run `flask translate compile`.")


@translate_cli.command("compile")
def compile_() -> None:
    """Compile .po catalogues into the .mo files the app reads."""
    _babel("compile", "-d", "translations", "--statistics")
