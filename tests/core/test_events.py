"""Domain events: who sends what, and that the reactions wired in app/wiring.py happen
through them, in the sender's transaction."""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import func, select

from app import create_app, events
from app.accounts import services as accounts
from app.accounts.models import Organisation
from app.certificates import services as certificates
from app.certificates.models import Certificate
from app.extensions import db
from app.learning import assignments
from app.learning.models import AssignmentMember, Enrolment, EnrolmentStatus
from app.quizzes.models import QuizAttempt
from tests.certificates.conftest import complete_tiny
from tests.conftest import import_folder


@contextmanager
def captured(signal):
    """Every (sender id, keywords) the signal sends while the block runs, objects as their
    ids: what a request sent is gone with its session (or its current_user) afterwards."""
    seen = []

    def receiver(sender, **kwargs):
        seen.append((sender.id, {k: getattr(v, "id", v) for k, v in kwargs.items()}))

    signal.connect(receiver)
    try:
        yield seen
    finally:
        signal.disconnect(receiver)


@contextmanager
def disconnected(signal, receiver):
    signal.disconnect(receiver)
    try:
        yield
    finally:
        signal.connect(receiver)


def test_every_signal_has_a_distinct_name():
    names = [signal.name for signal in events.ALL]
    assert len(names) == len(set(names)) == 11


def test_completing_a_course_sends_course_completed_then_certificate_issued(client, world, tiny):
    with captured(events.course_completed) as done, captured(events.certificate_issued) as got:
        complete_tiny(client, world.official_cdmx_email, tiny)
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert [(sender, kw["at"]) for sender, kw in done] == [(enrolment.id, enrolment.completed_at)]
    cert = db.session.scalar(select(Certificate))
    assert [sender for sender, _ in got] == [cert.id]


def test_the_certificate_comes_through_the_signal_only(client, world, tiny):
    """Without the certificates' receiver the course still completes, with no certificate:
    learning issues nothing by itself."""
    with disconnected(events.course_completed, certificates.on_course_completed):
        complete_tiny(client, world.official_cdmx_email, tiny)
    assert db.session.scalar(select(Enrolment.status)) == EnrolmentStatus.COMPLETED
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_a_failing_receiver_rolls_the_completion_back(client, world, tiny):
    """Receivers run in the request's transaction: if one fails, nothing of it commits."""

    def explode(_sender, **_):
        raise RuntimeError("receiver failed")

    client.application.config["PROPAGATE_EXCEPTIONS"] = False
    events.course_completed.connect(explode)
    try:
        complete_tiny(client, world.official_cdmx_email, tiny)
    finally:
        events.course_completed.disconnect(explode)
    assert db.session.scalar(select(Enrolment.status)) != EnrolmentStatus.COMPLETED
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_revoking_sends_certificate_revoked(client, world, tiny):
    complete_tiny(client, world.official_cdmx_email, tiny)
    cert = db.session.scalar(select(Certificate))
    reviewer = db.session.get(accounts.User, world.reviewer_cdmx)
    with captured(events.certificate_revoked) as seen:
        certificates.revoke(cert, reviewer, "issued in error")
    assert [(s, kw["actor"], kw["reason"]) for s, kw in seen] == [
        (cert.id, reviewer.id, "issued in error")
    ]


def _assign_to_finance(world, tiny) -> int:
    reviewer = db.session.get(accounts.User, world.reviewer_cdmx)
    finance = db.session.get(Organisation, world.cdmx_finance)
    assignment = assignments.create(reviewer, tiny.course, organisation=finance, due_days=30)
    db.session.commit()
    return assignment.id


def _members(assignment_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(AssignmentMember.user_id).where(AssignmentMember.assignment_id == assignment_id)
        )
    )


def test_a_new_person_is_announced_and_gets_the_assignments_of_their_organisation(app, world, tiny):
    assignment_id = _assign_to_finance(world, tiny)
    finance = db.session.get(Organisation, world.cdmx_finance)
    with captured(events.person_joined) as seen:
        newcomer = accounts.create_user("nueva@test.example", "Nueva Persona", finance)
    db.session.commit()
    assert [(s, kw["user_ids"]) for s, kw in seen] == [(finance.id, [newcomer.id])]
    assert newcomer.id in _members(assignment_id)


def test_a_move_is_announced_and_enrolments_and_assignments_follow(client, world, tiny):
    assignment_id = _assign_to_finance(world, tiny)
    client.login(world.official_cdmx_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})
    culture_person = accounts.create_user(
        "cultura@test.example",
        "Persona de Cultura",
        db.session.get(Organisation, world.cdmx_culture),
    )
    db.session.commit()
    assert culture_person.id not in _members(assignment_id)
    finance = db.session.get(Organisation, world.cdmx_finance)
    culture = db.session.get(Organisation, world.cdmx_culture)
    official = db.session.get(accounts.User, world.official_cdmx)
    with captured(events.person_moved) as seen:
        for person, target in ((official, culture), (culture_person, finance)):
            accounts.update_user(
                person,
                name=person.name,
                organisation=target,
                locale=person.locale,
                job_title="",
                is_active=True,
            )
    db.session.commit()
    assert [(s, kw["user_ids"]) for s, kw in seen] == [
        (culture.id, [official.id]),
        (finance.id, [culture_person.id]),
    ]
    assert db.session.scalar(select(Enrolment.organisation_id)) == culture.id
    assert culture_person.id in _members(assignment_id)


def test_building_more_apps_connects_no_reaction_twice(app, tmp_path):
    """create_app runs wiring.connect() each time, and the tests build an app per test."""
    before = {signal.name: len(signal.receivers) for signal in events.ALL}
    for n in range(2):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, instance_path=str(tmp_path / str(n)))
    assert {signal.name: len(signal.receivers) for signal in events.ALL} == before
    assert before["course_completed"] >= 1 and before["person_moved"] >= 2


def test_learning_sends_enrolled_lesson_completed_and_attempt_submitted(client, world, tiny):
    with (
        captured(events.enrolled) as enrolled,
        captured(events.lesson_completed) as lessons,
        captured(events.attempt_submitted) as attempts,
    ):
        complete_tiny(client, world.official_cdmx_email, tiny)
        # Marking a lesson done twice announces it once.
        lesson = tiny.version.editions[0].modules[0].lessons[0]
        client.submit(f"/courses/tiny/lessons/{lesson.id}/done")
    enrolment = db.session.scalar(select(Enrolment))
    assert [(s, kw["actor"]) for s, kw in enrolled] == [(enrolment.id, world.official_cdmx)]
    read = [kw["lesson"] for _s, kw in lessons]
    edition_lessons = [les.id for m in tiny.version.editions[0].modules for les in m.lessons]
    assert sorted(read) == sorted(edition_lessons) and len(read) == len(set(read))
    attempt_ids = db.session.scalars(select(QuizAttempt.id).order_by(QuizAttempt.id)).all()
    assert [s for s, _kw in attempts] == attempt_ids and len(attempt_ids) == 2


def test_publishing_a_new_version_sends_course_published_once(app, world, tiny_copy):
    with captured(events.course_published) as seen:
        first = import_folder(tiny_copy)
        again = import_folder(tiny_copy)  # unchanged: no new version, nothing announced
    assert again.created is False
    assert [(s, kw["actor"]) for s, kw in seen] == [(first.version.id, None)]
