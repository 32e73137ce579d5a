"""The catalogue's search forgives accents and case in titles and summaries."""

import re

from tests.conftest import import_folder


def _titles(client, q: str) -> list[str]:
    html = client.get("/courses", query_string={"q": q}).get_data(as_text=True)
    return [t for t in ("Cooperación descentralizada", "Curso mínimo") if t in html]


def test_cooperacion_finds_the_cooperation_course(client, tiny, tiny_copy):
    folder = tiny_copy.rename(tiny_copy.parent / "cooperacion")
    (folder / "course.toml").write_text(
        (folder / "course.toml").read_text().replace('slug = "tiny"', 'slug = "cooperacion"')
    )
    (folder / "es" / "edition.toml").write_text(
        'title = "Cooperación descentralizada"\n'
        'summary = "Cómo las ciudades ACTÚAN en la escena internacional."\n'
    )
    import_folder(folder)
    for typed in ("cooperacion", "COOPERACION", "Cooperación", "cooperación"):
        assert _titles(client, typed) == ["Cooperación descentralizada"], typed
    # Every word, each anywhere in the title or summary.
    assert _titles(client, "actuan ciudades") == ["Cooperación descentralizada"]
    assert _titles(client, "cooperacion astronomia") == []
    assert _titles(client, "curso") == ["Curso mínimo"]
    assert _titles(client, "") == ["Cooperación descentralizada", "Curso mínimo"]
    assert re.search(r"\b2 cursos\b", client.get("/courses?q=+").get_data(as_text=True))
