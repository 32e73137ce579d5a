"""Data rights: everything Aula holds about a person as one JSON document, and erasure.

The export reads one query per table, whatever the number of rows, and only rows that belong
to the person (or that they wrote). Erasure keeps the User row, anonymised, so enrolment and
completion counts stay right and certificates still verify; it removes what identifies the
person and the free text they typed. docs/privacy.md explains both to people.
"""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, and_, cast, delete, func, or_, select, update

from app.accounts import policy
from app.accounts.models import Membership, Organisation, Role, User, utcnow
from app.audit.models import AuditEntry, record
from app.authoring.models import CourseAuthor, DraftComment, DraftLesson, DraftReview
from app.catalog.models import Course, CourseVersion, Edition, Lesson, Module
from app.certificates import codes
from app.certificates.models import Certificate
from app.extensions import db
from app.learning.models import (
    Assignment,
    AssignmentMember,
    Enrolment,
    LessonProgress,
)
from app.mail import external_url
from app.quizzes.models import QuizAttempt, QuizResponse
from app.reports.models import ReminderSent

#: Bumped when the export's shape changes, so a reader can tell versions apart.
EXPORT_FORMAT = "aula-my-data/1"

#: What an erased account's name becomes: its number only, which reads the same in every
#: language and says nothing about the person; people lists add a translated "Erased".
ERASED_NAME = "#{id}"

_EMAIL = re.compile(r"[^\s@<>\"']+@[^\s@<>\"']+")


class PrivacyError(ValueError):
    """A data-rights request that cannot be carried out; the message is translated."""


def erased_email(user_id: int) -> str:
    """A unique address nobody can receive mail at (.invalid is reserved, RFC 2606)."""
    return f"erased-{user_id}@invalid"


def export_filename(today: date) -> str:
    return f"aula-my-data-{today.isoformat()}.json"


def _iso(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=UTC).isoformat()
    return moment.isoformat()


def _redact(value: Any, own_email: str) -> Any:
    """Audit details may name other people by e-mail: keep the person's own, hide the rest."""
    if isinstance(value, dict):
        return {k: _redact(v, own_email) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact(v, own_email) for v in value]
    if isinstance(value, str):
        return _EMAIL.sub(
            lambda m: m.group(0) if m.group(0).lower() == own_email else "(another person)",
            value,
        )
    return value


# Export ------------------------------------------------------------------------------------


def _account(user: User) -> dict:
    org = user.organisation
    chain = db.session.execute(
        select(Organisation.id, Organisation.name).where(Organisation.id.in_(org.ancestor_ids()))
    ).all()
    names = dict(chain)
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "job_title": user.job_title,
        "locale": user.locale,
        "organisation": {"name": org.name, "slug": org.slug, "kind": org.kind},
        "organisation_path": [names[i] for i in org.ancestor_ids() if i in names],
        "created_at": _iso(user.created_at),
        "last_login_at": _iso(user.last_login_at),
        "is_active": user.is_active_account,
        "password_set": user.has_password,
        "erased_at": _iso(user.erased_at),
    }


def _roles(user: User) -> list[dict]:
    rows = db.session.execute(
        select(Membership.role, Organisation.name, Organisation.slug, Membership.created_at)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.created_at, Membership.id)
    ).all()
    own = {
        "role": Role.OFFICIAL.value,
        "organisation": user.organisation.name,
        "organisation_slug": user.organisation.slug,
        "since": _iso(user.created_at),
    }
    return [own] + [
        {"role": role, "organisation": name, "organisation_slug": slug, "since": _iso(at)}
        for role, name, slug, at in rows
    ]


def _enrolments(user: User) -> list[dict]:
    enrolments = db.session.execute(
        select(
            Enrolment.id,
            Enrolment.edition_id,
            Course.slug,
            Edition.title,
            Edition.language,
            CourseVersion.number,
            Enrolment.status,
            Enrolment.enrolled_at,
            Enrolment.completed_at,
            Enrolment.enrolled_by_id,
        )
        .join(Course, Course.id == Enrolment.course_id)
        .join(Edition, Edition.id == Enrolment.edition_id)
        .join(CourseVersion, CourseVersion.id == Enrolment.version_id)
        .where(Enrolment.user_id == user.id)
        .order_by(Enrolment.enrolled_at, Enrolment.id)
    ).all()
    mine = select(Enrolment.id).where(Enrolment.user_id == user.id)
    lessons = db.session.execute(
        select(Lesson.id, Lesson.edition_id, Module.title, Lesson.title)
        .join(Module, Module.id == Lesson.module_id)
        .where(
            Lesson.edition_id.in_(select(Enrolment.edition_id).where(Enrolment.user_id == user.id))
        )
        .order_by(Lesson.edition_id, Module.position, Lesson.position)
    ).all()
    done = {
        (enrolment_id, lesson_id): at
        for enrolment_id, lesson_id, at in db.session.execute(
            select(
                LessonProgress.enrolment_id, LessonProgress.lesson_id, LessonProgress.completed_at
            ).where(LessonProgress.enrolment_id.in_(mine))
        )
    }
    by_edition: dict[int, list] = {}
    for lesson_id, edition_id, module_title, title in lessons:
        by_edition.setdefault(edition_id, []).append((lesson_id, module_title, title))
    return [
        {
            "id": e.id,
            "course": e.slug,
            "title": e.title,
            "language": e.language,
            "version": e.number,
            "status": e.status,
            "enrolled_at": _iso(e.enrolled_at),
            "enrolled_by_you": e.enrolled_by_id in (None, user.id),
            "completed_at": _iso(e.completed_at),
            "lessons": [
                {
                    "module": module_title,
                    "lesson": title,
                    "completed_at": _iso(done.get((e.id, lesson_id))),
                }
                for lesson_id, module_title, title in by_edition.get(e.edition_id, [])
            ],
        }
        for e in enrolments
    ]


