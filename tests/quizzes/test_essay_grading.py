"""Essays wait in the trainers' queue; grading them completes the attempt's score."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.quizzes.models import QuizAttempt

BANK = "::Verdad:: AL-LAs reúne ciudades. {T}\n\n::Ensayo:: Describa un hermanamiento de su ciudad. {}\n"


@pytest.fixture
def waiting_attempt(make_course, client, world):
    outcome = make_course(bank=BANK)
    module = outcome.version.editions[0].modules[0]
    client.login(world.official_cdmx_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})
    client.submit(f"/courses/tiny/modules/{module.id}/quiz/start")
    attempt = db.session.scalar(select(QuizAttempt))
    client.submit(
        f"/courses/tiny/attempts/{attempt.id}/submit",
        {"q0": "true", "q1": "Montevideo y <b>Santiago</b> colaboran en cultura."},
    )
    client.logout()
    return attempt.id


def test_essay_waits_then_trainer_grades_it(client, world, waiting_attempt):
    attempt = db.session.get(QuizAttempt, waiting_attempt)
    assert attempt.state == "needs_grading"
    assert attempt.score is None
    client.login(world.trainer_email)
    queue = client.get("/teach/grading").get_data(as_text=True)
    assert "Guadalupe Hernández" in queue
    page = client.get(f"/teach/grading/{waiting_attempt}").get_data(as_text=True)
    assert "&lt;b&gt;Santiago&lt;/b&gt;" in page  # the official's text is shown, never run
    response = client.submit(
        f"/teach/grading/{waiting_attempt}", {"grade_1": "50", "feedback_1": "Falta un ejemplo."}
    )
    assert response.status_code == 302
    attempt = db.session.get(QuizAttempt, waiting_attempt)
    assert attempt.state == "submitted"
    assert attempt.score == 75.0
    assert attempt.responses[1].feedback == "Falta un ejemplo."
    again = client.submit(f"/teach/grading/{waiting_attempt}", {"grade_1": "0"})
    assert again.status_code == 302
    assert db.session.get(QuizAttempt, waiting_attempt).score == 75.0


@pytest.mark.parametrize("bad", ["", "abc", "101", "-5", "50.5"])
def test_bad_grades_are_refused_in_place(client, world, waiting_attempt, bad):
    client.login(world.trainer_email)
    response = client.submit(f"/teach/grading/{waiting_attempt}", {"grade_1": bad})
    assert response.status_code == 400
    assert "Indique un número entero de 0 a 100." in response.get_data(as_text=True)
    assert db.session.get(QuizAttempt, waiting_attempt).state == "needs_grading"


@pytest.mark.parametrize("role", ["official_cdmx", "reviewer_cdmx", "reviewer_bh"])
def test_grading_is_for_trainers(app, world, waiting_attempt, role):
    client = app.test_client()
    client.login(getattr(world, f"{role}_email"))
    assert client.get("/teach/grading").status_code == 403
    assert client.get(f"/teach/grading/{waiting_attempt}").status_code == 403
    assert client.submit(f"/teach/grading/{waiting_attempt}", {"grade_1": "100"}).status_code == 403
    assert db.session.get(QuizAttempt, waiting_attempt).state == "needs_grading"
