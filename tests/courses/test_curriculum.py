"""The booklet curriculum in courses/: well formed, and following the editorial rules."""

from pathlib import Path

import pytest

from tests.conformance import BOOKLETS
from tests.courses import curriculum

COURSES = Path(__file__).resolve().parents[2] / "courses"
SEVEN = {
    "city-in-the-world": 1,
    "legal-frameworks": 2,
    "participatory-strategies": 3,
    "attractive-city": 4,
    "decentralised-cooperation": 5,
    "networks-and-advocacy": 6,
    "monitoring-and-evaluation": 7,
}
FOLDERS = curriculum.course_folders(COURSES)


def test_flask_courses_check_passes_without_a_word_of_warning(runner):
    result = runner.invoke(args=["courses", "check", str(COURSES)])
    assert result.exit_code == 0, result.output
    assert result.output == f"{len(FOLDERS)} package(s) OK.\n"


@pytest.mark.parametrize("folder", FOLDERS, ids=[f.name for f in FOLDERS])
def test_course_follows_the_curriculum_rules(folder):
    assert curriculum.check_course(folder, curriculum.allowed_sources(BOOKLETS)) == []


def test_the_rules_catch_what_they_are_for(tmp_path):
    """The checker is not a rubber stamp: break a copy of a course and it says so."""
    import shutil

    course = shutil.copytree(FOLDERS[0], tmp_path / FOLDERS[0].name)
    lesson = sorted((course / "fr").glob("*/*.md"))[0]
    text = lesson.read_text(encoding="utf-8")
    lesson.write_text(
        text.replace("## Sources", "## Sources\n\n- [Invented](https://example.org/made-up)"),
        encoding="utf-8",
    )
    quiz = sorted((course / "en").glob("*/quiz.gift"))[0]
    quiz.write_text(quiz.read_text(encoding="utf-8") + "\n\n::Extra:: Yes? {T}\n", "utf-8")
    problems = curriculum.check_course(course, curriculum.allowed_sources(BOOKLETS))
    assert any("https://example.org/made-up is not in the dossier" in p for p in problems)
    assert any("/en: modules, lessons, question counts" in p for p in problems)
    assert any("question 'Extra' lacks feedback" in p for p in problems)


def test_the_seven_courses_are_all_there():
    assert {f.name for f in FOLDERS} == set(SEVEN)


@pytest.mark.parametrize("language", ["es", "pt_BR", "fr", "en"])
def test_catalogue_shows_the_seven_courses_in_each_language(app, runner, language):
    import tomllib

    result = runner.invoke(args=["courses", "import", *map(str, FOLDERS)])
    assert result.exit_code == 0, result.output
    client = app.test_client()
    html = client.get(
        "/courses", headers={"Accept-Language": language.replace("_", "-")}
    ).get_data(as_text=True)
    for folder in FOLDERS:
        title = tomllib.loads((folder / language / "edition.toml").read_text("utf-8"))["title"]
        from markupsafe import escape

        assert str(escape(title)) in html, (language, folder.name)