def _answer(question: dict, response: Any) -> Any:
    """The answer as the person gave it; chosen options by their text, never the key."""
    if question.get("qtype") == "multichoice" and response is not None:
        texts = [a.get("text", "") for a in question.get("answers", [])]
        chosen = response if isinstance(response, list) else [response]
        return [texts[i] for i in chosen if isinstance(i, int) and 0 <= i < len(texts)]
    return response


def _attempts(user: User) -> list[dict]:
    mine = select(Enrolment.id).where(Enrolment.user_id == user.id)
    attempts = db.session.execute(
        select(QuizAttempt, Course.slug)
        .join(Enrolment, Enrolment.id == QuizAttempt.enrolment_id)
        .join(Course, Course.id == Enrolment.course_id)
        .where(QuizAttempt.enrolment_id.in_(mine))
        .order_by(QuizAttempt.started_at, QuizAttempt.id)
    ).all()
    responses: dict[int, dict[int, QuizResponse]] = {}
    for response in db.session.scalars(
        select(QuizResponse).where(
            QuizResponse.attempt_id.in_(
                select(QuizAttempt.id).where(QuizAttempt.enrolment_id.in_(mine))
            )
        )
    ):
        responses.setdefault(response.attempt_id, {})[response.position] = response
    out = []
    for attempt, slug in attempts:
        given = responses.get(attempt.id, {})
        questions = []
        for position, question in enumerate(attempt.questions or []):
            response = given.get(position)
            raw = response.response if response else attempt.draft.get(str(position))
            questions.append(
                {
                    "position": position,
                    "type": question.get("qtype"),
                    "question": question.get("questiontext", ""),
                    "your_answer": _answer(question, raw),
                    "score_fraction": response.fraction if response else None,
                    "feedback": response.feedback if response else "",
                }
            )
        out.append(
            {
                "id": attempt.id,
                "enrolment_id": attempt.enrolment_id,
                "course": slug,
                "quiz": attempt.quiz_key,
                "number": attempt.number,
                "state": attempt.state,
                "started_at": _iso(attempt.started_at),
                "submitted_at": _iso(attempt.submitted_at),
                "score_percent": attempt.score,
                "pass_mark_percent": attempt.pass_mark,
                "passed": attempt.passed,
                "questions": questions,
            }
        )
    return out


def _certificates(user: User) -> list[dict]:
    certs = db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == user.id)
        .order_by(Certificate.issued_at, Certificate.id)
    ).all()
    now = utcnow()
    return [
        {
            "code": codes.display(c.code),
            "verification_url": external_url(
                "certificates.verify_code", code=codes.display(c.code)
            ),
            "course_title": c.course_title,
            "holder_name": c.holder_name,
            "language": c.language,
            "hours": c.hours,
            "issued_by": c.issuer_names,
            "issued_at": _iso(c.issued_at),
            "expires_at": _iso(c.expires_at),
            "status": c.status(now),
            "revoked_at": _iso(c.revoked_at),
            "revoked_reason": c.revoked_reason,
            "name_shown_on_verification_page": c.show_name,
            "credential": json.loads(c.credential) if c.credential else None,
        }
        for c in certs
    ]


def _assignments(user: User) -> list[dict]:
    rows = db.session.execute(
        select(
            Course.slug,
            Organisation.name,
            Assignment.named_only,
            AssignmentMember.due_on,
            AssignmentMember.completed,
            AssignmentMember.added_at,
        )
        .select_from(AssignmentMember)
        .join(Assignment, Assignment.id == AssignmentMember.assignment_id)
        .join(Course, Course.id == Assignment.course_id)
        .join(Organisation, Organisation.id == Assignment.organisation_id)
        .where(AssignmentMember.user_id == user.id)
        .order_by(AssignmentMember.due_on, Course.slug)
    ).all()
    return [
        {
            "course": slug,
            "assigned_through": org,
            "named_list": named,
            "due_on": _iso(due),
            "completed": completed,
            "added_at": _iso(added),
        }
        for slug, org, named, due, completed, added in rows
    ]


