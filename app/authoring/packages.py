"""Course packages from the browser: a .zip upload checked and imported all or nothing, and
any version downloaded as a .zip that `flask courses import` reads back unchanged."""

from __future__ import annotations

import io
import shutil
import tempfile
import zipfile
from pathlib import Path

from app.accounts.models import User
from app.audit.models import record
from app.catalog import package as pkg
from app.catalog import services
from app.catalog.models import CourseVersion
from app.extensions import db

from . import zipsafe
from .authors import OWNER, AuthoringRefused, can_publish
from .models import CourseAuthor


def import_zip(actor: User, upload) -> tuple[services.ImportOutcome | None, list[str]]:
    """Check and import an uploaded package, all or nothing; the problems otherwise, each
    as `path:line: message`. A new course makes the actor its owner."""
    with tempfile.TemporaryDirectory() as tmp:
        unpacked = Path(tmp) / "unpacked"
        unpacked.mkdir()
        folder, problems = zipsafe.extract(upload, unpacked)
        if problems:
            return None, [str(p) for p in problems]
        slug, problems = pkg.read_slug(folder)
        if problems:
            return None, [str(p) for p in problems]
        if not isinstance(slug, str) or not pkg.SLUG.match(slug):
            return None, ['course.toml:1: "slug" must be a course slug']
        if folder.name != slug:
            # Into a folder of its own: Path(tmp) / slug could be "unpacked" itself.
            named = Path(tmp) / "named"
            named.mkdir()
            folder = folder.rename(named / slug)
        package, found = pkg.read_package(folder, shown_as=slug)
        if found:
            return None, [str(p) for p in found]
        course = services.find_course(slug)
        if course is not None and not can_publish(actor, course):
            raise AuthoringRefused(slug)
        outcome = services.import_package(package, actor)
        if course is None:
            db.session.add(CourseAuthor(course_id=outcome.course.id, user_id=actor.id, role=OWNER))
        record(
            "course.import",
            "course",
            outcome.course.id,
            actor=actor,
            version=outcome.version.number,
            created=outcome.created,
        )
        db.session.flush()
        return outcome, []


def export_zip(version: CourseVersion) -> bytes:
    """A version as a .zip that `flask courses import` (or the upload) reads back unchanged."""
    with tempfile.TemporaryDirectory() as tmp:
        root = pkg.write_package(services.package_from_version(version), Path(tmp))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(root.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(root.parent).as_posix())
        shutil.rmtree(root)
        return buffer.getvalue()
