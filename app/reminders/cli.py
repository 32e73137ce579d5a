"""`flask reminders send`, run daily from cron (README)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from .services import send_due

reminders_cli = AppGroup("reminders", help="E-mail reminders (run daily from cron).")


@reminders_cli.command("send")
@click.option("--summaries", is_flag=True, help="Also send reviewers their weekly summary.")
def send_command(summaries: bool) -> None:
    """Send the reminders that are due; safe to run as often as you like."""
    counts = send_due(summaries)
    click.echo(
        f"{counts['assignment']} assignment reminder(s), {counts['expiry']} expiry reminder(s), "
        f"{counts['summary']} reviewer summary(ies) sent."
    )
