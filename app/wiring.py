"""Who reacts to which fact: every subscriber of app/events.py is connected here, and only
here, so one file shows each reaction of Aula. Called once from create_app.

The senders know nothing of these receivers; the receivers are plain service functions of
the domain that reacts. Connecting is idempotent (blinker keeps one connection per receiver),
so building several apps in one process, as the tests do, connects each reaction once.
"""

from __future__ import annotations

from app import events, outbox
from app.accounts import invitations
from app.audit import receivers as audit
from app.certificates import services as certificates
from app.learning import assignments
from app.learning import services as learning
from app.reminders import notices


def connect() -> None:
    # A completed course brings its certificate, in the same request and transaction.
    events.course_completed.connect(certificates.on_course_completed)
    # People who move take their enrolments along (reports count them where they work now),
    # then the assignments covering their new organisation take them in, as they do newcomers.
    events.person_moved.connect(learning.on_person_moved)
    events.person_moved.connect(assignments.on_people_arrived)
    events.person_joined.connect(assignments.on_people_arrived)
    # The audit log records revocations itself, in the revoking transaction.
    events.certificate_revoked.connect(audit.certificate_revoked)
    # Assigning a course, changing its due date or removing it is audited; the people
    # concerned get a notice, written to the outbox in the same transaction.
    events.assignment_changed.connect(audit.assignment_changed)
    events.assignment_changed.connect(notices.on_assignment_changed)
    # Who delivers each kind of outbox message (`flask outbox deliver`).
    outbox.register(notices.TOPIC, notices.deliver)
    outbox.register(invitations.TOPIC, invitations.deliver)
