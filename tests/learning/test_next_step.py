"""Leading the learner: lesson, module quiz, what remains, the certificate; honest progress;
no blank quiz graded without asking first."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import func, select

from app.accounts.models import User
from app.certificates.models import Certificate
from app.extensions import db
from app.learning import services
from app.learning.models import Enrolment, EnrolmentStatus
from app.quizzes.models import AttemptState, QuizAttempt


def _lessons(version):
    return [les for m in version.editions[0].modules for les in m.lessons]


def _start(client, official_email):
    """Sign in and enrol; English pages so the texts below stay true once translated."""
    client.login(official_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})


def _english(user_id):
    db.session.get(User, user_id).locale = "en"
    db.session.commit()


def _pass(client, start_url, answers):
    client.submit(start_url)
    attempt_id = db.session.scalar(select(func.max(QuizAttempt.id)))
    return attempt_id, client.submit(
        f"/courses/tiny/attempts/{attempt_id}/submit", {**answers, "confirmed": "1"}
    )


def _remaining(html: str) -> str:
    found = re.search(r'<section[^>]*aria-labelledby="remaining-heading".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_last_lesson_of_a_module_leads_to_its_quiz(client, world, tiny):
    first, second = _lessons(tiny.version)
    module = tiny.version.editions[0].modules[0]
    _start(client, world.official_cdmx_email)
    assert (
        client.submit(f"/courses/tiny/lessons/{first.id}/done").headers["Location"]
        == f"/courses/tiny/lessons/{second.id}"
    )
    assert (
        client.submit(f"/courses/tiny/lessons/{second.id}/done").headers["Location"]
        == f"/courses/tiny/modules/{module.id}/quiz"
    )


def test_with_its_quiz_passed_the_module_leads_on_to_the_lesson_saying_what_remains(
    client, world, tiny
):
    first, second = _lessons(tiny.version)
    module = tiny.version.editions[0].modules[0]
    _english(world.official_cdmx)
    _start(client, world.official_cdmx_email)
    client.submit(f"/courses/tiny/lessons/{first.id}/done")
    _pass(client, f"/courses/tiny/modules/{module.id}/quiz/start", {"q0": "true"})
    response = client.submit(f"/courses/tiny/lessons/{second.id}/done")
    assert response.headers["Location"] == f"/courses/tiny/lessons/{second.id}"
    section = _remaining(client.get(response.headers["Location"]).get_data(as_text=True))
    assert "The final exam remains." in section
    assert 'href="/courses/tiny/final"' in section
    assert f"/modules/{module.id}/quiz" not in section


def test_the_last_lesson_says_what_remains_with_links(client, world, tiny):
    first, second = _lessons(tiny.version)
    module = tiny.version.editions[0].modules[0]
    _english(world.official_cdmx)
    _start(client, world.official_cdmx_email)
    # Not the last lesson: nothing about what remains.
    assert _remaining(client.get(f"/courses/tiny/lessons/{first.id}").get_data(as_text=True)) == ""
    section = _remaining(client.get(f"/courses/tiny/lessons/{second.id}").get_data(as_text=True))
    assert "2 lessons are not marked as done yet." in section
    assert "1 quiz and the final exam remain." in section
    assert f'href="/courses/tiny/modules/{module.id}/quiz"' in section
    assert 'href="/courses/tiny/final"' in section
    # Never cached across readers: a reader who is not enrolled sees no such section.
    client.logout()
    client.login(world.official_bh_email)
    html = client.get(f"/courses/tiny/lessons/{second.id}").get_data(as_text=True)
    assert _remaining(html) == ""


def test_passing_the_last_requirement_links_the_certificate(client, world, tiny):
    first, second = _lessons(tiny.version)
    module = tiny.version.editions[0].modules[0]
    _start(client, world.official_cdmx_email)
    for lesson in (first, second):
        client.submit(f"/courses/tiny/lessons/{lesson.id}/done")
    attempt_id, _ = _pass(client, f"/courses/tiny/modules/{module.id}/quiz/start", {"q0": "true"})
    # A passed module quiz points to what comes next: the final exam.
    html = client.get(f"/courses/tiny/attempts/{attempt_id}").get_data(as_text=True)
    assert 'href="/courses/tiny/final"' in html
    assert "linkedin.com" not in html
    attempt_id, _ = _pass(client, "/courses/tiny/final/start", {"q0": "true"})
    cert = db.session.scalar(select(Certificate))
    assert cert is not None
    html = unescape(client.get(f"/courses/tiny/attempts/{attempt_id}").get_data(as_text=True))
    hrefs = re.findall(r'href="([^"]+)"', html)
    assert any(h.startswith("/certificates/") and h.endswith("/certificate.pdf") for h in hrefs)
    assert any("/verify/" in h for h in hrefs)
    linkedin = [h for h in hrefs if h.startswith("https://www.linkedin.com/profile/add?")]
    assert len(linkedin) == 1
    query = {k: v[0] for k, v in parse_qs(urlsplit(linkedin[0]).query).items()}
    assert query["startTask"] == "CERTIFICATION_NAME"
    assert query["name"] == cert.course_title
    assert query["organizationName"] == cert.issuer_names[0]
    assert (query["issueYear"], query["issueMonth"]) == (
        str(cert.issued_at.year),
        str(cert.issued_at.month),
    )
    assert query["certUrl"].endswith(f"/verify/{query['certId']}")
    assert query["certUrl"].startswith("http")
    # A plain link: the page itself loads nothing from LinkedIn.
    assert not re.search(r'(src|action)="https://www\.linkedin', html)


def test_progress_counts_lessons_and_quizzes_and_says_100_only_when_complete(client, world, tiny):
    first, second = _lessons(tiny.version)
    module = tiny.version.editions[0].modules[0]
    _english(world.official_cdmx)
    _start(client, world.official_cdmx_email)
    for lesson in (first, second):
        client.submit(f"/courses/tiny/lessons/{lesson.id}/done")
    mine = client.get("/learning/").get_data(as_text=True)
    # Every lesson read, the module quiz and the final exam open: two steps of four.
    assert "50% done (2 of 2 lessons, 0 of 2 quizzes passed)" in mine
    assert "100%" not in mine
    course = client.get("/courses/tiny").get_data(as_text=True)
    assert "50% done (2 of 2 lessons, 0 of 2 quizzes passed)" in course
    _pass(client, f"/courses/tiny/modules/{module.id}/quiz/start", {"q0": "true"})
    assert "75% done" in client.get("/learning/").get_data(as_text=True)
    _pass(client, "/courses/tiny/final/start", {"q0": "true"})
    assert db.session.scalar(select(Enrolment.status)) == EnrolmentStatus.COMPLETED
    mine = client.get("/learning/").get_data(as_text=True)
    assert "100% done (2 of 2 lessons, 2 of 2 quizzes passed)" in mine
    assert "100% done" in client.get("/courses/tiny").get_data(as_text=True)


def test_percent_is_never_100_before_the_completion_rule_holds():
    state = services.Completion(lessons_done=2, lessons_total=2, quizzes_passed=0, quizzes_total=2)
    assert (state.percent, state.is_complete) == (50, False)
    # 399 of 400 steps rounds to 99, never up to 100.
    state = services.Completion(200, 200, 199, 200)
    assert (state.percent, state.is_complete) == (99, False)
    assert services.Completion(2, 2, 2, 2).percent == 100


# Confirming a submission with unanswered questions ----------------------------------------

BANK = "::Q1:: Uno {T}\n\n::Q2:: Dos {T}\n\n::Q3:: Tres {T}\n"


def _open_attempt(client, world, make_course):
    outcome = make_course(bank=BANK)
    module = outcome.version.editions[0].modules[0]
    _english(world.official_cdmx)
    _start(client, world.official_cdmx_email)
    client.submit(f"/courses/tiny/modules/{module.id}/quiz/start")
    attempt = db.session.scalar(select(QuizAttempt))
    return module, attempt


def test_unanswered_questions_ask_for_confirmation_and_keep_the_answers(client, world, make_course):
    module, attempt = _open_attempt(client, world, make_course)
    response = client.submit(f"/courses/tiny/attempts/{attempt.id}/submit", {"q1": "true"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "question 1, question 3" in html
    assert 'name="confirmed" value="1"' in html
    assert f'href="/courses/tiny/modules/{module.id}/quiz#questions"' in html
    attempt = db.session.get(QuizAttempt, attempt.id)
    # Nothing graded; the answer given is kept for the quiz page and for "Submit anyway".
    assert attempt.state == AttemptState.IN_PROGRESS
    assert attempt.draft == {"0": None, "1": True, "2": None}
    quiz = client.get(f"/courses/tiny/modules/{module.id}/quiz").get_data(as_text=True)
    assert re.search(r'name="q1" value="true"[^>]*checked', quiz)
    response = client.submit(f"/courses/tiny/attempts/{attempt.id}/submit", {"confirmed": "1"})
    assert response.headers["Location"] == f"/courses/tiny/attempts/{attempt.id}"
    attempt = db.session.get(QuizAttempt, attempt.id)
    assert attempt.state != AttemptState.IN_PROGRESS
    assert round(attempt.score) == 33


def test_a_fully_answered_quiz_is_graded_at_once(client, world, make_course):
    _module, attempt = _open_attempt(client, world, make_course)
    response = client.submit(
        f"/courses/tiny/attempts/{attempt.id}/submit", {"q0": "true", "q1": "true", "q2": "false"}
    )
    assert response.status_code == 302
    assert db.session.get(QuizAttempt, attempt.id).state != AttemptState.IN_PROGRESS


def test_answers_saved_earlier_count_as_answered(client, world, make_course):
    _module, attempt = _open_attempt(client, world, make_course)
    client.submit(f"/courses/tiny/attempts/{attempt.id}/save", {"q0": "true", "q1": "true"})
    response = client.submit(
        f"/courses/tiny/attempts/{attempt.id}/submit", {"page": "2", "q2": "true"}
    )
    assert response.status_code == 302
    assert db.session.get(QuizAttempt, attempt.id).score == 100.0


def test_a_blank_final_exam_uses_no_attempt_without_confirmation(client, world, tiny):
    _start(client, world.official_cdmx_email)
    client.submit("/courses/tiny/final/start")
    attempt = db.session.scalar(select(QuizAttempt))
    response = client.submit(f"/courses/tiny/attempts/{attempt.id}/submit", {})
    assert response.status_code == 200
    assert "confirmed" in response.get_data(as_text=True)
    assert db.session.get(QuizAttempt, attempt.id).state == AttemptState.IN_PROGRESS
    # Back on the exam page, the same attempt is still open: nothing was used up.
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1
    page = client.get("/courses/tiny/final").get_data(as_text=True)
    assert f"/attempts/{attempt.id}/submit" in page
