"""Forms beyond what axe sees: purposes of personal fields (WCAG 1.3.5), required fields
(3.3.2), the error summary that takes the focus and the "Error:" title (3.3.1), and the
language of each language's own name (3.1.2)."""

from __future__ import annotations

import io
import re


def _title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def test_sign_in_names_its_fields_purposes_and_marks_them_required(client):
    html = client.get("/login").get_data(as_text=True)
    assert re.search(r'<input[^>]*autocomplete="username"[^>]*name="email"', html)
    assert re.search(r'<input[^>]*autocomplete="current-password"[^>]*name="password"', html)
    assert html.count('<span class="required">') == 2  # e-mail and password, not "keep me"
    assert not _title(html).startswith("Error")
    assert "error-summary" not in html


def test_a_failed_sign_in_leads_with_an_error_summary_that_takes_the_focus(client, world):
    for language, message in (
        ("en", "Wrong e-mail address or password."),
        ("es", "Correo electrónico o contraseña incorrectos."),
    ):
        response = client.submit(
            "/login",
            {"email": world.official_cdmx_email, "password": "nope"},
            headers={"Accept-Language": language},
        )
        html = response.get_data(as_text=True)
        assert _title(html).startswith("Error:"), language
        summary = re.search(r'<div class="error-summary"[^>]*>(.*?)</div>', html, re.S)
        assert summary and "autofocus" in summary.group(0) and 'role="alert"' in summary.group(0)
        assert message in summary.group(1)
        assert html.count(message) == 1  # in the summary only, not again as a flash


def test_profile_errors_link_to_their_field(client, world):
    client.login(world.official_cdmx_email)
    html = client.get("/profile").get_data(as_text=True)
    assert re.search(r'<input[^>]*autocomplete="name"[^>]*name="name"', html)
    for code, lang in (("es", "es"), ("pt_BR", "pt-BR"), ("fr", "fr"), ("en", "en")):
        assert re.search(rf'<option[^>]*lang="{lang}"[^>]*value="{code}"', html) or re.search(
            rf'<option[^>]*value="{code}"[^>]*lang="{lang}"', html
        ), code
    response = client.submit(
        "/profile", {"name": "", "locale": "es", "time_zone": "America/Mexico_City"}
    )
    html = response.get_data(as_text=True)
    assert _title(html).startswith("Error:")
    summary = re.search(r'<div class="error-summary".*?</div>', html, re.S).group(0)
    assert 'href="#name"' in summary


def test_password_fields_ask_for_new_passwords(client, world):
    client.login(world.official_cdmx_email)
    html = client.get("/profile").get_data(as_text=True)
    assert re.search(r'autocomplete="current-password"[^>]*name="pw-current_password"', html)
    assert len(re.findall(r'autocomplete="new-password"', html)) == 2


def test_a_refused_staff_import_leads_with_its_rows_and_says_error_in_the_title(client, world):
    client.login(world.reviewer_cdmx_email)
    bad = "email,name\nnot-an-address,Ana\n"
    response = client.submit(
        "/staff/import",
        {
            "organisation": world.cdmx_finance,
            "file": (io.BytesIO(bad.encode()), "staff.csv"),
        },
        content_type="multipart/form-data",
    )
    html = response.get_data(as_text=True)
    assert _title(html).startswith("Error:")
    summary = re.search(r'<div class="error-summary"[^>]*>', html).group(0)
    assert "autofocus" in summary and 'tabindex="-1"' in summary
    assert html.count('class="error-summary"') == 1
