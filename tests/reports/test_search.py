"""The reviewer's officials list forgives accents and case in its search (app/search.py)."""

import re

import pytest

from app.reports import services

GARCIAS = {"María García López", "MARIO GARCIA", "Ana Lucía Garcìa"}
OTHERS = {"José Rodríguez", "Pedro Gómez"}


@pytest.fixture
def ids(world, make_user) -> dict[str, int]:
    made = {}
    for n, name in enumerate(sorted(GARCIAS | OTHERS)):
        made[name] = make_user(world.cdmx_finance, email=f"p{n}@search.example", name=name).id
    # Outside the reviewer's city: never found, however it is spelt.
    made["Bruno García"] = make_user(world.bh_finance, name="Bruno García").id
    return made


def _found(client, ids, q: str, **args) -> set[str]:
    response = client.get("/reports/officials", query_string={"q": q, **args})
    assert response.status_code == 200
    shown = {
        int(i) for i in re.findall(r"/reports/officials/(\d+)", response.get_data(as_text=True))
    }
    return {name for name, i in ids.items() if i in shown}


@pytest.mark.parametrize("sort", ["name", "-completed"])  # the index walk and the full query
def test_garcia_however_typed_finds_the_same_officials(client, world, ids, sort):
    client.login(world.reviewer_cdmx_email)
    for typed in ("garcia", "GARCIA", "García", "gArCíA"):
        assert _found(client, ids, typed, sort=sort) == GARCIAS, typed
    assert _found(client, ids, "rodriguez", sort=sort) == {"José Rodríguez"}
    assert _found(client, ids, "lopez maria", sort=sort) == {"María García López"}
    assert _found(client, ids, "p3@SEARCH.example", sort=sort) == {sorted(GARCIAS | OTHERS)[3]}
    assert _found(client, ids, "%", sort=sort) == set()


@pytest.mark.parametrize("sort", ["name", "-name"])
def test_sorting_few_matches_keeps_the_name_order(client, world, ids, monkeypatch, sort):
    """Few matches are sorted, many are read by walking the name index: the same order."""
    client.login(world.reviewer_cdmx_email)
    orders = []
    for few in (0, 5000):
        monkeypatch.setattr(services, "FEW_MATCHES", few)
        html = client.get("/reports/officials", query_string={"q": "GARCIA", "sort": sort})
        orders.append(re.findall(r"/reports/officials/\d+\">([^<]+)<", html.get_data(as_text=True)))
    walked, sorted_ = orders
    assert set(walked) == GARCIAS and walked == sorted_
    assert walked[0] != walked[-1]
