"""Data rights: an official downloads their data; an admin erases a person on request."""

import json

import pytest
from sqlalchemy import event, func, select

from app.accounts import services
from app.accounts.models import Membership, Organisation, Role, User
from app.audit.models import AuditEntry
from app.catalog.models import Course
from app.certificates import codes
from app.certificates.models import Certificate
from app.clock import utcnow
from app.extensions import db
from app.learning import assignments
from app.learning.models import Enrolment
from app.privacy import services as privacy
from app.quizzes.models import QuizAttempt, QuizResponse
from app.reminders.models import ReminderSent
from app.reports import services as reports
from tests.certificates.conftest import complete_tiny
from tests.conftest import import_folder

ESSAY_BANK = (
    "::Verdad:: AL-LAs reúne ciudades. {T}\n\n"
    "::Ensayo:: Describa un hermanamiento de su ciudad. {}\n"
)
ESSAY_TEXT = "Mi hermana trabaja en Montevideo y colabora con Santiago."


def _export(client) -> dict:
    response = client.submit("/profile/my-data")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    filename = privacy.export_filename(utcnow().date())
    assert response.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    return json.loads(response.get_data(as_text=True))


@pytest.fixture
def finished(app, world, tiny):
    """Both officials completed the tiny course and hold a certificate."""
    for email in (world.official_cdmx_email, world.official_bh_email):
        complete_tiny(app.test_client(), email, tiny)
    return {c.user_id: c for c in db.session.scalars(select(Certificate)).all()}


@pytest.fixture
def essay(app, world, tiny_copy):
    """official_cdmx wrote an essay; the trainer graded it with feedback."""
    (tiny_copy / "es/01-start/quiz.gift").write_text(ESSAY_BANK)
    module = import_folder(tiny_copy).version.editions[0].modules[0]
    official = app.test_client()
    official.login(world.official_cdmx_email)
    official.submit("/courses/tiny/enrol", {"language": "es"})
    official.submit(f"/courses/tiny/modules/{module.id}/quiz/start")
    attempt = db.session.scalar(select(QuizAttempt))
    official.submit(f"/courses/tiny/attempts/{attempt.id}/submit", {"q0": "true", "q1": ESSAY_TEXT})
    trainer = app.test_client()
    trainer.login(world.trainer_email)
    trainer.submit(
        f"/teach/grading/{attempt.id}", {"grade_1": "50", "feedback_1": "Falta un ejemplo."}
    )
    attempt = db.session.get(QuizAttempt, attempt.id)
    assert attempt.state == "submitted" and attempt.score == 75.0
    return attempt.id


def _erase(client, user_id: int, email: str, hide: bool = True):
    data = {"email": email}
    if hide:
        data["hide_names"] = "y"
    return client.submit(f"/admin/users/{user_id}/erase", data)


# Export ------------------------------------------------------------------------------------


def test_export_holds_own_data_and_nobody_elses(app, client, world, finished):
    bh_user = db.session.get(User, world.official_bh)
    bh_user.job_title = "Analista de Orçamento"
    db.session.commit()
    client.login(world.official_cdmx_email)
    data = _export(client)
    body = json.dumps(data, ensure_ascii=False)
    assert data["format"] == privacy.EXPORT_FORMAT
    assert set(data["explanations"]) >= {"account", "enrolments", "quiz_attempts", "audit"}
    account = data["account"]
    assert account["email"] == world.official_cdmx_email
    assert account["name"] == "Guadalupe Hernández"
    assert account["organisation_path"] == [
        "Red AL-LAs",
        "Ciudad de México",
        "Secretaría de Finanzas",
    ]
    assert [r["role"] for r in data["roles"]] == ["official"]
    (enrolment,) = data["enrolments"]
    assert enrolment["course"] == "tiny" and enrolment["status"] == "completed"
    assert enrolment["lessons"] and all(x["completed_at"] for x in enrolment["lessons"])
    assert len(data["quiz_attempts"]) == 2
    assert all(a["passed"] and a["questions"] for a in data["quiz_attempts"])
    assert data["quiz_attempts"][0]["questions"][0]["your_answer"] is True
    (cert,) = data["certificates"]
    assert cert["code"] == codes.display(finished[world.official_cdmx].code)
    assert cert["credential"]["credentialSubject"]["name"] == "Guadalupe Hernández"
    # Nothing of the other official: not their address, name, job or certificate.
    for theirs in (
        world.official_bh_email,
        "João Gonçalves",
        "Analista de Orçamento",
        codes.display(finished[world.official_bh].code),
    ):
        assert theirs not in body
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.export"))
    assert (entry.actor_id, entry.target_type, entry.target_id) == (
        world.official_cdmx,
        "user",
        world.official_cdmx,
    )


