"""A timed quiz (WCAG 2.2.1): the deadline shown, a polite countdown, a warning near the end
and an extension taken with the page's button, each page passing axe."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.clock import utcnow
from app.extensions import db
from app.quizzes.models import QuizAttempt
from tests.browser.test_quiz_journey import start_module_quiz


def test_timed_quiz_shows_deadline_countdown_warning_and_extension(visit, world, make_course):
    make_course(quiz="time_limit_minutes = 20\nextensions = 1\nextension_minutes = 10\n")
    page = visit.page
    start_module_quiz(visit, world.official_cdmx_email)
    timer = page.locator("#timer")
    expect(timer).to_contain_text("Envíe sus respuestas antes de")
    region = timer.locator("[aria-live=polite]")
    expect(region).to_have_count(1)
    expect(region).to_have_text("Tiempo restante: 20 min.")
    expect(timer.locator("[data-time-warning]")).to_be_hidden()

    page.get_by_role("button", name="Añadir 10 minutos").click()
    visit.check()
    expect(page.locator(".flashes")).to_contain_text("Se añadieron 10 minutos")
    expect(region).to_have_text("Tiempo restante: 30 min.")
    expect(page.get_by_role("button", name="Añadir 10 minutos")).to_have_count(0)

    # Four minutes left: under the 6 minutes (a fifth of 30) that call for a warning.
    db.session.expire_all()
    attempt = db.session.scalar(select(QuizAttempt))
    attempt.deadline = utcnow() + timedelta(minutes=4)
    db.session.commit()
    page.reload()
    visit.check()
    expect(region).to_have_text("Tiempo restante: 4 min.")
    expect(timer.locator("[data-time-warning]")).to_be_visible()
