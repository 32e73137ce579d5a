"""Data rights: everything Aula holds about a person as one JSON document, and erasure.

Each domain answers for its own tables (its `privacy` module: `export`, `erase`); this module
only asks them in turn and puts the answers together. The export reads one query per table,
whatever the number of rows. Erasure keeps the User row, anonymised, so enrolment and
completion counts stay right and certificates still verify; it removes what identifies the
person and the free text they typed. docs/privacy.md explains both to people.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _

from app import events
from app.accounts import privacy as accounts
from app.accounts.models import User
from app.audit import privacy as audit
from app.audit.models import record
from app.authoring import privacy as authoring
from app.certificates import privacy as certificates
from app.clock import iso_utc, utcnow
from app.extensions import db
from app.learning import privacy as learning
from app.quizzes import privacy as quizzes
from app.reminders import privacy as reminders

#: Bumped when the export's shape changes, so a reader can tell versions apart.
EXPORT_FORMAT = "aula-my-data/1"


class PrivacyError(ValueError):
    """A data-rights request that cannot be carried out; the message is translated."""


def export_filename(today: date) -> str:
    return f"aula-my-data-{today.isoformat()}.json"


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
    mine = accounts.export(user)
    learned = learning.export(user)
    course_of = {e["id"]: e["course"] for e in learned["enrolments"]}
    attempts = quizzes.export(learning.enrolment_ids(user))
    for attempt in attempts:
        attempt["course"] = course_of.get(attempt["enrolment_id"])
    return {
        "format": EXPORT_FORMAT,
        "generated_at": iso_utc(now or utcnow()),
        "explanations": _explanations(),
        "account": mine["account"],
        "roles": mine["roles"],
        "enrolments": learned["enrolments"],
        "quiz_attempts": attempts,
        "certificates": certificates.export(user),
        "assignments": learned["assignments"],
        "reminders": reminders.export(user),
        "authorship": authoring.export(user)
        | {"assignments_you_created": learning.assignments_created(user)},
        "audit": audit.export(user, certificates.certificate_ids(user)),
    }


def record_export(user: User) -> None:
    """The export is an access to personal data: the audit log says who took it, and when."""
    record("privacy.export", "user", user.id, actor=user, organisation_id=user.organisation_id)


erase_refusal = accounts.erase_refusal


def erase_user(actor: User, user: User, hide_certificate_names: bool) -> dict[str, int]:
    """Anonymise a person on their request; flushes, the caller commits.

    Kept: the row (anonymised), enrolments, progress, scores and certificates, so reports
    and verification stay true; the audit log, which is append-only. Removed: name, e-mail,
    job title, password, roles, the last sign-in time, written answers, reminder records.
    """
    refusal = erase_refusal(actor, user)
    if refusal is not None:
        raise PrivacyError(refusal)
    counts: dict[str, int] = {}
    counts |= quizzes.erase(learning.enrolment_ids(user))
    counts |= certificates.erase(user, hide_certificate_names)
    counts |= reminders.erase(user)
    counts |= learning.erase(user)
    # Last: the other slices may still look the person up by what accounts removes.
    counts |= accounts.erase(user)
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
    events.person_erased.send(user, actor=actor)
    return counts
