"""The demo's members carry their real time zones; departments and people inherit them."""

from zoneinfo import ZoneInfo

from app.accounts import services, zones


def test_demo_cities_have_their_real_zones(runner):
    result = runner.invoke(args=["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    expected = {
        "cdmx": "America/Mexico_City",
        "belo-horizonte": "America/Sao_Paulo",
        "medellin": "America/Bogota",
        "montevideo": "America/Montevideo",
        "madrid": "Europe/Madrid",
        "paris": "Europe/Paris",
    }
    for slug, zone in expected.items():
        assert services.find_organisation(slug).time_zone == zone
    zones.forget_zones()
    bh_official = services.find_user_by_email("official.bh@aula.example")
    assert zones.zone_of(bh_official) == ZoneInfo("America/Sao_Paulo")
    paris = services.find_organisation("paris")
    (department, *_others) = paris.children
    assert department.time_zone is None
    assert zones.zone_of_org(department.id) == ZoneInfo("Europe/Paris")