def test_export_of_an_official_with_nothing_yet(client, world):
    client.login(world.official_bh_email)
    data = _export(client)
    assert data["account"]["email"] == world.official_bh_email
    assert data["enrolments"] == data["quiz_attempts"] == data["certificates"] == []


def test_export_holds_essays_feedback_assignments_and_reminders(app, world, essay):
    reviewer = db.session.get(User, world.reviewer_cdmx)
    course_id = db.session.scalar(select(Enrolment.course_id))

    assignments.create(
        reviewer,
        db.session.get(Course, course_id),
        db.session.get(Organisation, world.cdmx),
        due_days=30,
    )
    db.session.add(
        ReminderSent(
            user_id=world.official_cdmx, kind="assignment", item_id=course_id, sent_on=utcnow()
        )
    )
    db.session.commit()
    client = app.test_client()
    client.login(world.official_cdmx_email)
    data = _export(client)
    (attempt,) = data["quiz_attempts"]
    written = attempt["questions"][1]
    assert written["type"] == "essay"
    assert written["your_answer"] == ESSAY_TEXT
    assert written["feedback"] == "Falta un ejemplo." and written["score_fraction"] == 0.5
    # The answer key is not part of the person's data.
    assert "answers" not in json.dumps(attempt["questions"])
    (assigned,) = data["assignments"]
    assert assigned["course"] == "tiny" and assigned["assigned_through"] == "Ciudad de México"
    assert data["reminders"][0]["kind"] == "assignment"
    # The reviewer's own export lists the assignment they created, none of the official.
    other = app.test_client()
    other.login(world.reviewer_cdmx_email)
    theirs = _export(other)
    assert theirs["authorship"]["assignments_you_created"][0]["course"] == "tiny"
    assert ESSAY_TEXT not in json.dumps(theirs, ensure_ascii=False)
    assert world.official_cdmx_email not in json.dumps(theirs)


def test_export_reads_a_fixed_number_of_queries(app, world, finished):
    """One query per table: a person with courses, attempts and a certificate costs the
    same number of statements as a person with none."""
    person = services.create_user(
        "nueva@test.example", "Nueva", db.session.get(Organisation, world.cdmx)
    )
    db.session.commit()
    statements = []

    def count(*_args):
        statements.append(1)

    def run(user_id):
        statements.clear()
        user = db.session.get(User, user_id)
        db.session.refresh(user)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            privacy.export_data(user)
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        return len(statements)

    with app.test_request_context():
        assert run(world.official_cdmx) == run(person.id)


def test_export_needs_sign_in(client, world):
    response = client.submit("/profile/my-data")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    exports = select(func.count()).where(AuditEntry.action == "privacy.export")
    assert db.session.scalar(exports) == 0


def test_export_needs_the_csrf_token(client, world):
    client.login(world.official_cdmx_email)
    assert client.post("/profile/my-data").status_code == 400


# Erasure -----------------------------------------------------------------------------------


def _snapshot(user_id: int) -> tuple:
    user = db.session.get(User, user_id)
    db.session.refresh(user)
    return (user.name, user.email, user.password_hash, user.erased_at, user.is_active_account)


def test_admin_erases_an_official(app, world, finished):
    cert = finished[world.official_cdmx]
    official = app.test_client()
    official.login(world.official_cdmx_email)
    user = db.session.get(User, world.official_cdmx)
    reset_token = services.make_token(user, services.RESET)
    db.session.add(ReminderSent(user_id=user.id, kind="expiry", item_id=cert.id, sent_on=utcnow()))
    db.session.commit()
    admin = app.test_client()
    admin.login(world.admin_email)
    assert world.official_cdmx_email in admin.get(
        f"/admin/users/{world.official_cdmx}/erase"
    ).get_data(as_text=True)

    response = _erase(admin, world.official_cdmx, world.official_cdmx_email.upper())
    assert response.status_code == 302

    user = db.session.get(User, world.official_cdmx)
    assert user.name == f"#{user.id}"
    assert user.email == f"erased-{user.id}@invalid"
    assert user.password_hash is None and user.job_title == "" and user.last_login_at is None
    assert not user.is_active_account and user.erased_at is not None
    # Progress and results stay.
    assert (
        db.session.scalar(
            select(func.count()).select_from(Enrolment).where(Enrolment.user_id == user.id)
        )
        == 1
    )
    assert (
        db.session.scalar(
            select(func.count()).select_from(ReminderSent).where(ReminderSent.user_id == user.id)
        )
        == 0
    )
    # Signed out everywhere, cannot sign in, and links already sent are dead.
    assert official.get("/profile").status_code == 302
    fresh = app.test_client()
    assert fresh.login(world.official_cdmx_email).status_code == 200
    assert fresh.get("/profile").status_code == 302
    with app.test_request_context(), pytest.raises(services.TokenError):
        services.load_token(reset_token, services.RESET)
    # The audit log says who erased whom, with counts and nothing of the person.
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.erase"))
    assert entry.actor_id == world.admin and entry.target_id == user.id
    assert entry.detail["hide_certificate_names"] is True
    assert entry.detail["certificates_kept"] == entry.detail["enrolments_kept"] == 1
    assert entry.detail["reminders_deleted"] == 1
    detail = json.dumps(entry.detail, ensure_ascii=False)
    assert "Guadalupe" not in detail and world.official_cdmx_email not in detail

    # The certificate still verifies, without the name; its credential is unchanged.
    stored = db.session.get(Certificate, cert.id)
    db.session.refresh(stored)
    assert stored.credential == cert.credential and stored.revoked_at is None
    assert stored.show_name is False
    page = app.test_client().get(f"/verify/{codes.display(cert.code)}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Válido" in html
    assert "Guadalupe" not in html
    assert app.test_client().get(f"/verify/{codes.display(cert.code)}.json").status_code == 404

    # A second erasure is refused and changes nothing.
    before = _snapshot(world.official_cdmx)
    again = _erase(admin, world.official_cdmx, user.email)
    assert again.status_code == 400
    assert _snapshot(world.official_cdmx) == before
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "privacy.erase")
        )
        == 1
    )
    # The people list shows the placeholder, not the person.
    listing = admin.get("/admin/users").get_data(as_text=True)
    assert f">#{user.id}<" in listing and "Guadalupe" not in listing
    assert f"erased-{user.id}@invalid" in listing