def _reminders(user: User) -> list[dict]:
    rows = db.session.execute(
        select(ReminderSent.kind, ReminderSent.item_id, ReminderSent.sent_on)
        .where(ReminderSent.user_id == user.id)
        .order_by(ReminderSent.sent_on, ReminderSent.id)
    ).all()
    return [{"kind": k, "item": i, "sent_on": _iso(d)} for k, i, d in rows]


def _authorship(user: User) -> dict:
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
    assigned = db.session.execute(
        select(Course.slug, Organisation.name, Assignment.created_at, Assignment.due_on)
        .join(Course, Course.id == Assignment.course_id)
        .join(Organisation, Organisation.id == Assignment.organisation_id)
        .where(Assignment.created_by_id == user.id)
        .order_by(Assignment.created_at, Assignment.id)
    ).all()
    return {
        "course_authors": [{"course": s, "role": r, "added_at": _iso(a)} for s, r, a in authors],
        "versions_published": [
            {"course": s, "version": n, "published_at": _iso(a), "note": note}
            for s, n, a, note in published
        ],
        "reviews_requested_of_you": [
            {"course": s, "requested_at": _iso(r), "approved_at": _iso(a)} for s, r, a in reviews
        ],
        "draft_comments": [
            {"course": s, "lesson": lesson, "comment": body, "written_at": _iso(at)}
            for s, lesson, body, at in comments
        ],
        "assignments_you_created": [
            {"course": s, "organisation": org, "created_at": _iso(at), "due_on": _iso(due)}
            for s, org, at, due in assigned
        ],
    }


def _mentions(email: str):
    """SQL condition on AuditEntry: the details name this e-mail address."""
    return cast(AuditEntry.detail, String).contains(email.lower(), autoescape=True)


def _about(user: User, cert_ids):
    """SQL condition on AuditEntry: entries by the person, about them or their certificates."""
    return or_(
        AuditEntry.actor_id == user.id,
        and_(AuditEntry.target_type == "user", AuditEntry.target_id == user.id),
        and_(AuditEntry.target_type == "certificate", AuditEntry.target_id.in_(cert_ids)),
        _mentions(user.email),
    )


def _audit(user: User) -> list[dict]:
    cert_ids = select(Certificate.id).where(Certificate.user_id == user.id)
    rows = db.session.scalars(
        select(AuditEntry).where(_about(user, cert_ids)).order_by(AuditEntry.at, AuditEntry.id)
    ).all()
    own_email = user.email.lower()
    return [
        {
            "at": _iso(e.at),
            "action": e.action,
            "by_you": e.actor_id == user.id,
            "target_type": e.target_type,
            "target_id": e.target_id,
            "detail": _redact(e.detail or {}, own_email),
            # Where the request came from is the person's own data only when they made it.
            "ip_address": e.ip_address if e.actor_id == user.id else None,
            "user_agent": e.user_agent if e.actor_id == user.id else None,
        }
        for e in rows
    ]


def _explanations() -> dict[str, str]:
    return {
        "about": _(
            "Everything Aula holds about you, as of the time of this file. Times are in UTC."
        ),
        "account": _(
            "Your account: e-mail address, name, job title, language, organisation, when the "
            "account was created and when you last signed in. 'password_set' is false while "
            "an invitation has not been accepted. Your password is stored only as a one-way "
            "hash and is not included."
        ),
        "roles": _(
            "What you may do in Aula. Everyone is an official of their own organisation; "
            "trainer, reviewer and administrator roles cover an organisation and everything "
            "inside it."
        ),
        "enrolments": _(
            "The courses you followed, the version and language you followed them in, and "
            "each lesson with the time you marked it as read."
        ),
        "quiz_attempts": _(
            "Each attempt at a quiz or final exam: your answers, the score of each answer "
            "(0 to 1), a trainer's feedback on written answers, and your score in percent."
        ),
        "certificates": _(
            "Your certificates, whether each is valid, expired or revoked, whether the "
            "public verification page shows your name, and the signed credential itself."
        ),
        "assignments": _(
            "Courses your organisation asked you to take, with your due date for each."
        ),
        "reminders": _(
            "Reminder e-mails sent to you. Kind 'assignment': the item is a course number; "
            "'expiry': a certificate number; 'summary': the weekly summary for reviewers."
        ),
        "authorship": _(
            "Your work as a trainer or reviewer: courses you write, versions you published, "
            "reviews asked of you, comments you wrote on drafts and assignments you created."
        ),
        "audit": _(
            "Entries of the audit log made by you or about you. Other people's e-mail "
            "addresses in them are replaced by '(another person)'."
        ),
    }


