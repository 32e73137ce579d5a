"""The per-question form offers Moodle's grades only, and refuses a title Moodle would cut, so
a bank written in Aula grades and reads the same once imported into Moodle."""

from app.authoring import questions
from app.authoring.models import DraftModule
from app.extensions import db
from tests.authoring.test_drafts import _build_course


def _rows(*items):
    return {
        f"answers-{i}-{key}": value for i, item in enumerate(items) for key, value in item.items()
    }


def test_the_credit_menu_is_moodles_grade_list(client, world):
    client.login(world.trainer_email)
    module = _build_course(client)
    page = client.get(
        f"/author/ciudad-abierta/draft/quizzes/m{module.id}/questions/new?qtype=multichoice"
    )
    html = page.get_data(as_text=True)
    for value in ("100", "83.33333", "33.33333", "14.28571", "5", "0", "-50", "-100"):
        assert f'<option value="{value}"' in html
    assert '<option value="35"' not in html


def test_a_grade_moodle_does_not_have_is_refused(client, world):
    client.login(world.trainer_email)
    module = _build_course(client)
    before = db.session.get(DraftModule, module.id).quiz
    response = client.submit(
        f"/author/ciudad-abierta/draft/quizzes/m{module.id}/questions/new",
        {
            "qtype": "multichoice",
            "questiontext": "Ciudades andinas",
            "correct": "true",
            **_rows(
                {"text": "Quito", "percent": "35"},
                {"text": "La Paz", "percent": "65"},
                {"text": "París", "percent": "0"},
            ),
        },
    )
    assert response.status_code == 400
    assert db.session.get(DraftModule, module.id).quiz == before


def test_moodle_grades_thirds_are_accepted(client, world):
    client.login(world.trainer_email)
    module = _build_course(client)
    response = client.submit(
        f"/author/ciudad-abierta/draft/quizzes/m{module.id}/questions/new",
        {
            "qtype": "multichoice",
            "questiontext": "Tres de tres",
            "correct": "true",
            **_rows(*({"text": t, "percent": "33.33333"} for t in ("a", "b", "c"))),
        },
    )
    assert response.status_code == 302
    assert "~%33.33333%a ~%33.33333%b ~%33.33333%c" in db.session.get(DraftModule, module.id).quiz


def test_a_title_moodle_would_cut_is_refused(client, world):
    client.login(world.trainer_email)
    module = _build_course(client)
    before = db.session.get(DraftModule, module.id).quiz
    response = client.submit(
        f"/author/ciudad-abierta/draft/quizzes/m{module.id}/questions/new",
        {
            "qtype": "essay",
            "name": "Presupuesto<2020",
            "questiontext": "Describa",
            "correct": "true",
        },
    )
    assert response.status_code == 400
    assert "Moodle" in response.get_data(as_text=True)
    assert db.session.get(DraftModule, module.id).quiz == before


def test_an_existing_grade_off_the_list_shows_as_moodles_nearest():
    question = {
        "qtype": "shortanswer",
        "questiontext": "x",
        "answers": [
            {"text": "a", "fraction": 1.0, "feedback": ""},
            {"text": "b", "fraction": 0.35, "feedback": ""},
            {"text": "c", "fraction": -0.3333333, "feedback": ""},
        ],
    }
    credits = [row["percent"] for row in questions.to_form(question)["answers"]]
    assert credits == ["100", "33.33333", "-33.33333"]
