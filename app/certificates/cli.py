"""`flask certificates ...`: backfill issuing, listing and key rotation."""

from __future__ import annotations

import json
import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.accounts.models import Organisation
from app.catalog.models import Course
from app.clock import utcnow
from app.extensions import db

from . import codes, keys, services
from .models import Certificate

certificates_cli = AppGroup("certificates", help="Issue, list and sign certificates.")


@certificates_cli.command("issue")
@click.option("--course", "slug", required=True, help="Course slug.")
def issue(slug: str) -> None:
    """Issue every certificate due on a course (completed enrolments without one)."""
    course = db.session.scalar(select(Course).where(Course.slug == slug))
    if course is None:
        click.echo(f"No course with slug {slug!r}.", err=True)
        sys.exit(1)
    issued = services.issue_due(course)
    db.session.commit()
    click.echo(f"{issued} certificate(s) issued for {slug}.")


@certificates_cli.command("list")
@click.option("--organisation", "org_slug", help="Only holders in this organisation's subtree.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines instead of a table.")
def list_(org_slug: str | None, as_json: bool) -> None:
    """List codes, holders, courses and status, newest first."""
    stmt = (
        select(Certificate)
        .options(joinedload(Certificate.user), joinedload(Certificate.course))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    )
    if org_slug:
        org = db.session.scalar(select(Organisation).where(Organisation.slug == org_slug))
        if org is None:
            click.echo(f"No organisation with slug {org_slug!r}.", err=True)
            sys.exit(1)
        stmt = stmt.join(Organisation, Organisation.id == Certificate.organisation_id).where(
            Organisation.path.startswith(org.path, autoescape=True)
        )
    now = utcnow()
    rows = db.session.scalars(stmt.execution_options(yield_per=500))
    if as_json:
        # One object per line inside the array: printed as read, not gathered first.
        click.echo("[")
        for n, cert in enumerate(rows):
            item = {
                "code": codes.display(cert.code),
                "holder": cert.holder_name,
                "email": cert.user.email,
                "course": cert.course.slug,
                "title": cert.course_title,
                "issued_at": cert.issued_at.isoformat() + "Z",
                "expires_at": cert.expires_at.isoformat() + "Z" if cert.expires_at else None,
                "status": cert.status(now),
            }
            click.echo(("," if n else "") + json.dumps(item, ensure_ascii=False))
        click.echo("]")
        return
    for cert in rows:
        click.echo(
            f"{codes.display(cert.code)}  {cert.status(now):8}  {cert.issued_at:%Y-%m-%d}  "
            f"{cert.course.slug}  {cert.holder_name} <{cert.user.email}>"
        )


@certificates_cli.command("rotate-keys")
def rotate_keys() -> None:
    """Make new signing keys; the old public keys stay published for older credentials."""
    for kind in (keys.ED25519, keys.RSA):
        pair = keys.generate(kind)
        click.echo(f"new {kind} key {pair.kid} in {keys.key_dir()}")
