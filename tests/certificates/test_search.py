"""The reviewer's certificate list finds holders however their name is typed."""

from app.certificates import codes


def test_hernandez_however_typed_finds_the_certificate(app, world, certificate):
    reviewer = app.test_client()
    reviewer.login(world.reviewer_cdmx_email)
    shown = codes.display(certificate.code)
    for typed in ("hernandez", "HERNANDEZ", "Hernández", "guadalupe HERNÁNDEZ"):
        html = reviewer.get("/certificates/manage", query_string={"q": typed})
        assert shown in html.get_data(as_text=True), typed
    html = reviewer.get("/certificates/manage", query_string={"q": "gomez"})
    assert shown not in html.get_data(as_text=True)
    assert certificate.search_key == "guadalupe hernandez"
