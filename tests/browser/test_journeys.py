"""Journeys through the real site in Chromium at phone size, each page checked by axe."""

import re

from playwright.sync_api import expect

from app.accounts import services
from tests.conftest import PASSWORD

HEADER = "email,name,department,job_title,locale\n"


def _sign_in(visit, email):
    page = visit.page
    page.get_by_label("Correo electrónico").fill(email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    visit.check()


def test_official_signs_in_switches_language_and_signs_out(visit, world):
    page = visit.page
    visit.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    page.get_by_role("link", name="Iniciar sesión").first.click()
    visit.check()
    _sign_in(visit, world.official_cdmx_email)
    # Officials land on their courses.
    expect(page.get_by_role("heading", name="Mi aprendizaje", exact=True)).to_be_visible()

    page.get_by_label("Idioma").select_option("pt_BR")
    page.get_by_role("button", name="Cambiar").click()
    visit.check()
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    expect(page.get_by_role("button", name="Sair")).to_be_visible()

    page.get_by_role("link", name="Perfil").click()
    visit.check()
    expect(page.get_by_label("Idioma das páginas e dos e-mails")).to_have_value("pt_BR")

    page.get_by_role("button", name="Sair").click()
    visit.check()
    expect(page.get_by_role("link", name="Entrar").first).to_be_visible()
    assert visit.goto("/profile").url.startswith(visit.base_url + "/login")


def test_wrong_password_shows_a_message(visit, world):
    visit.goto("/login")
    page = visit.page
    page.get_by_label("Correo electrónico").fill(world.official_cdmx_email)
    page.get_by_label("Contraseña").fill("not-the-password")
    page.get_by_role("button", name="Iniciar sesión").click()
    visit.check()
    expect(page.get_by_role("alert")).to_contain_text(
        "Correo electrónico o contraseña incorrectos."
    )


def _upload(visit, text):
    page = visit.page
    page.get_by_label(re.compile("CSV")).set_input_files(
        files=[{"name": "personal.csv", "mimeType": "text/csv", "buffer": text.encode()}]
    )
    page.get_by_role("button", name=re.compile("importar", re.I)).click()
    visit.check()


def test_reviewer_imports_a_bad_then_a_good_csv(visit, world):
    page = visit.page
    visit.goto("/login")
    _sign_in(visit, world.reviewer_cdmx_email)
    page.get_by_role("link", name="Personal", exact=True).click()
    visit.check()
    page.get_by_role("link", name="Importar un archivo CSV").click()
    visit.check()

    _upload(visit, HEADER + "ana@cdmx.example,Ana López,,Analista,es\nno-es-correo,Beto,,,es\n")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Fila 3, email:")
    assert services.find_user_by_email("ana@cdmx.example") is None

    _upload(
        visit,
        HEADER
        + "ana@cdmx.example,Ana López,Secretaría de Cultura,Analista,es\n"
        + "beto@cdmx.example,Beto Ruiz,,,es\n",
    )
    expect(page.get_by_role("status")).to_contain_text("2")
    expect(page.get_by_role("cell", name="ana@cdmx.example")).to_be_visible()
    assert services.find_user_by_email("beto@cdmx.example") is not None


def test_every_page_passes_axe(visit, world):
    """Each screen of this issue, as the admin sees it, plus the public and error pages."""
    for path in ["/", "/password/forgot", "/password/reset/bogus", "/no-such-page", "/login"]:
        visit.goto(path)
    _sign_in(visit, world.admin_email)
    for path in [
        "/profile",
        "/staff/",
        "/staff/?q=gonçalves",
        "/staff/invite",
        "/staff/import",
        "/admin/organisations",
        "/admin/organisations/new",
        f"/admin/organisations/{world.cdmx}",
        "/admin/users",
        f"/admin/users/{world.official_cdmx}",
    ]:
        visit.goto(path)
    # Forms with errors are pages too.
    visit.goto("/staff/invite")
    visit.page.get_by_role("button", name="Enviar invitación").click()
    visit.check()
    expect(visit.page.locator(".error").first).to_be_visible()


def test_pages_work_without_javascript(browser, live_server, world):
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="es-MX", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(live_server + "/login")
    page.get_by_label("Correo electrónico").fill(world.official_bh_email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    expect(page.locator("html")).to_have_attribute("lang", "pt-BR")
    page.get_by_label("Idioma").select_option("fr")
    page.get_by_role("button", name="Alterar").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    context.close()
