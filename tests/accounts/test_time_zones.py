"""Local time: each person reads dates in their own zone, else their organisation's."""

from datetime import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from flask_babel import format_datetime
from sqlalchemy import event

from app.accounts import services, zones
from app.accounts.models import Organisation, User
from app.extensions import db
from app.i18n import in_zone
from app.mail import render_message
from tests.conftest import form_errors

#: 16:05 UTC on a December day: 10:05 in Mexico City, 17:05 in Paris, 13:05 in São Paulo.
EVENT = datetime(2026, 12, 7, 16, 5)


def _signed_in_at_event(client, world) -> None:
    client.login(world.official_cdmx_email)
    db.session.get(User, world.official_cdmx).last_login_at = EVENT


def test_a_person_in_mexico_city_reads_local_time(client, world):
    db.session.get(Organisation, world.cdmx).time_zone = "America/Mexico_City"
    _signed_in_at_event(client, world)
    page = client.get("/profile").get_data(as_text=True)
    assert "10:05" in page
    assert "16:05" not in page


def test_the_profile_override_wins(client, world):
    _signed_in_at_event(client, world)
    response = client.submit(
        "/profile",
        {"name": "Guadalupe", "locale": "es", "job_title": "", "time_zone": "Europe/Paris"},
    )
    assert response.status_code == 302
    assert db.session.get(User, world.official_cdmx).time_zone == "Europe/Paris"
    page = client.get("/profile").get_data(as_text=True)
    assert "17:05" in page and "10:05" not in page
    # Back to the organisation's zone.
    client.submit("/profile", {"name": "Guadalupe", "locale": "es", "time_zone": ""})
    assert db.session.get(User, world.official_cdmx).time_zone is None
    assert "10:05" in client.get("/profile").get_data(as_text=True)


def test_an_unknown_zone_is_refused_with_a_field_error(client, world):
    client.login(world.official_cdmx_email)
    response = client.submit(
        "/profile", {"name": "Guadalupe", "locale": "es", "time_zone": "Mars/Olympus_Mons"}
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert len(form_errors(html)) == 1
    assert 'id="time_zone-error"' in html
    assert db.session.get(User, world.official_cdmx).time_zone is None


def test_the_profile_select_lists_the_networks_zones_first(client, world):
    client.login(world.official_cdmx_email)
    html = client.get("/profile").get_data(as_text=True)
    select = html[html.index('id="time_zone"') :]
    assert select.index('value="America/Mexico_City"') < select.index('value="Africa/Abidjan"')
    assert select.index('value="Europe/Paris"') < select.index('value="Asia/Tokyo"')


def test_zones_inherit_down_the_tree(app, world):
    state = db.session.get(Organisation, world.state)
    services.update_organisation(
        state, state.name, state.slug, state.kind, state.parent, "America/Sao_Paulo"
    )
    bh_official = db.session.get(User, world.official_bh)
    assert zones.zone_of(bh_official) == ZoneInfo("America/Sao_Paulo")
    # Departments of the city inherit from the state; Mexico City keeps the default.
    assert zones.zone_of_org(world.bh_finance) == ZoneInfo("America/Sao_Paulo")
    assert zones.zone_of_org(world.cdmx_culture) == ZoneInfo(app.config["DEFAULT_TIME_ZONE"])
    bh_official.time_zone = "Europe/Madrid"
    assert zones.zone_of(bh_official) == ZoneInfo("Europe/Madrid")
    with pytest.raises(services.AccountError) as refused:
        services.update_organisation(state, state.name, state.slug, state.kind, None, "Nowhere")
    assert refused.value.field == "time_zone"


def test_resolving_many_people_reads_the_tree_once(app, world):
    people = db.session.query(User).all()
    zones.forget_zones()
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        for person in people:
            zones.zone_of(person)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1


def test_in_zone_formats_for_someone_else(app):
    with app.test_request_context():
        assert "10:05" in format_datetime(EVENT, "HH:mm")
        with in_zone("Europe/Paris"):
            assert format_datetime(EVENT, "HH:mm") == "17:05"
        assert format_datetime(EVENT, "HH:mm") == "10:05"


def test_an_admin_sets_an_organisations_zone(client, world):
    client.login(world.admin_email)
    org = db.session.get(Organisation, world.bh)
    data = {
        "name": org.name,
        "slug": org.slug,
        "kind": org.kind,
        "parent": str(world.state),
        "time_zone": "America/Sao_Paulo",
    }
    assert client.submit(f"/admin/organisations/{world.bh}", data).status_code == 302
    assert db.session.get(Organisation, world.bh).time_zone == "America/Sao_Paulo"
    response = client.submit(f"/admin/organisations/{world.bh}", {**data, "time_zone": "Lua"})
    assert response.status_code == 200
    assert 'id="time_zone-error"' in response.get_data(as_text=True)


def test_cli_sets_an_organisations_zone(runner, world):
    result = runner.invoke(args=["users", "set-time-zone", "cdmx", "America/Mexico_City"])
    assert result.exit_code == 0, result.output
    assert db.session.get(Organisation, world.cdmx).time_zone == "America/Mexico_City"
    result = runner.invoke(args=["users", "set-time-zone", "cdmx", "Nowhere/Else"])
    assert result.exit_code != 0


def test_an_email_is_rendered_in_its_recipients_zone(app):
    # 03:00 UTC on the 8th is still the 7th in Mexico City, already the 8th in Paris.
    cert = SimpleNamespace(expires_at=datetime(2026, 12, 8, 3, 0), course_title="Curso")
    with app.test_request_context():
        paris = render_message(
            "a@test.example",
            "en",
            "reminders/email/expiry_subject.txt",
            "reminders/email/expiry.txt",
            zone="Europe/Paris",
            user=SimpleNamespace(name="Ana"),
            cert=cert,
            link="http://x",
        )
        mexico = render_message(
            "a@test.example",
            "en",
            "reminders/email/expiry_subject.txt",
            "reminders/email/expiry.txt",
            zone=ZoneInfo("America/Mexico_City"),
            user=SimpleNamespace(name="Ana"),
            cert=cert,
            link="http://x",
        )
    assert "Dec 8, 2026" in paris.subject and "Dec 8, 2026" in paris.body
    assert "Dec 7, 2026" in mexico.subject and "Dec 7, 2026" in mexico.body
