"""One person's transcript for HR: what the page and the PDF print, gathered in a fixed
handful of queries however many courses, quizzes and attempts the person has."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import load_only, selectinload

from app.accounts.models import Organisation, OrgKind, User
from app.catalog.models import Lesson, Module
from app.certificates import codes
from app.certificates.models import Certificate
from app.clock import utcnow
from app.extensions import db
from app.learning.models import Enrolment, LessonProgress
from app.mail import external_url
from app.quizzes.models import FINAL, AttemptState, QuizAttempt


@dataclass(frozen=True)
class QuizLine:
    """One quiz of a course: named by its module (None: the final exam), with the best
    graded score and how many attempts were started."""

    key: str
    module_title: str | None
    best: float | None
    attempts: int
    passed: bool
    waiting: bool  # an attempt waits for a trainer to grade its essays

    @property
    def is_final(self) -> bool:
        return self.key == FINAL


@dataclass(frozen=True)
class CourseRecord:
    enrolment: Enrolment
    done: int
    total: int
    attempts: list[QuizAttempt]
    quizzes: list[QuizLine]
    certificate: Certificate | None
    #: The certificate's public verification address, built on BASE_URL (None without one).
    verify_url: str | None

    def quiz_title(self, key: str) -> str | None:
        """The module title of a quiz key (None for the final exam or an unknown key)."""
        return next((q.module_title for q in self.quizzes if q.key == key), None)


@dataclass(frozen=True)
class Transcript:
    person: User
    #: The person's organisation and those above it, up to the city or state (not the network).
    organisation: str
    courses: list[CourseRecord]
    generated_at: datetime


def _organisation_line(org: Organisation) -> str:
    names = dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(
                Organisation.id.in_(org.ancestor_ids()), Organisation.kind != OrgKind.NETWORK
            )
        ).all()
    )
    return ", ".join(names[i] for i in reversed(org.ancestor_ids()) if i in names) or org.name


def _quiz_lines(enrolment: Enrolment, titles: list[tuple[int, str]], attempts) -> list[QuizLine]:
    """Every quiz the course asks, in course order, then any quiz attempted that the edition
    no longer lists (so no attempt is left out)."""
    keys = [(f"m{module_id}", title) for module_id, title in titles]
    if enrolment.edition.final_quiz:
        keys.append((FINAL, None))
    known = {key for key, _title in keys}
    keys += [(a.quiz_key, None) for a in attempts if a.quiz_key not in known]
    lines, seen = [], set()
    for key, title in keys:
        if key in seen:
            continue
        seen.add(key)
        mine = [a for a in attempts if a.quiz_key == key]
        scores = [a.score for a in mine if a.score is not None]
        lines.append(
            QuizLine(
                key=key,
                module_title=title,
                best=max(scores) if scores else None,
                attempts=len(mine),
                passed=any(a.passed for a in mine),
                waiting=any(a.state == AttemptState.NEEDS_GRADING for a in mine),
            )
        )
    return lines


def build(person: User) -> Transcript:
    """The person's enrolments (oldest first) with lessons read, quizzes, attempts and
    certificate; six queries whatever the size of the record."""
    enrolments = db.session.scalars(
        select(Enrolment)
        .where(Enrolment.user_id == person.id)
        .options(selectinload(Enrolment.edition), selectinload(Enrolment.course))
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    ).all()
    ids = [e.id for e in enrolments]
    editions = {e.edition_id for e in enrolments}
    done = dict(
        db.session.execute(
            select(LessonProgress.enrolment_id, func.count())
            .where(LessonProgress.enrolment_id.in_(ids))
            .group_by(LessonProgress.enrolment_id)
        ).all()
    )
    totals = dict(
        db.session.execute(
            select(Lesson.edition_id, func.count())
            .where(Lesson.edition_id.in_(editions))
            .group_by(Lesson.edition_id)
        ).all()
    )
    modules: dict[int, list[tuple[int, str]]] = {}
    for edition_id, module_id, title in db.session.execute(
        select(Module.edition_id, Module.id, Module.title)
        .where(Module.edition_id.in_(editions), Module.quiz.is_not(None), Module.quiz != "")
        .order_by(Module.edition_id, Module.position)
    ):
        modules.setdefault(edition_id, []).append((module_id, title))
    attempts: dict[int, list[QuizAttempt]] = {}
    for attempt in db.session.scalars(
        select(QuizAttempt)
        .options(
            load_only(
                QuizAttempt.id,
                QuizAttempt.enrolment_id,
                QuizAttempt.quiz_key,
                QuizAttempt.number,
                QuizAttempt.state,
                QuizAttempt.score,
                QuizAttempt.pass_mark,
                QuizAttempt.started_at,
                QuizAttempt.submitted_at,
            )
        )
        .where(QuizAttempt.enrolment_id.in_(ids))
        .order_by(QuizAttempt.enrolment_id, QuizAttempt.started_at, QuizAttempt.id)
    ):
        attempts.setdefault(attempt.enrolment_id, []).append(attempt)
    certificates = {
        c.enrolment_id: c
        for c in db.session.scalars(select(Certificate).where(Certificate.user_id == person.id))
    }
    courses = []
    for e in enrolments:
        cert = certificates.get(e.id)
        mine = attempts.get(e.id, [])
        courses.append(
            CourseRecord(
                enrolment=e,
                done=done.get(e.id, 0),
                total=totals.get(e.edition_id, 0),
                attempts=mine,
                quizzes=_quiz_lines(e, modules.get(e.edition_id, []), mine),
                certificate=cert,
                verify_url=external_url("certificates.verify_code", code=codes.display(cert.code))
                if cert is not None
                else None,
            )
        )
    return Transcript(person, _organisation_line(person.organisation), courses, utcnow())
