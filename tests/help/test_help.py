"""Help pages per role, the accessibility statement and the "?" of each screen."""

from __future__ import annotations

import re

import pytest

from app.help import pages

LOCALES = ["es", "pt_BR", "fr", "en"]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_help_page_exists_in_every_language(client, locale):
    client.get("/", headers={"Accept-Language": locale.replace("_", "-")})
    for page in pages.PAGES:
        body = pages.source(page, locale)
        assert body is not None
        # A translation, not the English fallback (English reads its own file).
        assert (pages.CONTENT / locale / f"{page}.md").is_file(), (locale, page)
        response = client.get(f"/help/{page}", headers={"Accept-Language": locale})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "<h1>" in html and "{#" not in html, (locale, page)


@pytest.mark.parametrize("locale", LOCALES)
def test_each_screen_points_at_a_section_that_exists_in_every_language(locale):
    for blueprint, (page, anchor) in pages.SCREENS.items():
        html = pages.render(pages.source(page, locale))
        assert f'id="{anchor}"' in html, (locale, blueprint, page, anchor)


def test_the_statement_follows_the_directive_model(client, app):
    app.config["ACCESSIBILITY_CONTACT"] = "a11y@city.example"
    for locale in LOCALES:
        html = client.get("/accessibility", headers={"Accept-Language": locale}).get_data(
            as_text=True
        )
        for section in ("status", "limitations", "preparation", "feedback", "enforcement"):
            assert f'id="{section}"' in html, (locale, section)
        assert "a11y@city.example" in html
        assert "2016/2102" in html


def test_a_screen_links_its_help_and_every_page_links_help_and_the_statement(client, world):
    client.login(world.reviewer_cdmx_email)
    html = client.get("/reports/").get_data(as_text=True)
    assert re.search(r'class="screen-help"><a href="/help/reviewer#reports"', html)
    footer = html[html.index('<footer class="site-footer">') :]
    assert 'href="/help/"' in footer and 'href="/accessibility"' in footer
    index = client.get("/help/").get_data(as_text=True)
    for page in ("official", "trainer", "reviewer", "admin"):
        assert f'href="/help/{page}"' in index


def test_an_unknown_page_is_404_and_nothing_outside_the_folder_is_read(client):
    assert client.get("/help/nothing").status_code == 404
    assert client.get("/help/..%2F..%2Fconfig").status_code == 404
    assert pages.source("../../config", "es") is None
