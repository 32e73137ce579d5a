"""Answers are saved as the official goes: a dropped connection or a deadline loses nothing
that was saved; one question per page works without JavaScript."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.quizzes import services
from app.quizzes.models import QuizAttempt
from tests.conftest import import_folder

BANK = """::A:: ¿Capital de Uruguay? {=Montevideo ~Quito}

::B:: AL-LAs reúne ciudades. {T}

::C:: Escriba la sigla de la alianza. {=AL-LAs}
"""


@pytest.fixture
def quiz(tiny_copy, client, world):
    def build(settings: str = ""):
        module_dir = tiny_copy / "es/01-start"
        (module_dir / "quiz.gift").write_text(BANK)
        if settings:
            (module_dir / "module.toml").write_text(
                'title = "Primer módulo"\n\n[quiz]\n' + settings
            )
        outcome = import_folder(tiny_copy)
        module = outcome.version.editions[0].modules[0]
        client.login(world.official_cdmx_email)
        client.submit("/courses/tiny/enrol", {"language": "es"})
        client.submit(f"/courses/tiny/modules/{module.id}/quiz/start")
        attempt = db.session.scalar(select(QuizAttempt))
        return f"/courses/tiny/modules/{module.id}/quiz", attempt.id

    return build


def test_saved_answers_come_back_and_count(client, quiz):
    url, attempt_id = quiz()
    response = client.submit(
        f"/courses/tiny/attempts/{attempt_id}/save", {"q0": "0", "q1": "true", "q2": "al-las"}
    )
    assert response.status_code == 302
    html = client.get(url).get_data(as_text=True)
    assert 'value="true" checked' in html
    assert 'value="al-las"' in html
    client.submit(
        f"/courses/tiny/attempts/{attempt_id}/submit", {"q0": "0", "q1": "true", "q2": "al-las"}
    )
    assert db.session.get(QuizAttempt, attempt_id).score == 100.0


def test_late_submission_is_graded_on_what_was_saved_in_time(client, quiz):
    _url, attempt_id = quiz("time_limit_minutes = 5\n")
    client.submit(f"/courses/tiny/attempts/{attempt_id}/save", {"q0": "0", "q1": "false", "q2": ""})
    attempt = db.session.get(QuizAttempt, attempt_id)
    attempt.deadline = utcnow() - timedelta(minutes=2)
    db.session.commit()
    # Saving after the deadline is refused, and the late post does not count either.
    client.submit(f"/courses/tiny/attempts/{attempt_id}/save", {"q1": "true"})
    client.submit(
        f"/courses/tiny/attempts/{attempt_id}/submit", {"q0": "0", "q1": "true", "q2": "AL-LAs"}
    )
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.state == "submitted"
    assert attempt.score == pytest.approx(100 / 3)


def test_one_question_per_page(client, quiz):
    url, attempt_id = quiz("one_per_page = true\n")
    first = client.get(url).get_data(as_text=True)
    assert "¿Capital de Uruguay?" in first
    assert "AL-LAs reúne ciudades." not in first
    response = client.submit(
        f"/courses/tiny/attempts/{attempt_id}/save", {"page": "0", "q0": "0", "go": "1"}
    )
    assert response.headers["Location"].endswith("?page=1#questions")
    second = client.get(f"{url}?page=1").get_data(as_text=True)
    assert "AL-LAs reúne ciudades." in second
    assert "¿Capital de Uruguay?" not in second
    client.submit(
        f"/courses/tiny/attempts/{attempt_id}/save", {"page": "1", "q1": "true", "go": "2"}
    )
    client.submit(f"/courses/tiny/attempts/{attempt_id}/submit", {"page": "2", "q2": "AL-LAs"})
    assert db.session.get(QuizAttempt, attempt_id).score == 100.0


def test_bad_pages_and_values_are_refused(client, quiz):
    _url, attempt_id = quiz("one_per_page = true\n")
    assert (
        client.submit(
            f"/courses/tiny/attempts/{attempt_id}/save", {"page": "9", "q0": "0"}
        ).status_code
        == 400
    )
    assert (
        client.submit(f"/courses/tiny/attempts/{attempt_id}/save", {"page": "x"}).status_code == 400
    )
    assert (
        client.submit(
            f"/courses/tiny/attempts/{attempt_id}/save", {"page": "1", "q1": "maybe"}
        ).status_code
        == 400
    )
    assert db.session.get(QuizAttempt, attempt_id).draft == {}


def test_saving_into_someone_elses_attempt_is_invisible(app, world, quiz):
    _url, attempt_id = quiz()
    other = app.test_client()
    other.login(world.official_bh_email)
    assert (
        other.submit(f"/courses/tiny/attempts/{attempt_id}/save", {"q1": "false"}).status_code
        == 404
    )
    assert services.draft_responses(db.session.get(QuizAttempt, attempt_id)) == {}


def test_background_save_answers_without_a_page(quiz, client, app, world):
    _url, attempt_id = quiz()
    save = f"/courses/tiny/attempts/{attempt_id}/save"
    headers = {"X-Aula-Autosave": "1"}
    response = client.submit(save, {"q1": "true"}, headers=headers)
    assert response.status_code == 204 and response.data == b""
    db.session.expire_all()
    assert services.draft_responses(db.session.get(QuizAttempt, attempt_id))[1] is True
    # Someone else's attempt: not found, nothing saved.
    other = app.test_client()
    other.login(world.official_bh_email)
    assert other.submit(save, {"q1": "false"}, headers=headers).status_code == 404
    # Once submitted, a late background save is refused and changes nothing.
    client.submit(f"/courses/tiny/attempts/{attempt_id}/submit", {"q1": "true", "confirmed": "1"})
    assert client.submit(save, {"q1": "false"}, headers=headers).status_code == 409
    db.session.expire_all()
    assert services.draft_responses(db.session.get(QuizAttempt, attempt_id))[1] is True
