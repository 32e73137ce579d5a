"""Issuing: at completion, once, frozen; from the CLI for backfills."""

import json
import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from werkzeug.datastructures import MultiDict

from app.accounts.models import User
from app.catalog.models import Course, CourseVersion
from app.certificates import codes, services
from app.certificates.models import Certificate
from app.clock import utcnow
from app.extensions import db
from app.learning import services as learning
from app.learning.models import Enrolment, LessonProgress
from app.quizzes import services as quizzes
from app.quizzes.models import QuizAttempt

from .conftest import complete_tiny


def test_codes_are_random_typable_and_forgiving():
    made = {codes.new_code() for _ in range(2000)}
    assert len(made) == 2000
    for code in list(made)[:50]:
        assert len(code) == 16 and set(code) <= set(codes.ALPHABET)
        shown = codes.display(code)
        assert shown.count("-") == 3
        assert codes.normalise(shown.lower().replace("-", " ")) == code
    assert not set("01ILOUV") & set(codes.ALPHABET)
    assert codes.normalise("ABCD-EFGH-JKMN-PQR0") is None  # 0 is not in the alphabet
    assert codes.normalise("ABCD-EFGH") is None
    assert codes.normalise("") is None


def test_completing_the_course_issues_one_frozen_certificate(client, world, tiny, certificate):
    cert = certificate
    assert cert.enrolment_id == db.session.scalar(select(Enrolment.id))
    assert cert.version_id == tiny.version.id
    assert cert.holder_name == "Guadalupe Hernández"
    assert cert.issuer_names == ["Red AL-LAs", "Ciudad de México"]
    assert cert.hours == 1
    assert cert.expires_at is None
    assert cert.language == "es"
    # Later changes of name or course do not reach the certificate.
    user = db.session.get(User, world.official_cdmx)
    user.name = "Guadalupe Hernández Ruiz"
    db.session.execute(update(CourseVersion).values(hours=9))
    db.session.commit()
    db.session.expire_all()
    again = db.session.get(Certificate, cert.id)
    assert (again.holder_name, again.hours) == ("Guadalupe Hernández", 1)
    assert json.loads(again.credential)["credentialSubject"]["name"] == "Guadalupe Hernández"
    # Completing again (another quiz pass) issues nothing more.
    module = tiny.version.editions[0].modules[0]
    client.submit(f"/courses/tiny/modules/{module.id}/quiz/start")
    attempt = db.session.scalar(select(QuizAttempt).order_by(QuizAttempt.id.desc()))
    client.submit(f"/courses/tiny/attempts/{attempt.id}/submit", {"q0": "true"})
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_my_certificates_lists_it_with_downloads(client, certificate):
    html = client.get("/certificates/").get_data(as_text=True)
    shown = codes.display(certificate.code)
    assert shown in html
    assert f"/certificates/{shown}/certificate.pdf" in html
    assert f"/verify/{shown}.json?download=1" in html
    assert f"/verify/{shown}.jwt?download=1" in html


def test_an_incomplete_enrolment_gets_no_certificate(app, world, tiny):
    user = db.session.get(User, world.official_cdmx)
    enrolment = learning.enrol(user, db.session.get(Course, tiny.course.id), "es")
    db.session.commit()
    with pytest.raises(services.CertificateError):
        services.issue(enrolment)
    # Marked completed by hand, but the completion rule disagrees: still refused.
    enrolment.complete(utcnow())
    with pytest.raises(services.CertificateError):
        services.issue(enrolment)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 0


def test_validity_sets_the_expiry(app, world, tiny, client):
    db.session.execute(update(CourseVersion).values(certificate_validity_months=24))
    db.session.commit()
    complete_tiny(client, world.official_cdmx_email, tiny)
    cert = db.session.scalar(select(Certificate))
    assert cert.expires_at == services.add_months(cert.issued_at, 24)
    assert services.add_months(datetime(2024, 1, 31), 1) == datetime(2024, 2, 29)
    assert services.add_months(datetime(2025, 11, 30), 3) == datetime(2026, 2, 28)


def test_cli_backfills_what_is_due_and_lists(app, world, tiny, client, runner):
    complete_tiny(client, world.official_cdmx_email, tiny)
    # A backfill situation: certificates that were never issued (for example before this
    # feature existed).
    db.session.execute(Certificate.__table__.delete())
    db.session.commit()
    result = runner.invoke(args=["certificates", "issue", "--course", "tiny"])
    assert result.exit_code == 0, result.output
    assert "1 certificate(s) issued for tiny." in result.output
    result = runner.invoke(args=["certificates", "issue", "--course", "tiny"])
    assert "0 certificate(s) issued" in result.output
    assert runner.invoke(args=["certificates", "issue", "--course", "nope"]).exit_code == 1

    listed = runner.invoke(args=["certificates", "list", "--organisation", "cdmx", "--json"])
    rows = json.loads(listed.output)
    assert [(r["holder"], r["course"], r["status"]) for r in rows] == [
        ("Guadalupe Hernández", "tiny", "valid")
    ]
    other = runner.invoke(
        args=["certificates", "list", "--organisation", "belo-horizonte", "--json"]
    )
    assert json.loads(other.output) == []
    plain = runner.invoke(args=["certificates", "list"])
    assert rows[0]["code"] in plain.output


@pytest.mark.commits
def test_parallel_completions_issue_exactly_one(app, world, tiny):
    """Eight requests complete the same enrolment at the same moment: one certificate."""
    user = db.session.get(User, world.official_cdmx)
    enrolment = learning.enrol(user, db.session.get(Course, tiny.course.id), "es")
    for lesson in tiny.version.editions[0].modules[0].lessons:
        db.session.add(LessonProgress(enrolment_id=enrolment.id, lesson_id=lesson.id))
    db.session.commit()
    # Pass both quizzes through the services, without completing yet.
    for ref in quizzes.quizzes_of(enrolment.edition):
        attempt = quizzes.start_attempt(enrolment.id, ref, 70)
        answers = quizzes.responses_from_form(attempt.questions, MultiDict({"q0": "true"}))
        quizzes.submit_attempt(attempt, answers)
    db.session.commit()
    enrolment_id = enrolment.id

    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def complete() -> None:
        with app.app_context():
            try:
                mine = db.session.get(Enrolment, enrolment_id)
                barrier.wait()
                learning.refresh_completion(mine)
                db.session.commit()
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=complete) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    cert = db.session.scalar(select(Certificate))
    assert json.loads(cert.credential)["proof"][0]["proofValue"].startswith("z")


def test_my_learning_asks_to_renew_a_certificate_expiring_soon(client, certificate):
    """My learning (learning's page) shows certificates lent by the certificates domain."""
    page = client.get("/learning/").get_data(as_text=True)
    assert codes.display(certificate.code) in page
    assert 'id="renew-heading"' not in page  # no expiry: nothing to renew
    for days, shown in ((300, False), (20, True), (-3, True)):
        db.session.execute(update(Certificate).values(expires_at=utcnow() + timedelta(days=days)))
        db.session.commit()
        page = client.get("/learning/").get_data(as_text=True)
        assert ('id="renew-heading"' in page) is shown, days
