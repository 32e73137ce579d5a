"""Courses as the platform holds them: a course has numbered versions, each version has one
edition per language, each edition modules and lessons. Versions never change once made."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User, utcnow
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
    __table_args__ = (UniqueConstraint("version_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    #: The final exam's GIFT text, parsed by the quiz engine.
    final_quiz: Mapped[str | None] = mapped_column(Text)
    #: The final exam's settings as written in edition.toml ([final]); see docs/course-format.md.
    final_settings: Mapped[dict] = mapped_column(JSON, default=dict)

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


class CourseAuthor(db.Model):
    """Who writes a course: owners (who publish and add co-authors) and co-authors."""

    __tablename__ = "course_authors"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(20))  # "owner" or "coauthor"
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


# Drafts -----------------------------------------------------------------------------------
# What trainers edit in the browser: one draft per course, shaped like a package so that
# publishing writes it out and reads it back through the same checker as `flask courses
# check`. Each editable row has a revision, bumped by a conditional UPDATE, so two people
# saving the same thing cannot overwrite each other unseen.


class Draft(db.Model):
    __tablename__ = "course_drafts"

    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), primary_key=True)
    #: The version the draft was opened from; None for a course started in the browser.
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("course_versions.id"))
    #: course.toml's content: hours, pass_mark, certificate_validity_months, themes,
    #: authors, booklet.
    meta: Mapped[dict] = mapped_column(JSON)
    #: Publishing waits for an approval from a requested reviewer.
    review_required: Mapped[bool] = mapped_column(default=False)
    revision: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship()
    based_on: Mapped[CourseVersion | None] = relationship()
    editions: Mapped[list[DraftEdition]] = relationship(
        back_populates="draft", order_by="DraftEdition.language", cascade="all, delete-orphan"
    )


class DraftEdition(db.Model):
    __tablename__ = "draft_editions"
    __table_args__ = (UniqueConstraint("course_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course_drafts.course_id"), index=True)
    language: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text)
    final_quiz: Mapped[str | None] = mapped_column(Text)
    final_settings: Mapped[dict] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(default=1)

    draft: Mapped[Draft] = relationship(back_populates="editions")
    modules: Mapped[list[DraftModule]] = relationship(
        back_populates="edition", order_by="DraftModule.position", cascade="all, delete-orphan"
    )


class DraftModule(db.Model):
    __tablename__ = "draft_modules"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("draft_editions.id"), index=True)
    position: Mapped[int]
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    quiz: Mapped[str | None] = mapped_column(Text)
    quiz_settings: Mapped[dict] = mapped_column(JSON, default=dict)
    revision: Mapped[int] = mapped_column(default=1)

    edition: Mapped[DraftEdition] = relationship(back_populates="modules")
    lessons: Mapped[list[DraftLesson]] = relationship(
        back_populates="module", order_by="DraftLesson.position", cascade="all, delete-orphan"
    )


class DraftLesson(db.Model):
    __tablename__ = "draft_lessons"

    id: Mapped[int] = mapped_column(primary_key=True)
    module_id: Mapped[int] = mapped_column(ForeignKey("draft_modules.id"), index=True)
    position: Mapped[int]
    slug: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    minutes: Mapped[int]
    body_md: Mapped[str] = mapped_column(Text)
    revision: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    module: Mapped[DraftModule] = relationship(back_populates="lessons")


class DraftMedia(db.Model):
    """A file of the draft's media/ folder; the bytes live in media_files, by hash."""

    __tablename__ = "draft_media"

    course_id: Mapped[int] = mapped_column(ForeignKey("course_drafts.course_id"), primary_key=True)
    path: Mapped[str] = mapped_column(String(300), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("media_files.sha256"))


class DraftReview(db.Model):
    """A trainer asked to review the draft, and whether they approved it (and when)."""

    __tablename__ = "draft_reviews"

    course_id: Mapped[int] = mapped_column(ForeignKey("course_drafts.course_id"), primary_key=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set by the reviewer; an edit after it means the approval no longer covers the draft.
    approved_at: Mapped[datetime | None]

    reviewer: Mapped[User] = relationship()


class DraftComment(db.Model):
    """A reviewer's (or co-author's) remark on a lesson of the draft."""

    __tablename__ = "draft_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course_drafts.course_id"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(
        ForeignKey("draft_lessons.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User] = relationship()
