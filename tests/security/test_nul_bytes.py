"""A NUL in a query string or a form field is a clear 400, never a database error (500)."""

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db


@pytest.mark.parametrize(
    "url", ["/courses?q=%00", "/courses?q=a%00b", "/staff/?q=%00", "/reports/officials?q=x%00"]
)
def test_nul_in_a_query_string_is_refused(client, world, url):
    client.login(world.admin_email)
    assert client.get(url).status_code == 400


def test_nul_in_a_form_field_changes_nothing(client, world):
    client.login(world.admin_email)
    before = db.session.scalar(select(func.count()).select_from(User))
    response = client.submit(
        "/staff/invite",
        {"email": "nul@test.example", "name": "A\x00B", "organisation": world.cdmx, "locale": "es"},
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(User)) == before


def test_ordinary_searches_still_work(client, world):
    client.login(world.admin_email)
    assert client.get("/courses?q=ciudad").status_code == 200
    assert client.get("/staff/?q=gu").status_code == 200
