"""Review of a draft: owners ask trainers to review it, reviewers approve it, and anyone who
reads the draft may comment on its lessons. An approval covers the draft as it was then."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.models import record
from app.catalog.models import Course
from app.clock import utcnow
from app.extensions import db

from .authors import AuthoringRefused
from .models import Draft, DraftComment, DraftLesson, DraftReview
from .structure import course_id_of


def request_review(actor: User, draft: Draft, reviewer: User) -> None:
    if db.session.get(DraftReview, (draft.course_id, reviewer.id)) is None:
        db.session.add(DraftReview(course_id=draft.course_id, reviewer_id=reviewer.id))
    record("draft.review_request", "course", draft.course_id, actor=actor, reviewer=reviewer.email)
    db.session.flush()


def reviews(draft: Draft) -> list[DraftReview]:
    return list(
        db.session.scalars(
            select(DraftReview)
            .where(DraftReview.course_id == draft.course_id)
            .order_by(DraftReview.requested_at)
        )
    )


def is_reviewer(user: User, course: Course) -> bool:
    return db.session.get(DraftReview, (course.id, user.id)) is not None


def approve(actor: User, draft: Draft) -> None:
    review = db.session.get(DraftReview, (draft.course_id, actor.id))
    if review is None:
        raise AuthoringRefused(draft.course.slug)
    review.approved_at = utcnow()
    record("draft.approve", "course", draft.course_id, actor=actor)
    db.session.flush()


def approved(draft: Draft) -> bool:
    """Some requested reviewer approved the draft after its last change."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(DraftReview)
            .where(
                DraftReview.course_id == draft.course_id,
                DraftReview.approved_at.is_not(None),
                DraftReview.approved_at
                >= select(Draft.updated_at)
                .where(Draft.course_id == draft.course_id)
                .scalar_subquery(),
            )
        )
        > 0
    )


def comment(actor: User, lesson: DraftLesson, body: str) -> DraftComment:
    entry = DraftComment(
        course_id=course_id_of(lesson), lesson_id=lesson.id, author_id=actor.id, body=body
    )
    db.session.add(entry)
    record("draft.comment", "course", entry.course_id, actor=actor, lesson=lesson.title)
    db.session.flush()
    return entry


def comments(lesson: DraftLesson) -> list[DraftComment]:
    return list(
        db.session.scalars(
            select(DraftComment)
            .where(DraftComment.lesson_id == lesson.id)
            .order_by(DraftComment.created_at, DraftComment.id)
        )
    )


def comment_counts(draft: Draft) -> dict[int, int]:
    return dict(
        db.session.execute(
            select(DraftComment.lesson_id, func.count())
            .where(DraftComment.course_id == draft.course_id)
            .group_by(DraftComment.lesson_id)
        ).all()
    )
