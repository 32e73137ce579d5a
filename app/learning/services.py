"""Enrolment, progress and the one completion rule used by pages, reports and certificates."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload, load_only

from app import events
from app.accounts.models import User
from app.catalog.models import Course, Edition, Lesson, Module
from app.catalog.services import edition_lessons, pick_edition
from app.clock import utcnow
from app.extensions import db
from app.learning.assignments import mark_completed
from app.learning.models import Enrolment, EnrolmentError, EnrolmentStatus, LessonProgress
from app.quizzes.models import FINAL
from app.quizzes.services import (
    QuizRef,
    counted_score,
    graded_scores,
    quiz_key,
    quiz_scores,
    quizzes_of,
)

log = logging.getLogger("aula.learning")


def find_enrolment(user: User, course: Course) -> Enrolment | None:
    return find_enrolment_by_id(user.id, course.id)


def find_enrolment_by_id(user_id: int, course_id: int) -> Enrolment | None:
    return db.session.scalar(
        select(Enrolment).where(Enrolment.user_id == user_id, Enrolment.course_id == course_id)
    )


def enrolment_and_done(
    user_id: int, course_id: int, lesson_id: int
) -> tuple[Enrolment | None, bool]:
    """The user's enrolment in the course and whether this lesson is done, in one query."""
    done = (
        select(LessonProgress.id)
        .where(LessonProgress.enrolment_id == Enrolment.id, LessonProgress.lesson_id == lesson_id)
        .exists()
    )
    row = db.session.execute(
        select(Enrolment, done).where(
            Enrolment.user_id == user_id, Enrolment.course_id == course_id
        )
    ).first()
    return (row[0], bool(row[1])) if row else (None, False)


def enrol(user: User, course: Course, language: str, actor: User | None = None) -> Enrolment:
    """Enrol on the course's current version in the given language (or the nearest edition).

    Enrolling again after withdrawing resumes the same enrolment, on its own version.
    """
    version = course.current_version
    if version is None:
        raise EnrolmentError("course has no published version")
    enrolment = find_enrolment(user, course)
    if enrolment is not None:
        if enrolment.status == EnrolmentStatus.WITHDRAWN:
            enrolment.reactivate()
            refresh_completion(enrolment)
            events.enrolled.send(enrolment, actor=actor or user)
        return enrolment
    edition = pick_edition(version.editions, language, language)
    enrolment = Enrolment(
        user=user,
        organisation_id=user.organisation_id,
        course=course,
        version=version,
        edition=edition,
        enrolled_by_id=(actor or user).id,
    )
    db.session.add(enrolment)
    db.session.flush()
    log.info(
        "user %s enrolled in %s v%d by %s", user.id, course.slug, version.number, (actor or user).id
    )
    events.enrolled.send(enrolment, actor=actor or user)
    return enrolment


def withdraw(enrolment: Enrolment) -> None:
    """Leave a course; progress is kept in case the official comes back. A completed course
    cannot be withdrawn from (EnrolmentError)."""
    enrolment.withdraw()
    db.session.flush()


