"""Course packages from the browser: upload with every guard, download that reads back
unchanged, owners and co-authors, and the record of who did what."""

import io
import stat
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.audit.models import AuditEntry
from app.authoring import authors, zipsafe
from app.authoring.models import CourseAuthor
from app.catalog.models import Course, CourseVersion
from app.extensions import db
from tests.conftest import TINY

COURSES = Path(__file__).resolve().parents[2] / "courses"


def _zip(folder: Path, prefix: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                name = path.relative_to(folder).as_posix()
                archive.write(path, f"{prefix}/{name}" if prefix else name)
    return buffer.getvalue()


def _upload(client, data: bytes, name="course.zip"):
    return client.submit(
        "/author/", {"package": (io.BytesIO(data), name)}, content_type="multipart/form-data"
    )


def test_trainer_uploads_a_package_and_becomes_its_owner(client, world):
    client.login(world.trainer_email)
    response = _upload(client, _zip(TINY, "tiny"))
    assert response.status_code == 302, response.get_data(as_text=True)
    course = db.session.scalar(select(Course).where(Course.slug == "tiny"))
    assert authors.role_on(db.session.get(User, world.trainer), course) == "owner"
    page = client.get("/author/tiny").get_data(as_text=True)
    assert "publicó la versión 1" in page
    # The same package again changes nothing; the files at the top level work too.
    assert _upload(client, _zip(TINY)).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(CourseVersion)) == 1
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "course.import").order_by(AuditEntry.id)
    ).all()
    assert [(e.action, e.actor_id, e.detail["created"]) for e in entries] == [
        ("course.import", world.trainer, True),
        ("course.import", world.trainer, False),
    ]


def test_a_broken_package_is_refused_whole_with_path_and_line(client, world, tmp_path):
    import shutil

    broken = shutil.copytree(TINY, tmp_path / "tiny")
    (broken / "course.toml").write_text((broken / "course.toml").read_text() + "\nunknown = 1\n")
    client.login(world.trainer_email)
    response = _upload(client, _zip(broken, "tiny"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "tiny/course.toml:" in html and "unknown" in html
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0


def _raw_zip(entries) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return buffer.getvalue()


def _symlink(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("../escape.txt", b"x")], "sale del paquete"),
        ([("/etc/passwd", b"x")], "una ruta absoluta"),
        ([("C:/windows.txt", b"x")], "una ruta absoluta"),
        ([("tiny\\course.toml", b"x")], "una barra invertida"),
        ([(_symlink("tiny/link"), b"/etc/passwd")], "un enlace simbólico"),
        ([("tiny/bomb.txt", b"0" * 20_000_000)], "se expande más de lo que"),
        ([("notes.txt", b"hello")], "no hay course.toml"),
    ],
)
def test_hostile_archives_are_refused_and_nothing_is_written(client, world, entries, message):
    client.login(world.trainer_email)
    response = _upload(client, _raw_zip(entries))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0


def test_not_a_zip_and_too_many_entries(client, world, monkeypatch):
    client.login(world.trainer_email)
    assert "no es un archivo .zip legible" in _upload(client, b"PK\x03\x04 garbage").get_data(
        as_text=True
    )
    monkeypatch.setattr(zipsafe, "MAX_ENTRIES", 3)
    many = _raw_zip([(f"tiny/f{n}.txt", b"x") for n in range(5)])
    assert "como máximo 3" in _upload(client, many).get_data(as_text=True)


def test_only_owners_publish_and_others_see_nothing(app, client, world, make_user):
    client.login(world.trainer_email)
    _upload(client, _zip(TINY, "tiny"))
    make_user(world.network, Role.TRAINER, email="otra.formadora@test.example")
    stranger = app.test_client()
    stranger.login("otra.formadora@test.example")
    assert stranger.get("/author/tiny").status_code == 404
    assert stranger.get("/author/tiny/versions/1.zip").status_code == 404
    refused = _upload(stranger, _zip(TINY, "tiny"))
    assert refused.status_code == 400
    assert "no es una de sus propietarias" in refused.get_data(
        as_text=True
    ) or "propietari" in refused.get_data(as_text=True)
    # The owner adds her as co-author: she reads, but still cannot publish.
    client.submit("/author/tiny/authors", {"email": "otra.formadora@test.example"})
    assert stranger.get("/author/tiny").status_code == 200
    assert stranger.get("/author/tiny/versions/1.zip").status_code == 200
    assert (
        stranger.submit("/author/tiny/authors", {"email": world.trainer_email}).status_code == 403
    )
    # The last owner cannot be removed.
    client.submit(f"/author/tiny/authors/{world.trainer}/remove")
    assert db.session.scalar(select(func.count()).select_from(CourseAuthor)) == 2
    official = app.test_client()
    official.login(world.official_cdmx_email)
    assert official.get("/author/").status_code == 403


@pytest.mark.parametrize(
    "folder",
    sorted(p for p in COURSES.iterdir() if (p / "course.toml").exists()),
    ids=lambda p: p.name,
)
def test_every_shipped_course_round_trips_through_the_browser(app, world, folder):
    """Upload a course, download its version as a .zip, upload that: nothing changed."""
    client = app.test_client()
    client.login(world.admin_email)
    assert _upload(client, _zip(folder, folder.name)).status_code == 302
    downloaded = client.get(f"/author/{folder.name}/versions/1.zip")
    assert downloaded.status_code == 200 and downloaded.mimetype == "application/zip"
    response = _upload(client, downloaded.data)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(CourseVersion)) == 1
