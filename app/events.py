"""The facts of Aula that other parts react to, as blinker signals (Flask's own library).

A domain sends a signal when something happened in it; it never imports the domains that
react. Who reacts to what is written in one place, app/wiring.py, called from create_app.
Receivers run synchronously, in the sender's request and transaction: a reaction that fails
rolls the whole change back with it. Anything that must leave the process (a webhook, an
xAPI statement, an e-mail) is not sent from a receiver but written to the outbox
(app/outbox.py) in the same transaction, and delivered after commit by a worker.

Each signal is sent with the object the fact is about as its sender, and keyword arguments
as listed. Receivers take `(sender, **kwargs)` and must accept extra keywords, so a later
argument breaks none of them.
"""

from __future__ import annotations

from blinker import Namespace

_aula = Namespace()

#: An official enrolled in a course (or came back after withdrawing: the same enrolment).
#: sender: the Enrolment; actor: the User who enrolled them (themselves or a reviewer).
enrolled = _aula.signal("enrolled")
#: An official finished a lesson. sender: the Enrolment; lesson: the Lesson.
lesson_completed = _aula.signal("lesson_completed")
#: A quiz attempt was submitted and graded (or awaits an essay grade). sender: the QuizAttempt.
attempt_submitted = _aula.signal("attempt_submitted")
#: An enrolment met the completion rule. sender: the Enrolment; at: when (naive UTC).
course_completed = _aula.signal("course_completed")
#: A certificate was issued. sender: the Certificate.
certificate_issued = _aula.signal("certificate_issued")
#: A certificate was revoked. sender: the Certificate; actor: the User; reason: str.
certificate_revoked = _aula.signal("certificate_revoked")
#: People joined an organisation (new accounts). sender: the Organisation; user_ids: list.
person_joined = _aula.signal("person_joined")
#: People moved to another organisation. sender: the new Organisation (None when several
#: targets, as a staff import may have); user_ids: list.
person_moved = _aula.signal("person_moved")
#: A person's data was erased on request. sender: the User (anonymised); actor: the User.
person_erased = _aula.signal("person_erased")
#: A new version of a course was published. sender: the CourseVersion; actor: the User
#: who published it, or None for an import from the command line.
course_published = _aula.signal("course_published")
#: An assignment was created, its due date changed, newcomers joined it, or it was removed.
#: sender: the Assignment; action: "create", "change", "extend" (newcomers) or "remove";
#: actor: the User (None for newcomers taken in by the system); user_ids: the people whose
#: due date was just set or changed (empty for "remove").
assignment_changed = _aula.signal("assignment_changed")

ALL = (
    enrolled,
    lesson_completed,
    attempt_submitted,
    course_completed,
    certificate_issued,
    certificate_revoked,
    person_joined,
    person_moved,
    person_erased,
    course_published,
    assignment_changed,
)