@dataclass(frozen=True)
class Completion:
    lessons_done: int
    lessons_total: int
    quizzes_passed: int = 0
    quizzes_total: int = 0

    @property
    def percent(self) -> int:
        """Lessons and quizzes alike; 100 only when the completion rule holds."""
        if self.is_complete:
            return 100
        total = self.lessons_total + self.quizzes_total
        return min(99, 100 * (self.lessons_done + self.quizzes_passed) // total) if total else 0

    @property
    def is_complete(self) -> bool:
        return (
            self.lessons_total > 0
            and self.lessons_done >= self.lessons_total
            and self.quizzes_passed >= self.quizzes_total
        )


def completion(enrolment: Enrolment) -> Completion:
    """The single completion rule, for pages, reports and certificates alike: every lesson of
    the enrolment's edition done, every module quiz and the final exam passed at least once."""
    done = db.session.scalar(
        select(func.count())
        .select_from(LessonProgress)
        .where(LessonProgress.enrolment_id == enrolment.id)
    )
    total = db.session.scalar(
        select(func.count()).select_from(Lesson).where(Lesson.edition_id == enrolment.edition_id)
    )
    quizzes = quizzes_of(enrolment.edition)
    scores = quiz_scores(enrolment.id, quizzes) if quizzes else {}
    pass_mark = enrolment.version.pass_mark
    passed = sum(1 for ref in quizzes if scores.get(ref.key, -1) >= pass_mark)
    return Completion(done or 0, total or 0, passed, len(quizzes))


def quiz_after(enrolment: Enrolment, lesson: Lesson) -> Module | None:
    """The step after a module's last lesson: that module's quiz, while it is not passed."""
    module = lesson.module
    if not module.quiz or module.lessons[-1].id != lesson.id:
        return None
    key = quiz_key(module)
    scores = quiz_scores(enrolment.id, [QuizRef(key, module.quiz, module, module.quiz_settings)])
    return None if scores.get(key, -1) >= enrolment.version.pass_mark else module


@dataclass(frozen=True)
class Remaining:
    """What an enrolment still needs for the completion rule: unread lessons, quizzes to pass."""

    lessons: int
    quizzes: list[QuizRef]

    @property
    def module_quizzes(self) -> int:
        return sum(1 for ref in self.quizzes if ref.module is not None)

    @property
    def final(self) -> bool:
        return any(ref.module is None for ref in self.quizzes)

    @property
    def nothing(self) -> bool:
        return not self.lessons and not self.quizzes

    def __str__(self) -> str:
        # For the page's ETag: what the page shows of it, nothing per process.
        return f"{self.lessons}:{','.join(ref.key for ref in self.quizzes)}"


def _unread_lessons(enrolment: Enrolment) -> int:
    """Lessons of the enrolment's edition not marked as done (one query)."""
    return db.session.scalar(
        select(func.count())
        .select_from(Lesson)
        .where(
            Lesson.edition_id == enrolment.edition_id,
            Lesson.id.not_in(
                select(LessonProgress.lesson_id).where(LessonProgress.enrolment_id == enrolment.id)
            ),
        )
    )


def remaining(enrolment: Enrolment) -> Remaining:
    """What is left to do, for the end of the last lesson (three queries)."""
    unread = _unread_lessons(enrolment)
    refs = quizzes_of(enrolment.edition)
    scores = quiz_scores(enrolment.id, refs) if refs else {}
    pass_mark = enrolment.version.pass_mark
    return Remaining(unread or 0, [r for r in refs if scores.get(r.key, -1) < pass_mark])


def refresh_completion(enrolment: Enrolment) -> bool:
    """Mark an active enrolment completed when the rule says so; True when this call completed
    it. A withdrawn one completes when the official comes back (enrol refreshes it)."""
    if enrolment.status != EnrolmentStatus.ACTIVE:
        return False
    # One cheap query first: with a lesson still unread the answer is no, whatever the
    # quizzes say (most quiz submissions land here).
    unread = _unread_lessons(enrolment)
    if unread or not completion(enrolment).is_complete:
        return False
    enrolment.complete(utcnow())
    db.session.flush()
    log.info("enrolment %s completed", enrolment.id)
    # Their assignments of this course stop counting as due; the receivers of the signal
    # (the certificate, app/wiring.py) run in this same request and transaction, so the
    # official leaves with their certificate.
    mark_completed(enrolment.user_id, enrolment.course_id)
    events.course_completed.send(enrolment, at=enrolment.completed_at)
    return True


def mark_done(enrolment: Enrolment, lesson: Lesson) -> bool:
    """Record a lesson as done; returns True when this completed the course."""
    if lesson.edition_id != enrolment.edition_id:
        raise EnrolmentError("the lesson is not part of this enrolment's edition")
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise EnrolmentError("withdrawn")
    exists = db.session.scalar(
        select(LessonProgress.id).where(
            LessonProgress.enrolment_id == enrolment.id, LessonProgress.lesson_id == lesson.id
        )
    )
    if exists is None:
        db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id))
    enrolment.last_lesson_id = lesson.id
    db.session.flush()
    if exists is None:
        events.lesson_completed.send(enrolment, lesson=lesson)
    return refresh_completion(enrolment)


