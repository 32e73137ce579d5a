"""`flask quiz check FILE [--json]`: parse a GIFT file the way course import does."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.quizzes import gift

quiz_cli = AppGroup("quiz", help="Work with GIFT question files.")


@quiz_cli.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the normalised questions as JSON.")
def check(file: Path, as_json: bool) -> None:
    """Parse FILE; on any error print FILE:LINE: message and exit with status 1."""
    try:
        questions = gift.parse(file.read_bytes(), filename=str(file))
    except gift.GiftError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    if as_json:
        click.echo(json.dumps(questions, ensure_ascii=False, indent=2))
    else:
        count = sum(1 for q in questions if q.get("qtype") != "category")
        click.echo(f"{file}: {count} question(s) OK.")
