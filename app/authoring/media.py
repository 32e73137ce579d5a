"""A draft's media/ folder: uploads checked by content, stored once by hash; and the lesson
preview, whose links to media resolve to the uploaded files."""

from __future__ import annotations

import hashlib
from pathlib import PurePosixPath

from sqlalchemy import select

from app.accounts.models import User
from app.audit.models import record
from app.catalog import package as pkg
from app.catalog import services
from app.catalog.models import MediaFile
from app.extensions import db

from .models import Draft, DraftLesson, DraftMedia
from .revisions import Invalid, touch
from .structure import lesson_path, slug_from

MAX_UPLOAD = pkg.MAX_MEDIA_BYTES

# What an upload's first bytes must look like for its file type: a name alone proves nothing.
_SIGNATURES = {
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".gif": (b"GIF87a", b"GIF89a"),
    ".pdf": (b"%PDF-",),
    ".odt": (b"PK\x03\x04",),
    ".docx": (b"PK\x03\x04",),
    ".xlsx": (b"PK\x03\x04",),
    ".pptx": (b"PK\x03\x04",),
}


def content_matches(name: str, data: bytes) -> bool:
    """Whether the bytes are what the name says: signatures for binary types, UTF-8 without
    markup for text; SVG (which can carry script) is not accepted from the browser."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _SIGNATURES:
        return data.startswith(_SIGNATURES[suffix])
    if suffix == ".webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if suffix in {".txt", ".csv"}:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return "\x00" not in text and "<" not in text[:512]
    return False


def upload_media(actor: User, draft: Draft, filename: str, data: bytes) -> str:
    """Store an uploaded file under media/; returns its package path. Invalid when its type
    is not allowed, its content is not of that type, or it is too large."""
    name = PurePosixPath(filename.replace("\\", "/")).name
    stem, suffix = PurePosixPath(name).stem, PurePosixPath(name).suffix.lower()
    if suffix not in pkg.MEDIA_TYPES or suffix == ".svg":
        raise Invalid("type")
    if len(data) > MAX_UPLOAD:
        raise Invalid("size")
    if not content_matches(name, data):
        raise Invalid("content")
    safe = slug_from(stem, set()) + suffix
    path = f"media/{safe}"
    store_media(draft, path, data)
    touch(draft)
    record("draft.media_upload", "course", draft.course_id, actor=actor, path=path)
    db.session.flush()
    return path


def store_media(draft: Draft, path: str, data: bytes) -> None:
    """Put a file at a path of the draft's media/ folder; the bytes are shared by hash."""
    digest = hashlib.sha256(data).hexdigest()
    if db.session.get(MediaFile, digest) is None:
        db.session.add(
            MediaFile(sha256=digest, content_type=pkg.media_type(path), size=len(data), data=data)
        )
    existing = db.session.get(DraftMedia, (draft.course_id, path))
    if existing is None:
        db.session.add(DraftMedia(course_id=draft.course_id, path=path, sha256=digest))
    else:
        existing.sha256 = digest


def media_of(draft: Draft) -> list[DraftMedia]:
    return list(
        db.session.scalars(
            select(DraftMedia).where(DraftMedia.course_id == draft.course_id).order_by("path")
        )
    )


# Rendering ----------------------------------------------------------------------------------


def render_preview(draft: Draft, lesson: DraftLesson, body: str) -> str:
    """The lesson as officials will see it: the site's renderer and sanitiser; links to
    other lessons stay inert until publication gives them addresses."""
    hashes = {m.path: m.sha256 for m in media_of(draft)}

    def url_for_target(target: pkg.Target) -> str:
        if target.kind == "media" and target.path in hashes:
            return services.media_url(hashes[target.path], target.path)
        return "#"

    return pkg.render_lesson(body, lesson_path(lesson), url_for_target)
