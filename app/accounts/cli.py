"""`flask users ...`: the same services the web screens call."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.accounts import services
from app.accounts.emails import send_invitations
from app.accounts.models import Role
from app.accounts.staff_import import StaffImportError, import_staff
from app.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("import-csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--organisation", "org_slug", required=True, help="Slug of the organisation.")
@click.option("--create-departments", is_flag=True, help="Create departments not found.")
@click.option("--invite", is_flag=True, help="E-mail an invitation to each new account.")
def import_csv(file: Path, org_slug: str, create_departments: bool, invite: bool) -> None:
    """Import staff from a CSV (email,name,department,job_title,locale): all rows or none."""
    org = services.find_organisation(org_slug)
    if org is None:
        raise click.ClickException(f"no organisation with slug {org_slug!r}")
    try:
        result = import_staff(file.read_bytes(), org, create_departments=create_departments)
    except StaffImportError as exc:
        db.session.rollback()
        for error in exc.errors:
            msg = f"{file}:{error.row}: " + (f"{error.column}: " if error.column else "")
            click.echo(msg + error.message, err=True)
        click.echo(f"{len(exc.errors)} error(s); nothing was imported.", err=True)
        sys.exit(1)
    db.session.commit()
    if invite:
        send_invitations(result.created)
    click.echo(
        f"{len(result.created)} created, {result.updated} updated, "
        f"{len(result.departments_created)} department(s) created in {org.slug}."
    )


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--organisation", "org_slug", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.OFFICIAL.value)
@click.option("--locale", default="es")
@click.password_option()
def create(email: str, name: str, org_slug: str, role: str, locale: str, password: str) -> None:
    """Create an account (for example the first admin of a new installation)."""
    org = services.find_organisation(org_slug)
    if org is None:
        raise click.ClickException(f"no organisation with slug {org_slug!r}")
    try:
        user = services.create_user(email, name, org, locale=locale, password=password)
        if role != Role.OFFICIAL.value:
            services.grant_role(user, Role(role), org)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"created {user.email} ({role} of {org.slug})")


@users_cli.command("create-organisation")
@click.option("--name", required=True)
@click.option("--slug", required=True)
@click.option("--kind", type=click.Choice(["network", "state", "city", "department", "other"]))
@click.option("--parent", "parent_slug", default=None)
@click.option("--time-zone", default=None, help="IANA name, e.g. America/Lima; default: parent's.")
def create_organisation(
    name: str, slug: str, kind: str, parent_slug: str | None, time_zone: str | None
) -> None:
    """Add an organisation to the tree."""
    parent = None
    if parent_slug:
        parent = services.find_organisation(parent_slug)
        if parent is None:
            raise click.ClickException(f"no organisation with slug {parent_slug!r}")
    try:
        org = services.create_organisation(name, slug, kind, parent, time_zone)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"created {org.slug}")


@users_cli.command("set-time-zone")
@click.argument("org_slug")
@click.argument("time_zone")
def set_time_zone(org_slug: str, time_zone: str) -> None:
    """Set an organisation's time zone (IANA name; "-" to inherit its parent's again)."""
    org = services.find_organisation(org_slug)
    if org is None:
        raise click.ClickException(f"no organisation with slug {org_slug!r}")
    zone = None if time_zone == "-" else time_zone
    try:
        services.update_organisation(org, org.name, org.slug, org.kind, org.parent, zone)
    except services.AccountError as exc:
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{org.slug}: {zone or 'inherited'}")
