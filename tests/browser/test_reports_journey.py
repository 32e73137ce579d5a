"""The Mexico City reviewer assigns a course to a department, filters the dashboard to it,
exports XLSX and opens an official's transcript; axe checks every page, charts included."""

import io

import openpyxl
from playwright.sync_api import expect

from tests.browser.test_journeys import _sign_in
from tests.certificates.conftest import complete_tiny


def test_reviewer_assigns_filters_exports_and_reads_a_transcript(app, visit, world, tiny):
    complete_tiny(app.test_client(), world.official_cdmx_email, tiny)
    page = visit.page
    visit.goto("/login")
    _sign_in(visit, world.reviewer_cdmx_email)
    page.get_by_role("link", name="Asignaciones").click()
    visit.check()
    page.get_by_role("link", name="Asignar un curso").click()
    visit.check()
    page.get_by_label("Curso", exact=True).select_option("tiny")
    page.get_by_label("Organización o dependencia").select_option(str(world.cdmx_finance))
    page.get_by_label("Dentro de un número de días desde el ingreso").check()
    page.get_by_label("Días", exact=True).fill("30")
    page.get_by_role("button", name="Asignar", exact=True).click()
    visit.check()
    expect(page.get_by_role("table")).to_contain_text("Curso mínimo")

    page.get_by_role("link", name="Informes").click()
    visit.check()
    page.get_by_label("Organización o dependencia").select_option(str(world.cdmx_finance))
    page.get_by_role("button", name="Mostrar").click()
    visit.check()
    assert f"organisation={world.cdmx_finance}" in page.url  # the view can be bookmarked
    expect(page.locator("svg[role=img]").first).to_be_visible()
    expect(page.locator(".figures")).to_contain_text("1")

    with page.expect_download() as download:
        page.get_by_role("link", name="Exportar XLSX").click()
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    emails = [row[1].value for row in sheet.iter_rows(min_row=2)]
    assert world.official_cdmx_email in emails
    assert all(email.endswith("@test.example") for email in emails)

    page.get_by_role("link", name="Ver al personal, una persona a la vez").click()
    visit.check()
    page.get_by_role("link", name="Guadalupe Hernández").click()
    visit.check()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Guadalupe Hernández")
    expect(page.locator("main")).to_contain_text("Examen final")
