"""An official finishes a course, downloads the certificate and shows it to the world;
their city's reviewer revokes it and the public page says so."""

from playwright.sync_api import expect

from tests.browser.test_journeys import _sign_in


def _pass(visit, link_name: str) -> None:
    page = visit.page
    page.get_by_role("link", name=link_name).first.click()
    visit.check()
    page.get_by_role("button", name="Comenzar").click()
    visit.check()
    page.get_by_label("Verdadero").check()
    page.get_by_role("button", name="Enviar mis respuestas").click()
    visit.check()
    expect(page.locator(".score")).to_contain_text("Aprobado.")


def test_certificate_from_completion_to_revocation(visit, world, tiny):
    page = visit.page
    visit.goto("/login")
    _sign_in(visit, world.official_cdmx_email)
    visit.goto("/courses/tiny")
    page.get_by_role("button", name="Inscribirme").click()
    visit.check()
    for _lesson in range(2):
        page.get_by_role("button", name="Marcar como completada").click()
        visit.check()
    visit.goto("/courses/tiny")
    _pass(visit, "Cuestionario: Primer módulo")
    visit.goto("/courses/tiny")
    _pass(visit, "Examen final")

    page.get_by_role("link", name="Mis certificados").click()
    visit.check()
    with page.expect_download() as download:
        page.get_by_role("link", name="PDF").first.click()
    assert download.value.path().read_bytes().startswith(b"%PDF")
    link = page.get_by_role("link", name="Enlace de verificación para compartir").first
    verify_path = link.get_attribute("href")
    assert verify_path.startswith("/verify/")

    page.get_by_role("button", name="Cerrar sesión").click()
    visit.check()
    visit.goto(verify_path)
    expect(page.locator(".verdict")).to_contain_text("Válido")
    expect(page.locator(".facts")).to_contain_text("Guadalupe Hernández")

    visit.goto("/login")
    _sign_in(visit, world.reviewer_cdmx_email)
    page.get_by_role("link", name="Certificados del personal").click()
    visit.check()
    page.get_by_label("Motivo (se muestra en la página pública de verificación)").first.fill(
        "Emitido por error"
    )
    page.get_by_role("button", name="Revocar").first.click()
    visit.check()
    expect(page.get_by_role("table")).to_contain_text("Revocado el")
    page.get_by_role("button", name="Cerrar sesión").click()
    visit.check()
    visit.goto(verify_path)
    expect(page.locator(".verdict")).to_contain_text("Revocado el")
    expect(page.locator(".verdict")).to_contain_text("Emitido por error")

    # The form and the credential checker pass axe too, on a phone and without JavaScript.
    visit.goto("/verify")
    page.get_by_label("Código del certificado").fill("ABCD-EFGH-JKMN-PQRS")
    page.get_by_role("button", name="Comprobar", exact=True).click()
    visit.check()
    expect(page.locator(".verdict")).to_contain_text("No encontrado")
    visit.goto("/verify")
    page.get_by_label("Pegue una credencial (JSON o JWT)").fill('{"type": "nothing"}')
    page.get_by_role("button", name="Comprobar la credencial").click()
    visit.check()
    expect(page.locator(".verdict")).to_contain_text("No válido.")