def export_data(user: User, now: datetime | None = None) -> dict:
    """Everything the platform holds about one person, ready for json.dumps."""
    return {
        "format": EXPORT_FORMAT,
        "generated_at": _iso(now or utcnow()),
        "explanations": _explanations(),
        "account": _account(user),
        "roles": _roles(user),
        "enrolments": _enrolments(user),
        "quiz_attempts": _attempts(user),
        "certificates": _certificates(user),
        "assignments": _assignments(user),
        "reminders": _reminders(user),
        "authorship": _authorship(user),
        "audit": _audit(user),
    }


# Erasure -----------------------------------------------------------------------------------


def erase_refusal(actor: User, user: User) -> str | None:
    """Why this admin may not erase this person (translated), or None when they may.

    Whether the admin manages the person at all is the caller's check (a 403, not a reason).
    """
    if user.erased_at is not None:
        return _("This account has already been erased.")
    if user.id == actor.id:
        return _("You cannot erase your own account. Ask another administrator.")
    roles = list(user.memberships)
    if any(m.role == Role.ADMIN for m in roles):
        return _(
            "This person is an administrator. Remove their administrator roles first, "
            "then erase the account."
        )
    if any(not policy.can_act_on(actor, Role.ADMIN, m.organisation) for m in roles):
        return _(
            "This person holds roles over organisations you do not manage. Ask an "
            "administrator of those organisations."
        )
    return None


def _empty_essays(user: User) -> int:
    """Blank the text of written answers (and the feedback on them); grades stay."""
    mine = select(Enrolment.id).where(Enrolment.user_id == user.id)
    attempts = db.session.execute(
        select(QuizAttempt.id, QuizAttempt.questions).where(QuizAttempt.enrolment_id.in_(mine))
    ).all()
    essays = {
        (attempt_id, position)
        for attempt_id, questions in attempts
        for position, q in enumerate(questions or [])
        if q.get("qtype") == "essay"
    }
    emptied = 0
    if essays:
        for response in db.session.scalars(
            select(QuizResponse).where(QuizResponse.attempt_id.in_({a for a, _p in essays}))
        ):
            if (response.attempt_id, response.position) in essays:
                response.response, response.feedback = "", ""
                emptied += 1
    # Answers saved while an attempt was open may hold written text too.
    db.session.execute(
        update(QuizAttempt)
        .where(QuizAttempt.enrolment_id.in_(mine))
        .values(draft={})
        .execution_options(synchronize_session=False)
    )
    return emptied


def _count(model, condition) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(condition)) or 0


def erase_user(actor: User, user: User, hide_certificate_names: bool) -> dict[str, int]:
    """Anonymise a person on their request; flushes, the caller commits.

    Kept: the row (anonymised), enrolments, progress, scores and certificates, so reports
    and verification stay true; the audit log, which is append-only. Removed: name, e-mail,
    job title, password, roles, the last sign-in time, written answers, reminder records.
    """
    refusal = erase_refusal(actor, user)
    if refusal is not None:
        raise PrivacyError(refusal)
    counts = {"roles_revoked": len(user.memberships)}
    user.memberships.clear()
    counts["essays_emptied"] = _empty_essays(user)
    counts["certificates_kept"] = _count(Certificate, Certificate.user_id == user.id)
    counts["certificate_names_hidden"] = 0
    if hide_certificate_names:
        counts["certificate_names_hidden"] = db.session.execute(
            update(Certificate)
            .where(Certificate.user_id == user.id, Certificate.show_name.is_(True))
            .values(show_name=False)
            .execution_options(synchronize_session="fetch")
        ).rowcount
    counts["reminders_deleted"] = db.session.execute(
        delete(ReminderSent).where(ReminderSent.user_id == user.id)
    ).rowcount
    counts["enrolments_kept"] = _count(Enrolment, Enrolment.user_id == user.id)
    user.name = ERASED_NAME.format(id=user.id)
    user.email = erased_email(user.id)
    user.job_title = ""
    user.password_hash = None
    # A new nonce ends every session and kills every reset or invitation link already sent.
    user.session_nonce = secrets.token_hex(8)
    user.is_active_account = False
    user.last_login_at = None
    user.erased_at = utcnow()
    record(
        "privacy.erase",
        "user",
        user.id,
        actor=actor,
        organisation_id=user.organisation_id,
        hide_certificate_names=hide_certificate_names,
        **counts,
    )
    db.session.flush()
    return counts


def record_export(user: User) -> None:
    """The export is an access to personal data: the audit log says who took it, and when."""
    record("privacy.export", "user", user.id, actor=user, organisation_id=user.organisation_id)