def record_visit(enrolment: Enrolment, lesson_id: int) -> None:
    """Remember where the official is, so "continue" brings them back here (same edition only;
    the caller has checked that)."""
    enrolment.last_lesson_id = lesson_id


def done_lesson_ids(enrolment: Enrolment) -> set[int]:
    return set(
        db.session.scalars(
            select(LessonProgress.lesson_id).where(LessonProgress.enrolment_id == enrolment.id)
        )
    )


@dataclass
class LearningRow:
    enrolment: Enrolment
    done: int
    total: int
    next_lesson: Lesson | None
    #: With every lesson read: the first quiz still to pass (its module, or None for the final).
    pending_quiz: tuple[Module | None] | None = None
    quizzes_passed: int = 0
    quizzes_total: int = 0

    @property
    def complete(self) -> bool:
        return self.enrolment.status == EnrolmentStatus.COMPLETED or (
            self.total > 0 and self.done >= self.total and self.quizzes_passed >= self.quizzes_total
        )

    @property
    def percent(self) -> int:
        """Lessons and quizzes alike; 100 only when the completion rule holds."""
        if self.complete:
            return 100
        steps = self.total + self.quizzes_total
        return min(99, 100 * (self.done + self.quizzes_passed) // steps) if steps else 0


def my_learning(user: User) -> list[LearningRow]:
    """The official's enrolments with progress and next step, in a fixed number of queries."""
    enrolments = list(
        db.session.scalars(
            select(Enrolment)
            .where(Enrolment.user_id == user.id, Enrolment.status != EnrolmentStatus.WITHDRAWN)
            .options(
                joinedload(Enrolment.edition),
                joinedload(Enrolment.course),
                joinedload(Enrolment.version),
                joinedload(Enrolment.last_lesson).load_only(Lesson.id, Lesson.title),
            )
            .order_by(Enrolment.updated_at.desc())
        )
    )
    if not enrolments:
        return []
    edition_ids = {e.edition_id for e in enrolments}
    lessons_by_edition: dict[int, list[Lesson]] = {}
    for lesson in db.session.scalars(
        select(Lesson)
        .where(Lesson.edition_id.in_(edition_ids))
        .join(Module, Module.id == Lesson.module_id)
        .options(
            load_only(Lesson.id, Lesson.title, Lesson.edition_id, Lesson.module_id, Lesson.position)
        )
        .order_by(Lesson.edition_id, Module.position, Lesson.position)
    ):
        lessons_by_edition.setdefault(lesson.edition_id, []).append(lesson)
    done: dict[int, set[int]] = {}
    for enrolment_id, lesson_id in db.session.execute(
        select(LessonProgress.enrolment_id, LessonProgress.lesson_id).where(
            LessonProgress.enrolment_id.in_([e.id for e in enrolments])
        )
    ):
        done.setdefault(enrolment_id, set()).add(lesson_id)
    quizzes = quiz_progress(enrolments)
    rows = []
    for enrolment in enrolments:
        lessons = lessons_by_edition.get(enrolment.edition_id, [])
        finished = done.get(enrolment.id, set())
        lesson = next_lesson(lessons, finished, enrolment.last_lesson_id)
        passed, total, pending = quizzes.get(enrolment.id, (0, 0, None))
        rows.append(
            LearningRow(
                enrolment,
                len(finished),
                len(lessons),
                lesson,
                None if lesson is not None else pending,
                passed,
                total,
            )
        )
    return rows


def next_lesson(lessons: list[Lesson], finished: set[int], last_id: int | None) -> Lesson | None:
    """Where "continue" goes: the first unfinished lesson after the last one seen, else the
    first unfinished lesson at all; None once every lesson is done."""
    ids = [les.id for les in lessons]
    start = ids.index(last_id) if last_id in ids else 0
    for lesson in lessons[start:] + lessons[:start]:
        if lesson.id not in finished:
            return lesson
    return None


def resume_lesson(enrolment: Enrolment) -> Lesson | None:
    return next_lesson(
        edition_lessons(enrolment.edition_id), done_lesson_ids(enrolment), enrolment.last_lesson_id
    )


#: Ids per UPDATE when many people move at once (a staff import), within every driver's limit.
_MOVE_CHUNK = 500


def on_person_moved(_organisation, user_ids: list[int], **_) -> None:
    """Receiver of `person_moved`: their enrolments follow them."""
    for start in range(0, len(user_ids), _MOVE_CHUNK):
        follow_moves(user_ids[start : start + _MOVE_CHUNK])


def follow_moves(user_ids) -> None:
    """Enrolments follow their officials into a new organisation, so reports count them
    where the person works now. One UPDATE for any number of people."""
    db.session.execute(
        update(Enrolment)
        .where(Enrolment.user_id.in_(user_ids))
        .values(
            organisation_id=select(User.organisation_id)
            .where(User.id == Enrolment.user_id)
            .scalar_subquery()
        )
        .execution_options(synchronize_session=False)
    )


def pending_quizzes(enrolments: list[Enrolment]) -> dict[int, tuple[Module | None]]:
    """For each enrolment, by id, the first quiz it has still to pass, as (module,) or (None,)
    for the final exam; enrolments with nothing pending are left out. Three queries in all."""
    return {
        enrolment_id: pending
        for enrolment_id, (_passed, _total, pending) in quiz_progress(enrolments).items()
        if pending is not None
    }


def quiz_progress(
    enrolments: list[Enrolment],
) -> dict[int, tuple[int, int, tuple[Module | None] | None]]:
    """For each enrolment, by id: quizzes passed, quizzes in its edition, and the first one
    still to pass as (module,) or (None,) for the final exam (None when all are passed).
    Three queries for any number of enrolments."""
    if not enrolments:
        return {}
    edition_ids = {e.edition_id for e in enrolments}
    modules: dict[int, list[Module]] = {}
    for module in db.session.scalars(
        select(Module)
        .where(Module.edition_id.in_(edition_ids), Module.quiz.is_not(None))
        .options(
            load_only(
                Module.id, Module.title, Module.edition_id, Module.position, Module.quiz_settings
            )
        )
        .order_by(Module.edition_id, Module.position)
    ):
        modules.setdefault(module.edition_id, []).append(module)
    finals = {
        edition_id: settings or {}
        for edition_id, settings in db.session.execute(
            select(Edition.id, Edition.final_settings).where(
                Edition.id.in_(edition_ids), Edition.final_quiz.is_not(None)
            )
        )
    }
    graded = graded_scores([e.id for e in enrolments])
    result: dict[int, tuple[int, int, tuple[Module | None] | None]] = {}
    for enrolment in enrolments:
        quizzes = [
            (m, quiz_key(m), m.quiz_settings or {}) for m in modules.get(enrolment.edition_id, [])
        ]
        if enrolment.edition_id in finals:
            quizzes.append((None, FINAL, finals[enrolment.edition_id]))
        passed, pending = 0, None
        for module, key, settings in quizzes:
            counted = counted_score(graded.get((enrolment.id, key), []), settings)
            if counted >= enrolment.version.pass_mark:
                passed += 1
            elif pending is None:
                pending = (module,)
        result[enrolment.id] = (passed, len(quizzes), pending)
    return result
