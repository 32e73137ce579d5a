"""A trainer writes a course in the browser and publishes it twice; an official takes it in
between and their attempt keeps the questions as they were asked."""

from playwright.sync_api import expect
from sqlalchemy import select

from app.extensions import db
from app.quizzes.models import QuizAttempt
from tests.authoring.test_drafts import FIVE_QUESTIONS
from tests.browser.test_journeys import _sign_in


def _sign_out(visit):
    visit.page.locator("form[action='/logout'] button").click()
    visit.check()


def test_trainer_writes_publishes_and_revises_a_course(visit, world):
    page = visit.page
    visit.goto("/login")
    _sign_in(visit, world.trainer_email)
    visit.goto("/author/")
    page.locator("a[href='/author/new']").click()
    visit.check()
    page.fill("#slug", "ciudad-abierta")
    page.select_option("#language", "es")
    page.fill("#title", "Ciudad abierta")
    page.fill("#summary", "Cómo una ciudad actúa en el mundo.")
    page.fill("#hours", "3")
    page.fill("#pass_mark", "60")
    page.fill("#booklet_title", "La ciudad en el mundo")
    page.fill("#booklet_reference", "AL-LAs, Cuaderno 1, 2014")
    page.locator("form.stacked-form button[type=submit]").click()
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Ciudad abierta")

    page.locator("input[name='module-title']").fill("Fundamentos")
    page.locator("input[name='module-title'] ~ button").click()
    visit.check()
    for title, text in (
        ("Primera lección", "La **acción internacional** de una ciudad es política pública."),
        ("Segunda lección", "Las redes de ciudades, como AL-LAs, comparten experiencias."),
    ):
        page.locator("input[name='lesson-title']").fill(title)
        page.locator("input[name='lesson-title'] ~ button").click()
        visit.check()
        page.fill("#minutes", "10")
        page.fill("#body", f"## {title}: idea central\n\n{text}\n")
        # A Markdown box of at least 20 lines; on a wide screen the preview sits beside it.
        assert page.locator("#body").evaluate("e => e.rows") >= 20
        page.set_viewport_size({"width": 1280, "height": 800})
        editor = page.locator("#body").bounding_box()
        preview = page.locator("#preview-body").bounding_box()
        assert preview["x"] >= editor["x"] + editor["width"]
        page.set_viewport_size({"width": 360, "height": 740})
        page.locator("#preview").click()  # the server-side preview, as without JavaScript
        visit.check()
        expect(page.locator("#preview-body h2")).to_have_text(f"{title}: idea central")
        page.locator("#submit").click()
        visit.check()
        visit.goto("/author/ciudad-abierta/draft")

    page.locator("a[href*='/draft/quizzes/m']").first.click()
    visit.check()
    page.fill("#gift", FIVE_QUESTIONS)
    page.locator("form.stacked-form button[type=submit]").click()
    visit.check()
    expect(page.locator("ol.questions > li")).to_have_count(5)
    # A question through the form: the type first, then only its fields.
    page.locator("a[href$='/questions/new']").click()
    visit.check()
    expect(page.locator("#questiontext")).to_have_count(0)
    page.select_option("#qtype", "match")
    page.locator("form.question-type button").click()
    visit.check()
    expect(page.locator("[name='answers-0-match']")).to_be_visible()
    expect(page.locator("[name='correct'], [name='answers-0-percent']")).to_have_count(0)
    page.fill("#questiontext", "Relacione cada ciudad con su país")
    for row, (city, country) in enumerate((("Lima", "Perú"), ("Quito", "Ecuador"))):
        page.fill(f"#answers-{row}-text", city)
        page.fill(f"#answers-{row}-match", country)
    page.locator("form.stacked-form button[type=submit]").click()
    visit.check()
    expect(page.locator("ol.questions > li")).to_have_count(6)
    page.locator("a[href$='/try']").click()
    visit.check()
    page.locator("#q0-0").check()
    page.locator("form[action$='/try'] button").click()
    visit.check()
    expect(page.locator(".score")).to_be_visible()

    visit.goto("/author/ciudad-abierta/draft")
    page.fill("#note", "Primera publicación")
    page.locator("form[action$='/draft/publish'] button").click()
    visit.check()
    expect(page.locator("table")).to_contain_text("Primera publicación")
    _sign_out(visit)

    # The official enrols and takes the quiz on version 1.
    visit.goto("/login")
    _sign_in(visit, world.official_cdmx_email)
    visit.goto("/courses/ciudad-abierta")
    page.locator("form[action$='/enrol'] [type=submit]").click()
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Primera lección")
    visit.goto("/courses/ciudad-abierta")
    page.locator("a[href*='/quiz']").first.click()
    visit.check()
    page.locator("form[action$='/quiz/start'] button").click()
    visit.check()
    page.get_by_text("ciudades", exact=True).click()
    page.locator("form[action$='/submit'] button:not([formaction])").click()
    visit.check()
    # One question of the two left blank: the official confirms before it counts.
    page.get_by_role("button", name="Enviar de todos modos").click()
    visit.check()
    expect(page.locator(".questions")).to_contain_text("La red AL-LAs reúne")
    attempt_url = page.url
    _sign_out(visit)

    # The trainer rewrites the first question through the form and publishes version 2.
    visit.goto("/login")
    _sign_in(visit, world.trainer_email)
    visit.goto("/author/ciudad-abierta/draft")
    page.locator("a[href*='/draft/quizzes/m']").first.click()
    visit.check()
    page.locator("a[href$='/questions/0']").click()
    visit.check()
    page.fill("#questiontext", "La red AL-LAs agrupa")
    page.locator("form.stacked-form button[type=submit]").click()
    visit.check()
    expect(page.locator("ol.questions")).to_contain_text("La red AL-LAs agrupa")
    visit.goto("/author/ciudad-abierta/draft")
    page.fill("#note", "Pregunta 1 reescrita")
    page.locator("form[action$='/draft/publish'] button").click()
    visit.check()
    expect(page.locator("table")).to_contain_text("Pregunta 1 reescrita")
    visit.goto("/author/ciudad-abierta/compare?from=1&to=2")
    _sign_out(visit)

    # The official's attempt still shows the question as it was asked.
    visit.goto("/login")
    _sign_in(visit, world.official_cdmx_email)
    page.goto(attempt_url)
    visit.check()
    expect(page.locator(".questions")).to_contain_text("La red AL-LAs reúne")
    expect(page.locator(".questions")).not_to_contain_text("agrupa")
    assert db.session.scalar(select(QuizAttempt.number)) == 1
