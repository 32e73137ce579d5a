"""An official finds a course, reads, leaves and comes back where they stopped."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_journeys import _sign_in

COURSES = Path(__file__).resolve().parents[2] / "courses"
SHIPPED = sorted(p.name for p in COURSES.iterdir() if p.is_dir())


def test_official_enrols_reads_two_lessons_leaves_and_continues(visit, world, tiny):
    page = visit.page
    visit.goto("/login")
    _sign_in(visit, world.official_cdmx_email)
    page.get_by_role("link", name="Cursos").first.click()
    visit.check()
    page.get_by_role("link", name="Curso mínimo").click()
    visit.check()
    page.get_by_role("button", name="Inscribirme").click()
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Primera lección")
    page.get_by_role("button", name="Marcar como completada").click()
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Segunda lección")

    # Leave (sign out), come back another day, and continue from "My learning".
    page.get_by_role("button", name="Cerrar sesión").click()
    visit.check()
    page.get_by_role("link", name="Iniciar sesión").first.click()
    visit.check()
    _sign_in(visit, world.official_cdmx_email)
    page.get_by_role("link", name="Mi aprendizaje").click()
    visit.check()
    # One step of four (two lessons, the module quiz, the final exam).
    expect(page.get_by_text("25%").first).to_be_visible()
    page.get_by_role("link", name="Continuar").click()
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Segunda lección")
    page.get_by_role("button", name="Marcar como completada").click()
    visit.check()
    # The module's last lesson leads to its quiz.
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuestionario: Primer módulo")


def test_official_follows_the_next_steps_from_lesson_to_certificate(visit, world, tiny):
    """Sign-in lands on My learning; each page's next step leads on to the certificate, a
    blank submission asks first; axe passes on every page shown."""
    page = visit.page
    visit.goto("/login")
    _sign_in(visit, world.official_cdmx_email)
    assert page.url.endswith("/learning/")
    visit.goto("/courses/tiny")
    page.get_by_role("button", name="Inscribirme").click()
    visit.check()
    page.get_by_role("button", name="Marcar como completada").click()
    visit.check()
    # The last lesson says what remains, with links.
    expect(page.locator("#remaining-heading")).to_be_visible()
    expect(page.locator('section a[href="/courses/tiny/final"]')).to_be_visible()
    page.get_by_role("button", name="Marcar como completada").click()
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cuestionario: Primer módulo")
    page.get_by_role("button", name="Comenzar").click()
    visit.check()
    # Sent blank: a confirmation page, and back to answer.
    page.get_by_role("button", name="Enviar mis respuestas").click()
    visit.check()
    expect(page.locator('input[name="confirmed"]')).to_have_count(1)
    page.locator('main a.button[href$="#questions"]').click()
    visit.check()
    page.locator('input[name="q0"][value="true"]').check()
    page.get_by_role("button", name="Enviar mis respuestas").click()
    visit.check()
    # The result's next step is the final exam.
    page.locator('main a.button[href="/courses/tiny/final"]').click()
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Examen final")
    page.get_by_role("button", name="Comenzar").click()
    visit.check()
    page.locator('input[name="q0"][value="true"]').check()
    page.get_by_role("button", name="Enviar mis respuestas").click()
    visit.check()
    # The final result links the certificate: PDF, verification page, LinkedIn.
    pdf = page.locator('main a[href$="/certificate.pdf"]')
    expect(pdf).to_have_count(1)
    linkedin = page.locator('main a[href^="https://www.linkedin.com/profile/add?"]')
    expect(linkedin).to_have_count(1)
    assert "certId=" in linkedin.get_attribute("href")
    page.locator('main a[href^="/verify/"]').click()
    visit.check()
    expect(page.locator("main")).to_contain_text("Curso mínimo")
    visit.goto("/learning/")
    expect(page.get_by_text("100%").first).to_be_visible()


def test_catalogue_of_the_shipped_courses_passes_axe(visit, runner, world):
    assert SHIPPED, "courses/ has no course to check"
    result = runner.invoke(args=["courses", "import", *(str(COURSES / name) for name in SHIPPED)])
    assert result.exit_code == 0, result.output
    visit.goto("/courses")


# One test per course, so that parallel workers share them out.
@pytest.mark.parametrize("name", SHIPPED)
def test_course_page_and_every_lesson_pass_axe(visit, runner, world, name):
    result = runner.invoke(args=["courses", "import", str(COURSES / name)])
    assert result.exit_code == 0, result.output
    from app.catalog import services

    course = services.find_course(name)
    for edition in course.current_version.editions:
        visit.goto(f"/courses/{name}?lang={edition.language}")
        for module in edition.modules:
            for lesson in module.lessons:
                visit.goto(f"/courses/{name}/lessons/{lesson.id}")
        visit.goto(f"/courses/{name}/lessons/{edition.modules[0].lessons[0].id}/print")


def test_the_same_journey_on_a_booklet_course(visit, runner, world):
    """Course issue's journey on a real course of the curriculum, in Portuguese."""
    assert (
        runner.invoke(args=["courses", "import", str(COURSES / "legal-frameworks")]).exit_code == 0
    )
    from app.catalog import services

    course = services.find_course("legal-frameworks")
    edition = next(e for e in course.current_version.editions if e.language == "pt_BR")
    first, second = edition.modules[0].lessons[:2]
    page = visit.page
    visit.goto("/login")
    _sign_in(visit, world.official_bh_email)  # a Belo Horizonte official reads Portuguese
    page.get_by_role("link", name="Cursos").first.click()
    visit.check()
    page.get_by_role("link", name=edition.title).click()
    visit.check()
    page.get_by_role("button", name="Inscrever-me").click()
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(first.title)
    expect(page.get_by_role("heading", name="Fontes")).to_be_visible()
    page.get_by_role("button", name="Marcar como concluída").click()
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title)
    page.get_by_role("button", name="Sair").click()
    visit.check()
    visit.goto("/login")
    _sign_in(visit, world.official_bh_email)
    page.get_by_role("link", name="Meu aprendizado").click()
    visit.check()
    page.get_by_role("link", name="Continuar").click()
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_have_text(second.title)
