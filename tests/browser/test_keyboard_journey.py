"""By keyboard alone: where the focus goes after a failed submit, and a module quiz taken from
sign-in to its result with Tab, Space, the arrow keys and Enter (WCAG 2.1.1, 3.3.1)."""

from __future__ import annotations

from playwright.sync_api import expect

#: What the focused element is, for predicates: its tag, type, name, label text and text.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el) return null;
  const label = el.labels && el.labels.length ? el.labels[0].innerText : "";
  return {tag: el.tagName.toLowerCase(), type: el.type || "", name: el.name || "",
          id: el.id || "", label: label.trim(), text: (el.innerText || el.value || "").trim()};
}"""


def _focused(page) -> dict:
    return page.evaluate(FOCUSED) or {}


def _button(focused: dict, text: str) -> bool:
    """A button or a submit input with this text."""
    return focused.get("tag") in {"button", "input"} and focused.get("text") == text


def _tab_to(page, wanted, presses: int = 80) -> dict:
    """Press Tab until the focused element is the wanted one; fail if it never comes."""
    seen = []
    for _press in range(presses):
        page.keyboard.press("Tab")
        focused = _focused(page)
        if wanted(focused):
            return focused
        seen.append(focused.get("text") or focused.get("name") or focused.get("tag"))
    raise AssertionError(f"Tab never reached the element on {page.url}; went through {seen}")


def _enter(page) -> None:
    """Enter on a link or a submit button, and wait for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")


def _sign_in_by_keyboard(visit, email: str, password: str) -> None:
    page = visit.page
    visit.goto("/login")
    _tab_to(page, lambda f: f.get("name") == "email")
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    assert _focused(page)["name"] == "password"
    page.keyboard.type(password)
    _enter(page)
    visit.check()


def test_after_a_failed_sign_in_the_focus_is_on_the_error_summary(visit, world):
    page = visit.page
    _sign_in_by_keyboard(visit, world.official_cdmx_email, "not-the-password")
    assert page.title().startswith("Error:")
    focused = _focused(page)
    assert focused["id"] == "error-summary", focused
    expect(page.locator("#error-summary")).to_contain_text(
        "Correo electrónico o contraseña incorrectos."
    )


def test_a_module_quiz_by_keyboard_alone(visit, world, tiny):
    page = visit.page
    _sign_in_by_keyboard(visit, world.official_cdmx_email, "correct-horse-42")
    assert page.url.endswith("/learning/") or "/learning" in page.url, page.url

    visit.goto("/courses/tiny")
    _tab_to(page, lambda f: _button(f, "Inscribirme"))
    _enter(page)
    visit.check()
    # Enrolling opens the first lesson; the course page (typed as an address) lists the quiz.
    visit.goto("/courses/tiny")
    _tab_to(page, lambda f: f.get("tag") == "a" and "Cuestionario: Primer módulo" in f["text"])
    _enter(page)
    visit.check()
    _tab_to(page, lambda f: _button(f, "Comenzar"))
    _enter(page)
    visit.check()

    # A radio group takes one Tab; the arrow keys move within it and choose.
    focused = _tab_to(page, lambda f: f.get("type") == "radio")
    for _press in range(4):
        if focused["label"] == "Verdadero":
            break
        page.keyboard.press("ArrowDown")
        focused = _focused(page)
    assert focused["label"] == "Verdadero", focused
    page.keyboard.press("Space")
    expect(page.get_by_label("Verdadero")).to_be_checked()
    _tab_to(page, lambda f: _button(f, "Enviar mis respuestas"))
    _enter(page)
    visit.check()
    expect(page.locator(".score")).to_contain_text("100%")
    expect(page.locator(".score")).to_contain_text("Aprobado.")
