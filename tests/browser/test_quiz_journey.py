"""An official fails a module quiz, tries again, passes and reads the feedback."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from app.catalog import services
from app.catalog import services as catalog_services
from app.extensions import db
from app.quizzes.models import QuizAttempt
from tests.browser.test_journeys import _sign_in

COURSES = Path(__file__).resolve().parents[2] / "courses"
SHIPPED = sorted(p.name for p in COURSES.iterdir() if p.is_dir())


def start_module_quiz(visit, email: str) -> None:
    """Sign in, enrol on the tiny course and open an attempt at its module quiz."""
    page = visit.page
    visit.goto("/login")
    _sign_in(visit, email)
    visit.goto("/courses/tiny")
    page.get_by_role("button", name="Inscribirme").click()
    visit.check()
    visit.goto("/courses/tiny")
    page.get_by_role("link", name="Cuestionario: Primer módulo").click()
    visit.check()
    page.get_by_role("button", name="Comenzar").click()
    visit.check()


def test_official_fails_retries_and_passes_a_module_quiz(visit, world, tiny):
    page = visit.page
    start_module_quiz(visit, world.official_cdmx_email)
    page.get_by_label("Falso").check()
    page.get_by_role("button", name="Enviar mis respuestas").click()
    visit.check()
    expect(page.locator(".score")).to_contain_text("0%")
    expect(page.locator(".score")).to_contain_text("No aprobado")

    page.get_by_role("link", name="Volver al cuestionario").click()
    visit.check()
    page.get_by_role("button", name="Intentar de nuevo").click()
    visit.check()
    page.get_by_label("Verdadero").check()
    page.get_by_role("button", name="Enviar mis respuestas").click()
    visit.check()
    expect(page.locator(".score")).to_contain_text("100%")
    expect(page.locator(".score")).to_contain_text("Aprobado.")
    page.get_by_role("link", name="Volver al cuestionario").click()
    visit.check()
    expect(page.get_by_role("table")).to_contain_text("Intento 2")

    # The trainer sees both attempts in the item analysis.
    page.get_by_role("button", name="Cerrar sesión").click()
    visit.check()
    visit.goto("/login")
    _sign_in(visit, world.trainer_email)
    page.get_by_role("link", name="Resultados de cuestionarios").click()
    visit.check()
    page.get_by_role("link", name="Cuestionario: Primer módulo").click()
    visit.check()
    expect(page.get_by_role("table", name="Análisis de preguntas")).to_contain_text("Q1")


# One test per course, so that parallel workers share them out.
@pytest.mark.parametrize("name", SHIPPED)
def test_every_quiz_of_a_shipped_course_passes_axe(visit, runner, world, name):
    assert runner.invoke(args=["courses", "import", str(COURSES / name)]).exit_code == 0

    visit.goto("/login")
    _sign_in(visit, world.official_cdmx_email)
    page = visit.page
    course = services.find_course(name)
    visit.goto(f"/courses/{name}?lang=es")
    page.get_by_role("button", name="Inscribirme").click()
    visit.check()
    edition = next(e for e in course.current_version.editions if e.language == "es")
    urls = [f"/courses/{name}/modules/{m.id}/quiz" for m in edition.modules if m.quiz]
    if edition.final_quiz:
        urls.append(f"/courses/{name}/final")
    for url in urls:
        visit.goto(url)
        page.get_by_role("button", name="Comenzar").click()
        visit.check()
        page.get_by_role("button", name="Enviar mis respuestas").click()
        visit.check()


def test_answers_are_saved_as_the_official_goes(visit, world, tiny):
    """The page's own script saves each answer in the background: a reload (a dropped
    connection, a closed tab) finds it still there."""

    page = visit.page
    start_module_quiz(visit, world.official_cdmx_email)
    with page.expect_response(lambda r: r.url.endswith("/save") and r.status == 204):
        page.get_by_label("Verdadero").check()
    expect(page.get_by_role("status").last).to_have_text("Sus respuestas están guardadas.")
    db.session.expire_all()
    attempt = db.session.scalar(select(QuizAttempt))
    assert attempt.draft  # stored on the server, not only in the page
    page.reload()
    visit.check()
    expect(page.get_by_label("Verdadero")).to_be_checked()


#: For each question block of the page: how far any part of it sticks out of the block,
#: whether its number hangs outside the block, and whether a fieldset border runs through
#: its question text (a legend left on the border instead of above the answers).
QUESTION_BLOCKS = """() => [...document.querySelectorAll("ol.questions > li")].map(li => {
  const box = li.getBoundingClientRect();
  let out = 0;
  for (const el of li.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (!r.width && !r.height) continue;
    out = Math.max(out, box.left - r.left, r.right - box.right, r.bottom - box.bottom);
  }
  const list = getComputedStyle(li.parentElement);
  const cut = [...li.querySelectorAll("fieldset")].some(f => {
    const legend = f.querySelector(":scope > legend");
    return legend && parseFloat(getComputedStyle(f).borderTopWidth) > 0
      && getComputedStyle(legend).float === "none";
  });
  return {out, hanging: list.listStyleType !== "none" && list.listStylePosition !== "inside", cut};
})"""


def test_quiz_questions_fit_a_phone_in_one_block(visit, runner, world):
    """Number, text and answers of each question in one box at 360 px: choice, matching,
    typed and true/false questions alike (attractive-city's first quiz has them all)."""
    assert (
        runner.invoke(args=["courses", "import", str(COURSES / "attractive-city")]).exit_code == 0
    )
    page = visit.page
    visit.goto("/login")
    _sign_in(visit, world.official_cdmx_email)
    visit.goto("/courses/attractive-city?lang=es")
    page.get_by_role("button", name="Inscribirme").click()
    visit.check()
    edition = next(
        e
        for e in catalog_services.find_course("attractive-city").current_version.editions
        if e.language == "es"
    )
    visit.goto(f"/courses/attractive-city/modules/{edition.modules[0].id}/quiz")
    page.get_by_role("button", name="Comenzar").click()
    visit.check()
    blocks = page.evaluate(QUESTION_BLOCKS)
    assert len(blocks) >= 5
    for number, block in enumerate(blocks, start=1):
        assert block["out"] <= 0.5, f"question {number} sticks out of its box by {block['out']}px"
        assert not block["hanging"], f"question {number}'s number hangs outside its box"
        assert not block["cut"], f"a fieldset border runs through question {number}'s text"
    shots = os.environ.get("AULA_SCREENSHOTS")
    if shots:  # docs/screenshots/quiz-360.png is made this way
        page.screenshot(path=str(Path(shots) / "quiz-360.png"), full_page=True)
