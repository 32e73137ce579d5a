"""Taking module quizzes and the final exam through the pages, graded on the server."""

import re

from sqlalchemy import func, select

from app.extensions import db
from app.learning.models import Enrolment, EnrolmentStatus
from app.quizzes import services
from app.quizzes.models import QuizAttempt, QuizResponse


def _enrolled(client, world, tiny):
    client.login(world.official_cdmx_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})
    module = tiny.version.editions[0].modules[0]
    return module


def _take(client, url_start, answers):
    client.submit(url_start)
    attempt = db.session.scalar(select(QuizAttempt).order_by(QuizAttempt.id.desc()))
    response = client.submit(f"/courses/tiny/attempts/{attempt.id}/submit", answers)
    return attempt.id, response


def test_quiz_page_never_shows_the_right_answer(client, world, tiny):
    module = _enrolled(client, world, tiny)
    client.submit(f"/courses/tiny/modules/{module.id}/quiz/start")
    html = client.get(f"/courses/tiny/modules/{module.id}/quiz").get_data(as_text=True)
    assert "La tierra es redonda" in html
    assert 'name="q0" value="true"' in html
    assert "correctanswer" not in html
    assert "fraction" not in html
    assert "checked" not in html


def test_fail_then_pass_module_quiz_and_final_completes_the_course(client, world, tiny):
    module = _enrolled(client, world, tiny)
    for lesson in module.lessons:
        client.submit(f"/courses/tiny/lessons/{lesson.id}/done")
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.status == EnrolmentStatus.ACTIVE  # lessons alone are not enough

    attempt_id, response = _take(
        client, f"/courses/tiny/modules/{module.id}/quiz/start", {"q0": "false"}
    )
    assert response.headers["Location"] == f"/courses/tiny/attempts/{attempt_id}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "0%" in html
    assert db.session.get(QuizAttempt, attempt_id).score == 0.0

    attempt_id, _response = _take(
        client, f"/courses/tiny/modules/{module.id}/quiz/start", {"q0": "true"}
    )
    assert db.session.get(QuizAttempt, attempt_id).number == 2
    assert db.session.get(QuizAttempt, attempt_id).passed
    assert db.session.scalar(select(Enrolment.status)) == EnrolmentStatus.ACTIVE

    _take(client, "/courses/tiny/final/start", {"q0": "true"})
    assert db.session.scalar(select(Enrolment.status)) == EnrolmentStatus.COMPLETED
    course_page = client.get("/courses/tiny").get_data(as_text=True)
    assert "100%" in course_page


def test_double_submit_records_one_result(client, world, tiny):
    module = _enrolled(client, world, tiny)
    attempt_id, first = _take(
        client, f"/courses/tiny/modules/{module.id}/quiz/start", {"q0": "true"}
    )
    again = client.submit(f"/courses/tiny/attempts/{attempt_id}/submit", {"q0": "false"})
    assert again.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(QuizResponse)) == 1
    assert db.session.get(QuizAttempt, attempt_id).score == 100.0


def test_tampered_answers_are_refused_and_change_nothing(client, world, tiny):
    module = _enrolled(client, world, tiny)
    client.submit(f"/courses/tiny/modules/{module.id}/quiz/start")
    attempt = db.session.scalar(select(QuizAttempt))
    for bad in ({"q0": "maybe"}, {"q0": ["true", "false"]}, {"q0": "true", "q7": "x"}):
        response = client.submit(f"/courses/tiny/attempts/{attempt.id}/submit", bad)
        assert response.status_code == 400
    assert db.session.get(QuizAttempt, attempt.id).state == "in_progress"
    assert db.session.scalar(select(func.count()).select_from(QuizResponse)) == 0


def test_another_officials_attempt_is_invisible(app, client, world, tiny):
    module = _enrolled(client, world, tiny)
    attempt_id, _response = _take(
        client, f"/courses/tiny/modules/{module.id}/quiz/start", {"q0": "true"}
    )
    other = app.test_client()
    other.login(world.official_bh_email)
    other.submit("/courses/tiny/enrol", {"language": "es"})
    assert other.get(f"/courses/tiny/attempts/{attempt_id}").status_code == 404
    assert (
        other.submit(f"/courses/tiny/attempts/{attempt_id}/submit", {"q0": "false"}).status_code
        == 404
    )
    for email in (world.reviewer_bh_email, world.reviewer_cdmx_email, world.admin_email):
        viewer = app.test_client()
        viewer.login(email)
        assert viewer.get(f"/courses/tiny/attempts/{attempt_id}").status_code == 404
    assert db.session.get(QuizAttempt, attempt_id).score == 100.0


def test_quizzes_need_an_enrolment_and_a_real_module(client, world, tiny):
    module = tiny.version.editions[0].modules[0]
    assert (
        client.get(f"/courses/tiny/modules/{module.id}/quiz")
        .headers["Location"]
        .startswith("/login")
    )
    client.login(world.official_cdmx_email)
    response = client.get(f"/courses/tiny/modules/{module.id}/quiz")
    assert response.headers["Location"] == "/courses/tiny"
    assert client.submit(f"/courses/tiny/modules/{module.id}/quiz/start").status_code == 403
    client.submit("/courses/tiny/enrol", {"language": "es"})
    assert client.get("/courses/tiny/modules/999999/quiz").status_code == 404
    assert client.post(f"/courses/tiny/modules/{module.id}/quiz/start").status_code == 400


def test_second_tab_gets_the_same_open_attempt(client, world, tiny):
    module = _enrolled(client, world, tiny)
    client.submit(f"/courses/tiny/modules/{module.id}/quiz/start")
    client.submit(f"/courses/tiny/modules/{module.id}/quiz/start")
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1


def test_result_page_shows_feedback_in_the_attempt(client, world, tiny):
    module = _enrolled(client, world, tiny)
    attempt_id, _response = _take(
        client, f"/courses/tiny/modules/{module.id}/quiz/start", {"confirmed": "1"}
    )
    html = client.get(f"/courses/tiny/attempts/{attempt_id}").get_data(as_text=True)
    assert re.search(r"0%", html)


def test_quiz_page_lists_only_the_latest_attempts(client, world, tiny):
    module = _enrolled(client, world, tiny)
    enrolment = db.session.scalar(select(Enrolment))
    ref = services.quizzes_of(enrolment.edition)[0]
    for _n in range(12):
        services.submit_attempt(services.start_attempt(enrolment.id, ref, 70), {0: False})
    db.session.commit()
    html = client.get(f"/courses/tiny/modules/{module.id}/quiz").get_data(as_text=True)
    assert "los 10 más recientes de 12" in html
    assert "Intento 12" in html
    assert "Intento 2<" not in html


def test_result_marks_the_questions_in_the_course_language(client, world, tiny):
    """A Portuguese interface showing a Spanish course's questions says which language each
    part is in (WCAG 3.1.2), so a screen reader pronounces them right."""
    client.login(world.official_bh_email)  # reads Aula in pt_BR
    client.submit("/courses/tiny/enrol", {"language": "es"})
    module = tiny.version.editions[0].modules[0]
    _attempt_id, response = _take(
        client, f"/courses/tiny/modules/{module.id}/quiz/start", {"q0": "true"}
    )
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert '<html lang="pt-BR">' in html
    texts = re.findall(r'<div class="question-text"([^>]*)>', html)
    assert texts and all('lang="es"' in attributes for attributes in texts)
