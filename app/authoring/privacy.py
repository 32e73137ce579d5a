"""Authoring's part of a data-rights request (app/privacy/): the person's work as a trainer
or reviewer of courses. Erasure keeps it: the course history names an anonymised account."""

from __future__ import annotations

from sqlalchemy import select

from app.accounts.models import User
from app.catalog.models import Course, CourseVersion
from app.clock import iso_utc
from app.extensions import db

from .models import CourseAuthor, DraftComment, DraftLesson, DraftReview


def export(user: User) -> dict:
    """Courses they write, versions they published, reviews asked of them, their comments."""
    authors = db.session.execute(
        select(Course.slug, CourseAuthor.role, CourseAuthor.added_at)
        .join(Course, Course.id == CourseAuthor.course_id)
        .where(CourseAuthor.user_id == user.id)
        .order_by(Course.slug)
    ).all()
    published = db.session.execute(
        select(Course.slug, CourseVersion.number, CourseVersion.created_at, CourseVersion.note)
        .join(Course, Course.id == CourseVersion.course_id)
        .where(CourseVersion.published_by_id == user.id)
        .order_by(CourseVersion.created_at, CourseVersion.id)
    ).all()
    reviews = db.session.execute(
        select(Course.slug, DraftReview.requested_at, DraftReview.approved_at)
        .join(Course, Course.id == DraftReview.course_id)
        .where(DraftReview.reviewer_id == user.id)
        .order_by(DraftReview.requested_at)
    ).all()
    comments = db.session.execute(
        select(Course.slug, DraftLesson.title, DraftComment.body, DraftComment.created_at)
        .join(Course, Course.id == DraftComment.course_id)
        .outerjoin(DraftLesson, DraftLesson.id == DraftComment.lesson_id)
        .where(DraftComment.author_id == user.id)
        .order_by(DraftComment.created_at, DraftComment.id)
    ).all()
    return {
        "course_authors": [{"course": s, "role": r, "added_at": iso_utc(a)} for s, r, a in authors],
        "versions_published": [
            {"course": s, "version": n, "published_at": iso_utc(a), "note": note}
            for s, n, a, note in published
        ],
        "reviews_requested_of_you": [
            {"course": s, "requested_at": iso_utc(r), "approved_at": iso_utc(a)}
            for s, r, a in reviews
        ],
        "draft_comments": [
            {"course": s, "lesson": lesson, "comment": body, "written_at": iso_utc(at)}
            for s, lesson, body, at in comments
        ],
    }
