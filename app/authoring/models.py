"""Who writes a course, and the draft they edit in the browser before publishing it as the
course's next version. The tables keep the names they had under catalog/."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.catalog.models import Course, CourseVersion
from app.clock import utcnow
from app.extensions import db


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

    @property
    def dirname(self) -> str:
        """Its folder in the package it is published as (position and slug give it)."""
        return f"{self.position:02d}-{self.slug}"


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

    @property
    def filename(self) -> str:
        """Its file in the package it is published as."""
        return f"{self.position:02d}-{self.slug}.md"


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