def test_erasure_empties_written_answers_but_keeps_grades(app, world, essay):
    client = app.test_client()
    client.login(world.admin_email)
    assert _erase(client, world.official_cdmx, world.official_cdmx_email).status_code == 302
    written = db.session.scalar(
        select(QuizResponse).where(QuizResponse.attempt_id == essay, QuizResponse.position == 1)
    )
    assert written.response == "" and written.feedback == "" and written.fraction == 0.5
    attempt = db.session.get(QuizAttempt, essay)
    assert attempt.score == 75.0 and attempt.draft == {}
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "privacy.erase"))
    assert entry.detail["essays_emptied"] == 1
    assert ESSAY_TEXT not in json.dumps(entry.detail, ensure_ascii=False)


def test_erasure_without_the_request_keeps_the_name_on_verification(app, world, finished):
    cert = finished[world.official_bh]
    admin = app.test_client()
    admin.login(world.admin_email)
    assert _erase(admin, world.official_bh, world.official_bh_email, hide=False).status_code == 302
    page = app.test_client().get(f"/verify/{codes.display(cert.code)}").get_data(as_text=True)
    assert "João Gonçalves" in page and "Válido" in page
    assert db.session.get(User, world.official_bh).name != "João Gonçalves"


def test_revoked_certificate_stays_revoked_after_erasure(app, world, finished):
    cert = finished[world.official_cdmx]
    reviewer = app.test_client()
    reviewer.login(world.reviewer_cdmx_email)
    reviewer.submit(f"/certificates/{codes.display(cert.code)}/revoke", {"reason": "Error"})
    admin = app.test_client()
    admin.login(world.admin_email)
    assert _erase(admin, world.official_cdmx, world.official_cdmx_email).status_code == 302
    stored = db.session.get(Certificate, cert.id)
    db.session.refresh(stored)
    assert stored.revoked_at is not None and stored.revoked_reason == "Error"
    html = app.test_client().get(f"/verify/{codes.display(cert.code)}").get_data(as_text=True)
    assert "Error" in html and "Guadalupe" not in html


def _figures(admin: User) -> tuple:
    filters = reports.Filters()
    head = reports.headline(admin, filters)
    titles = {}
    return (
        head,
        [(r.key, r.enrolments, r.completions) for r in reports.by_course(admin, filters, titles)],
        reports.completions_by_month(admin, filters),
    )


def test_reports_keep_their_counts_after_erasure(app, world, finished):
    admin = db.session.get(User, world.admin)
    with app.test_request_context():
        before, courses_before, months_before = _figures(admin)
    assert before.enrolments == 2 and before.completions == 2
    client = app.test_client()
    client.login(world.admin_email)
    assert _erase(client, world.official_cdmx, world.official_cdmx_email).status_code == 302
    admin = db.session.get(User, world.admin)
    with app.test_request_context():
        after, courses_after, months_after = _figures(admin)
    assert (after.enrolments, after.completions) == (before.enrolments, before.completions)
    assert courses_after == courses_before and months_after == months_before
    # The erased person is no longer staff: one fewer in the headcount (docs/privacy.md).
    assert after.headcount == before.headcount - 1
    # Deactivating someone, by contrast, still takes their enrolments out of the figures.
    other = db.session.get(User, world.official_bh)
    other.is_active_account = False
    db.session.commit()
    with app.test_request_context():
        deactivated = reports.headline(db.session.get(User, world.admin), reports.Filters())
    assert deactivated.enrolments == before.enrolments - 1


