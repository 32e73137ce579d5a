"""Trainers find their courses by title, in their language, not by identifier."""

import re

from tests.authoring.test_drafts import _new_course


def test_courses_are_listed_by_title_in_title_order(client, world, tiny):
    client.login(world.admin_email)  # a network admin sees every course
    assert _new_course(client, slug="zz-ciudad", title="Acción exterior").status_code == 302
    html = client.get("/author/").get_data(as_text=True)
    links = re.findall(r'<a href="/author/([a-z0-9-]+)">([^<]*)</a>', html)
    assert links == [("zz-ciudad", "Acción exterior"), ("tiny", "Curso mínimo")]


def test_the_course_and_draft_pages_are_headed_by_the_title(client, world):
    client.login(world.trainer_email)
    assert _new_course(client).status_code == 302
    page = client.get("/author/ciudad-abierta").get_data(as_text=True)
    assert "<h1>Ciudad abierta</h1>" in page
    draft = client.get("/author/ciudad-abierta/draft").get_data(as_text=True)
    assert re.search(r"<h1>[^<]*Ciudad abierta</h1>", draft)
