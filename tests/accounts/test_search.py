"""Search forgives accents and case (app/search.py): the admin's users and the reviewer's
staff list find the same people for "garcia", "GARCIA" and "García"."""

import re

import pytest
from sqlalchemy import insert, select

from app.accounts import services
from app.accounts.models import Role, User
from app.extensions import db

PEOPLE = {
    "maria": "María García López",
    "mario": "MARIO GARCIA",
    "ana": "Ana Lucía Garcìa",
    "jose": "José Rodríguez",
    "luis": "Luis RODRIGUEZ",
    "pedro": "Pedro Gómez",
}
GARCIAS = {"maria", "mario", "ana"}
RODRIGUEZES = {"jose", "luis"}


@pytest.fixture
def people(app, world, make_user):
    for key, name in PEOPLE.items():
        make_user(world.cdmx_finance, email=f"{key}@search.example", name=name)


def _found(client, url: str) -> set[str]:
    html = client.get(url).get_data(as_text=True)
    return set(re.findall(r"([a-z]+)@search\.example", html))


@pytest.mark.parametrize("url", ["/admin/users?q={}", "/staff/?q={}"])
def test_accents_and_case_do_not_change_who_is_found(client, world, people, url):
    client.login(world.admin_email if url.startswith("/admin") else world.reviewer_cdmx_email)
    for typed in ("garcia", "GARCIA", "García", "garcía", "GARCÍA"):
        assert _found(client, url.format(typed)) == GARCIAS, typed
    for typed in ("Rodriguez", "Rodríguez", "rodríguez"):
        assert _found(client, url.format(typed)) == RODRIGUEZES, typed
    assert _found(client, url.format("maria garcía")) == {"maria"}
    assert _found(client, url.format("GARCIA maría")) == {"maria"}  # words in any order
    assert _found(client, url.format("pedro@search")) == {"pedro"}  # the e-mail too
    assert _found(client, url.format("50%25")) == set()  # LIKE's wildcards are plain text
    assert _found(client, url.format("mari_")) == set()


def test_the_key_follows_a_rename_and_a_bulk_insert(app, world, people):
    maria = db.session.scalar(select(User).where(User.email == "maria@search.example"))
    services.update_profile(maria, "María Pérez", maria.locale, "")
    db.session.commit()
    assert maria.search_key == "maria perez maria@search.example"
    db.session.execute(
        insert(User),
        [{"email": "bulk@search.example", "name": "Íñigo Núñez", "organisation_id": world.cdmx}],
    )
    key = db.session.scalar(select(User.search_key).where(User.email == "bulk@search.example"))
    assert key == "inigo nunez bulk@search.example"


def test_a_reviewer_still_finds_only_their_own_people(client, world, people, make_user):
    make_user(world.bh_finance, email="bruno@search.example", name="Bruno García")
    client.login(world.reviewer_cdmx_email)
    assert _found(client, "/staff/?q=garcia") == GARCIAS
    client.login(world.reviewer_bh_email)
    assert _found(client, "/staff/?q=GARCÍA") == {"bruno"}


def test_a_granted_role_leaves_the_key_alone(app, world, people):
    mario = db.session.scalar(select(User).where(User.email == "mario@search.example"))
    services.grant_role(mario, Role.REVIEWER, mario.organisation)
    db.session.commit()
    assert mario.search_key == "mario garcia mario@search.example"
