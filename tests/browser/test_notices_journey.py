"""Notices and invitations in the browser at phone size, each page checked by axe: the staff
list's boxes and bulk form, the person's "send again" button, the due-date page, and the
notice on the official's My learning."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import func, select

from app.accounts import invitations
from app.accounts import services as accounts
from app.accounts.models import Organisation, User
from app.extensions import db
from app.learning import assignments
from app.outbox import OutboxMessage
from tests.browser.test_journeys import _sign_in


def _queued() -> int:
    return db.session.scalar(select(func.count()).where(OutboxMessage.topic == invitations.TOPIC))


def test_reviewer_invites_again_and_changes_a_due_date_official_sees_it(visit, world, tiny):
    finance = db.session.get(Organisation, world.cdmx_finance)
    ines = accounts.create_user("ines@test.example", "Inés Importada", finance)
    reviewer = db.session.get(User, world.reviewer_cdmx)
    assignment = assignments.create(
        reviewer, tiny.course, finance, due_on=assignments.today() + timedelta(days=20)
    )
    db.session.commit()
    page = visit.page
    visit.goto("/login")
    _sign_in(visit, world.reviewer_cdmx_email)

    visit.goto("/staff/")
    page.locator(f"#pick-{ines.id}").check()
    page.locator("#resend-form button[type=submit]").click()
    visit.check()
    assert _queued() == 1
    visit.goto(f"/staff/{ines.id}")
    page.locator(f"form[action='/staff/{ines.id}/invitation'] button").click()
    visit.check()
    assert _queued() == 1  # within ten minutes: not again

    visit.goto("/assignments/")
    page.locator(f"a[href='/assignments/{assignment.id}/due']").click()
    visit.check()
    later = assignments.today() + timedelta(days=40)
    page.locator("#due_on").fill(later.isoformat())
    page.locator("form[novalidate] button[type=submit]").click()
    visit.check()
    expect(page.locator(".flash-success")).to_be_visible()

    page.get_by_role("button", name="Cerrar sesión").click()
    visit.check()
    visit.goto("/login")
    _sign_in(visit, world.official_cdmx_email)
    visit.goto("/learning/")
    expect(page.locator("#notices-heading")).to_be_visible()
    expect(page.locator("section[aria-labelledby=notices-heading]")).to_contain_text("Curso mínimo")
