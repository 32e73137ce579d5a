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


def _babel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, cwd=ROOT)  # noqa: S603


@translate_cli.command("update")
def update() -> None:
    """Extract strings from the code and merge them into every catalogue."""
    _babel(
        "extract",
        "-F",
        "babel.cfg",
        "-k",
        "_l",
        "--no-location",
        "--sort-output",
        "-o",
        str(POT),
        ".",
    )
    _babel(
        "update", "-i", str(POT), "-d", "translations", "--no-fuzzy-matching", "--ignore-obsolete"
    )
    click.echo("Catalogues updated; translate the new entries, then run `flask translate compile`.")


@translate_cli.command("compile")
def compile_() -> None:
    """Compile .po catalogues into the .mo files the app reads."""
    _babel("compile", "-d", "translations", "--statistics")
