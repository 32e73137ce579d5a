"""Catalogue, course and lesson pages: content, language, weight and caching."""

import re

from sqlalchemy import select

from app.catalog.models import MediaFile
from app.extensions import db
from tests.conftest import import_folder


def _lessons(tiny):
    return tiny.version.editions[0].modules[0].lessons


def test_catalogue_lists_current_courses(client, tiny):
    html = client.get("/courses", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Curso mínimo" in html
    assert "1 curso" in html
    assert "/courses/tiny?lang=es" in html


def test_also_in_other_languages(client, tiny_copy):
    import shutil

    shutil.copytree(tiny_copy / "es", tiny_copy / "en")
    (tiny_copy / "en" / "edition.toml").write_text(
        'title = "Tiny course"\nsummary = "A test course."\n'
    )
    import_folder(tiny_copy)
    html = client.get("/courses", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Tiny course" in html
    assert "Curso mínimo" not in html
    assert 'lang="es">Español</a>' in html
    spanish = client.get("/courses", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert "Curso mínimo" in spanish  # no French edition: Spanish first


def test_search_and_filters(client, tiny):
    assert "Curso mínimo" in client.get("/courses?q=CURSO prueba").get_data(as_text=True)
    assert "Curso mínimo" in client.get("/courses?q=prueba").get_data(as_text=True)
    assert "Curso mínimo" not in client.get("/courses?q=astronomía").get_data(as_text=True)
    assert "Curso mínimo" in client.get("/courses?theme=testing").get_data(as_text=True)
    assert "Curso mínimo" not in client.get("/courses?theme=other").get_data(as_text=True)
    assert "Curso mínimo" not in client.get("/courses?language=fr").get_data(as_text=True)
    assert "Curso mínimo" in client.get("/courses?language=es").get_data(as_text=True)
    assert client.get("/courses?language=xx&page=99").status_code == 200


def test_course_page(client, tiny):
    html = client.get("/courses/tiny").get_data(as_text=True)
    assert "Primer módulo" in html
    assert "Primera lección" in html
    assert "70%" in html
    assert "Cuaderno de prueba" in html
    assert client.get("/courses/nope").status_code == 404


def test_lesson_page_has_navigation_and_is_light(client, tiny):
    first, second = _lessons(tiny)
    response = client.get(f"/courses/tiny/lessons/{first.id}")
    html = response.get_data(as_text=True)
    assert 'rel="next"' in html
    assert 'rel="prev"' not in html
    assert f"/courses/tiny/lessons/{second.id}/print" not in html
    assert f"/courses/tiny/lessons/{first.id}/print" in html
    css = client.get("/static/aula.css").data
    assert len(response.data) + len(css) < 60 * 1024
    assert "<script" not in html


def test_lesson_must_belong_to_the_course(client, tiny):
    first = _lessons(tiny)[0]
    assert client.get(f"/courses/other/lessons/{first.id}").status_code == 404
    assert client.get("/courses/tiny/lessons/999999").status_code == 404


def test_lesson_revisit_costs_a_304(client, world, tiny):
    first = _lessons(tiny)[0]
    url = f"/courses/tiny/lessons/{first.id}"
    response = client.get(url)
    etag = response.headers["ETag"]
    assert response.headers["Cache-Control"] == "private, no-cache"
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    # What changes the page changes the tag: signing in.
    client.login(world.official_cdmx_email)
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_lesson_etag_changes_when_marked_done(client, world, tiny):
    first = _lessons(tiny)[0]
    url = f"/courses/tiny/lessons/{first.id}"
    client.login(world.official_cdmx_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})
    etag = client.get(url).headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    client.submit(f"{url}/done")
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 200


def test_print_view(client, tiny):
    first = _lessons(tiny)[0]
    html = client.get(f"/courses/tiny/lessons/{first.id}/print").get_data(as_text=True)
    assert "Primera lección" in html
    assert "<nav" not in html


def test_media_is_served_with_long_cache_and_type(client, tiny):
    sha = db.session.scalar(select(MediaFile.sha256))
    response = client.get(f"/media/{sha}/dot.png")
    assert response.status_code == 200
    assert response.mimetype == "image/png"
    assert "immutable" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert (
        client.get(f"/media/{sha}/dot.png", headers={"If-None-Match": f'"{sha}"'}).status_code
        == 304
    )
    assert client.get(f"/media/{'0' * 64}/dot.png").status_code == 404
    assert client.get("/media/short/dot.png").status_code == 404


def test_lesson_html_never_contains_other_origins_for_images(client, tiny):
    first = _lessons(tiny)[0]
    html = client.get(f"/courses/tiny/lessons/{first.id}").get_data(as_text=True)
    assert not re.search(r'src="https?://', html)


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_cached_lesson_pages_carry_each_readers_own_token(app, world, tiny):
    first = _lessons(tiny)[0]
    url = f"/courses/tiny/lessons/{first.id}"
    readers = []
    for email in (world.official_cdmx_email, world.official_bh_email):
        reader = app.test_client()
        reader.login(email)
        reader.submit("/courses/tiny/enrol", {"language": "es"})
        readers.append(reader)
    pages = [reader.get(url).get_data(as_text=True) for reader in readers]
    tokens = [_token(page) for page in pages]
    assert tokens[0] != tokens[1]
    assert "__aula_csrf_token__" not in pages[0] + pages[1]
    # Each token works for its own reader only.
    assert readers[0].post(f"{url}/done", data={"csrf_token": tokens[1]}).status_code == 400
    assert readers[0].post(f"{url}/done", data={"csrf_token": tokens[0]}).status_code == 302
    assert "Ha marcado esta lección como completada." in readers[0].get(url).get_data(as_text=True)
    assert "Ha marcado esta lección como completada." not in readers[1].get(url).get_data(
        as_text=True
    )


def test_flashed_messages_are_not_cached_into_lesson_pages(client, world, tiny):
    first = _lessons(tiny)[0]
    client.login(world.official_cdmx_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})  # flashes, then redirects here
    with_flash = client.get(f"/courses/tiny/lessons/{first.id}").get_data(as_text=True)
    assert "flash-success" in with_flash
    again = client.get(f"/courses/tiny/lessons/{first.id}").get_data(as_text=True)
    assert "flash-success" not in again
