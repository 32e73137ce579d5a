"""The audit viewer's "who" filter forgives accents and case, like every search box."""

import re

import pytest

from app.audit.models import record
from app.extensions import db


@pytest.fixture
def entries(world, make_user):
    for marker, name in (
        ("maria", "María García"),
        ("mario", "MARIO GARCIA"),
        ("pedro", "Pedro Gómez"),
    ):
        actor = make_user(world.cdmx_finance, name=name)
        record(
            "certificate.revoke",
            "certificate",
            1,
            actor=actor,
            organisation_id=world.cdmx_finance,
            reason=f"marker-{marker}",
        )
    db.session.commit()


def _markers(client, actor: str) -> set[str]:
    html = client.get("/audit/", query_string={"actor": actor}).get_data(as_text=True)
    return set(re.findall(r"marker-(\w+)", html))


def test_garcia_however_typed_finds_the_same_actors(client, world, entries):
    client.login(world.admin_email)
    for typed in ("garcia", "GARCIA", "García", "GARCÍA"):
        assert _markers(client, typed) == {"maria", "mario"}, typed
    assert _markers(client, "gomez") == _markers(client, "Gómez") == {"pedro"}
    assert _markers(client, "maría garcía") == {"maria"}
    assert _markers(client, "garcia_") == set()