def test_admin_of_another_city_cannot_erase(app, world, finished):
    before = _snapshot(world.official_bh)
    client = app.test_client()
    client.login(world.admin_cdmx_email)
    assert client.get(f"/admin/users/{world.official_bh}/erase").status_code == 403
    assert _erase(client, world.official_bh, world.official_bh_email).status_code == 403
    assert _snapshot(world.official_bh) == before
    assert db.session.get(Certificate, finished[world.official_bh].id).show_name is True
    # Within their own city it works.
    assert _erase(client, world.official_cdmx, world.official_cdmx_email).status_code == 302
    assert db.session.get(User, world.official_cdmx).erased_at is not None


@pytest.mark.parametrize(
    "role", ["official_cdmx", "official_bh", "trainer", "reviewer_cdmx", "reviewer_bh"]
)
def test_only_admins_may_erase(app, world, role):
    before = _snapshot(world.official_bh)
    client = app.test_client()
    client.login(getattr(world, f"{role}_email"))
    assert client.get(f"/admin/users/{world.official_bh}/erase").status_code == 403
    assert _erase(client, world.official_bh, world.official_bh_email).status_code == 403
    assert _snapshot(world.official_bh) == before


def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(f"/admin/users/{world.official_bh}/erase")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_refusals_change_nothing(app, world):
    client = app.test_client()
    client.login(world.admin_email)
    # Oneself.
    before = _snapshot(world.admin)
    assert _erase(client, world.admin, world.admin_email).status_code == 400
    assert _snapshot(world.admin) == before
    # Another administrator, until their administrator roles are removed.
    before = _snapshot(world.admin_cdmx)
    page = client.get(f"/admin/users/{world.admin_cdmx}/erase").get_data(as_text=True)
    assert 'name="email"' not in page  # no form, only the reason
    assert _erase(client, world.admin_cdmx, world.admin_cdmx_email).status_code == 400
    assert _snapshot(world.admin_cdmx) == before
    for membership in db.session.scalars(
        select(Membership).where(Membership.user_id == world.admin_cdmx)
    ):
        client.submit(f"/admin/memberships/{membership.id}/revoke")
    assert _erase(client, world.admin_cdmx, world.admin_cdmx_email).status_code == 302
    # A mistyped address.
    before = _snapshot(world.official_bh)
    assert _erase(client, world.official_bh, "someone@test.example").status_code == 400
    assert _erase(client, world.official_bh, "").status_code == 400
    assert _snapshot(world.official_bh) == before
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "privacy.erase")
        )
        == 1
    )


def test_erasing_a_reviewer_removes_their_roles(app, world):
    client = app.test_client()
    client.login(world.admin_cdmx_email)
    assert _erase(client, world.reviewer_cdmx, world.reviewer_cdmx_email).status_code == 302
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.user_id == world.reviewer_cdmx)
        )
        == 0
    )


def test_roles_beyond_the_admins_reach_block_erasure(app, world):
    """A city admin cannot strip a role over organisations they do not manage."""
    person = db.session.get(User, world.reviewer_cdmx)
    services.grant_role(person, Role.REVIEWER, db.session.get(Organisation, world.state))
    db.session.commit()
    before = _snapshot(world.reviewer_cdmx)
    client = app.test_client()
    client.login(world.admin_cdmx_email)
    assert _erase(client, world.reviewer_cdmx, world.reviewer_cdmx_email).status_code == 400
    assert _snapshot(world.reviewer_cdmx) == before


def test_erase_service_refuses_and_raises(app, world):
    with app.test_request_context():
        admin = db.session.get(User, world.admin)
        with pytest.raises(privacy.PrivacyError):
            privacy.erase_user(admin, admin, hide_certificate_names=True)
        official = db.session.get(User, world.official_bh)
        counts = privacy.erase_user(admin, official, hide_certificate_names=False)
        assert counts["enrolments_kept"] == 0 and counts["roles_revoked"] == 0
        with pytest.raises(privacy.PrivacyError):
            privacy.erase_user(admin, official, hide_certificate_names=False)


def test_an_erased_account_cannot_be_reactivated(app, world):
    client = app.test_client()
    client.login(world.admin_email)
    assert _erase(client, world.official_bh, world.official_bh_email).status_code == 302
    user = db.session.get(User, world.official_bh)
    response = client.submit(
        f"/admin/users/{user.id}",
        {
            "name": user.name,
            "organisation": user.organisation_id,
            "job_title": "",
            "locale": user.locale,
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.is_active_account is False and user.erased_at is not None
