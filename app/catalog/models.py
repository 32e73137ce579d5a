"""Courses as the platform holds them: a course has numbered versions, each version has one
edition per language, each edition modules and lessons. Versions never change once made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import search
from app.clock import utcnow
from app.extensions import db


class Course(db.Model):
    """A course across its versions; the slug is its stable name."""

    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    #: The version new visitors get; None until the first import finishes.
    current_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("course_versions.id", use_alter=True, name="fk_courses_current_version")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    current_version: Mapped[CourseVersion | None] = relationship(
        foreign_keys=[current_version_id], post_update=True
    )


class CourseVersion(db.Model):
    """The content of a course as imported or published once; frozen afterwards."""

    __tablename__ = "course_versions"
    __table_args__ = (UniqueConstraint("course_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    number: Mapped[int]
    #: sha256 of the package's canonical content: same files, same hash.
    content_hash: Mapped[str] = mapped_column(String(64))
    hours: Mapped[float]
    pass_mark: Mapped[int]
    certificate_validity_months: Mapped[int | None]
    #: In the package's order; version_themes holds the same themes as rows for filtering.
    themes_list: Mapped[list] = mapped_column("themes", JSON)
    authors: Mapped[list] = mapped_column(JSON)
    booklet: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Why this version was published (from the browser); None for package imports.
    note: Mapped[str | None] = mapped_column(Text)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    course: Mapped[Course] = relationship(foreign_keys=[course_id])
    editions: Mapped[list[Edition]] = relationship(
        back_populates="version", order_by="Edition.language"
    )
    themes: Mapped[list[VersionTheme]] = relationship(order_by="VersionTheme.theme")

    @property
    def theme_names(self) -> list[str]:
        return list(self.themes_list)


class VersionTheme(db.Model):
    """A theme of a version, as rows so the catalogue filters in SQL."""

    __tablename__ = "version_themes"

    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), primary_key=True)
    theme: Mapped[str] = mapped_column(String(60), primary_key=True, index=True)


class Edition(db.Model):
    """A version of a course in one language."""

    __tablename__ = "editions"
    __table_args__ = (
        UniqueConstraint("version_id", "language"),
        # Infix LIKE on the search key: a trigram index on PostgreSQL, a plain one elsewhere.
        Index(
            "ix_editions_search_key",
            "search_key",
            postgresql_using="gin",
            postgresql_ops={"search_key": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    #: The final exam's GIFT text, parsed by the quiz engine.
    final_quiz: Mapped[str | None] = mapped_column(Text)
    #: The final exam's settings as written in edition.toml ([final]); see docs/course-format.md.
    final_settings: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Title and summary in search form (app/search.py); written once, as editions never change.
    search_key: Mapped[str] = mapped_column(Text, default=search.default_from("title", "summary"))

    version: Mapped[CourseVersion] = relationship(back_populates="editions")
    modules: Mapped[list[Module]] = relationship(
        back_populates="edition", order_by="Module.position"
    )


class Module(db.Model):
    """A numbered part of an edition."""

    __tablename__ = "modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"), index=True)
    position: Mapped[int]
    slug: Mapped[str] = mapped_column(String(120))
    #: The folder name in the package, kept so an export writes the same paths.
    dirname: Mapped[str] = mapped_column(String(130))
    title: Mapped[str] = mapped_column(String(300))
    quiz: Mapped[str | None] = mapped_column(Text)
    #: The module quiz's settings as written in module.toml ([quiz]).
    quiz_settings: Mapped[dict] = mapped_column(JSON, default=dict)

    edition: Mapped[Edition] = relationship(back_populates="modules")
    lessons: Mapped[list[Lesson]] = relationship(
        back_populates="module", order_by="Lesson.position"
    )


class Lesson(db.Model):
    """A page to read: Markdown as written, and the sanitised HTML made from it at import."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("modules.id"), index=True)
    #: Denormalised so an edition's lessons come in one indexed query.
    edition_id: Mapped[int] = mapped_column(ForeignKey("editions.id"), index=True)
    position: Mapped[int]
    slug: Mapped[str] = mapped_column(String(120))
    filename: Mapped[str] = mapped_column(String(130))
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int]
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)

    module: Mapped[Module] = relationship(back_populates="lessons")


class MediaFile(db.Model):
    """An image or attachment, stored once by content hash and shared by versions.

    Kept in the database so every app server can serve it without a shared disk.
    """

    __tablename__ = "media_files"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(LargeBinary)


class VersionMedia(db.Model):
    """Which media file a version has at which package path."""

    __tablename__ = "version_media"

    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), primary_key=True)
    path: Mapped[str] = mapped_column(String(300), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("media_files.sha256"), index=True)
