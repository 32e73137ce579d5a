"""`flask courses ...`: check, import and export course packages."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from app.audit.models import record
from app.catalog import package as pkg
from app.catalog import services
from app.extensions import db

courses_cli = AppGroup("courses", help="Check, import and export course packages.")


def _read_all(paths: tuple[Path, ...]) -> list[pkg.Package]:
    packages, problems = [], []
    for path in paths:
        package, found = pkg.read_package(path, shown_as=str(path))
        problems.extend(found)
        if package is not None:
            packages.append(package)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s); nothing was imported.", err=True)
        sys.exit(1)
    return packages


def _package_dirs(paths: tuple[Path, ...]) -> tuple[Path, ...]:
    """Packages named by the arguments: `courses/*`, or `courses/`, the folder that holds them.

    `courses/*` also matches courses/README.md; only folders are packages. A folder without
    a course.toml but with package folders inside stands for those packages.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir() and not (path / "course.toml").exists():
            inner = sorted(p for p in path.iterdir() if (p / "course.toml").is_file())
            if inner:
                found.extend(inner)
                continue
        if path.is_dir() or path.suffix != ".md":
            found.append(path)
    return tuple(found)


@courses_cli.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(paths: tuple[Path, ...]) -> None:
    """Check packages without touching the database; exit status 1 on any problem."""
    packages = _read_all(_package_dirs(paths))
    click.echo(f"{len(packages)} package(s) OK.")


@courses_cli.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
def import_(paths: tuple[Path, ...]) -> None:
    """Check every package, then import each course in its own transaction."""
    for package in _read_all(_package_dirs(paths)):
        outcome = services.import_package(package)
        record(
            "course.import",
            "course",
            outcome.course.id,
            version=outcome.version.number,
            created=outcome.created,
            source="cli",
        )
        db.session.commit()
        state = f"version {outcome.version.number}" if outcome.created else "unchanged"
        click.echo(f"{package.slug}: {state}")


@courses_cli.command("export")
@click.argument("slug")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--version", "number", type=int, default=None, help="Version number (default: current)."
)
def export(slug: str, dest: Path, number: int | None) -> None:
    """Write a course version as a package folder DEST/SLUG."""
    course = services.find_course(slug)
    if course is None:
        raise click.ClickException(f"no course {slug!r}")
    version = services.get_version(course, number)
    if version is None:
        raise click.ClickException(f"{slug} has no version {number}")
    if (dest / slug).exists():
        raise click.ClickException(f"{dest / slug} exists already")
    root = pkg.write_package(services.package_from_version(version), dest)
    click.echo(f"{slug} version {version.number} written to {root}")
