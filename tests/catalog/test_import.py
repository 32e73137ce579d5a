"""Import, versions, export and the CLI, against the real database."""

import shutil

from sqlalchemy import func, select

from app.catalog import services
from app.catalog.models import Course, CourseVersion, Lesson, MediaFile
from app.extensions import db
from tests.conftest import TINY, import_folder


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_import_stores_course_version_and_rendered_lessons(tiny):
    version = tiny.version
    assert tiny.created
    assert version.number == 1
    assert tiny.course.current_version_id == version.id
    edition = version.editions[0]
    first = edition.modules[0].lessons[0]
    second = edition.modules[0].lessons[1]
    assert f'href="/courses/tiny/lessons/{second.id}"' in first.body_html
    sha = db.session.scalar(select(MediaFile.sha256))
    assert f'src="/media/{sha}/dot.png"' in first.body_html
    assert "<table>" in first.body_html
    assert edition.modules[0].quiz.startswith("::Q1::")
    assert version.theme_names == ["testing"]


def test_importing_the_same_files_changes_nothing(tiny):
    before = (_count(CourseVersion), _count(Lesson), _count(MediaFile))
    again = import_folder(TINY)
    assert not again.created
    assert again.version.id == tiny.version.id
    assert (_count(CourseVersion), _count(Lesson), _count(MediaFile)) == before


def test_changed_files_make_a_new_version_and_keep_the_old(tiny, tiny_copy):
    lesson = tiny_copy / "es/01-start/02-second.md"
    lesson.write_text(lesson.read_text().replace("- dos", "- dos\n- tres"))
    outcome = import_folder(tiny_copy)
    assert outcome.created
    assert outcome.version.number == 2
    course = db.session.get(Course, tiny.course.id)
    assert course.current_version_id == outcome.version.id
    assert db.session.get(CourseVersion, tiny.version.id) is not None
    # The unchanged image is stored once and shared.
    assert _count(MediaFile) == 1


def test_export_round_trip_is_unchanged(tiny, tmp_path, runner):
    result = runner.invoke(args=["courses", "export", "tiny", str(tmp_path)])
    assert result.exit_code == 0, result.output
    again = import_folder(tmp_path / "tiny")
    assert not again.created
    original = (TINY / "es/01-start/01-first.md").read_text()
    assert (tmp_path / "tiny/es/01-start/01-first.md").read_text() == original
    assert (tmp_path / "tiny/media/dot.png").read_bytes() == (TINY / "media/dot.png").read_bytes()


def test_export_of_an_old_version(tiny, tiny_copy, tmp_path, runner):
    (tiny_copy / "es/edition.toml").write_text('title = "Nuevo título"\nsummary = "x"\n')
    import_folder(tiny_copy)
    result = runner.invoke(args=["courses", "export", "tiny", str(tmp_path), "--version", "1"])
    assert result.exit_code == 0, result.output
    assert "Curso mínimo" in (tmp_path / "tiny/es/edition.toml").read_text()


def test_export_errors(tiny, tmp_path, runner):
    assert runner.invoke(args=["courses", "export", "nope", str(tmp_path)]).exit_code != 0
    assert (
        runner.invoke(args=["courses", "export", "tiny", str(tmp_path), "--version", "9"]).exit_code
        != 0
    )
    runner.invoke(args=["courses", "export", "tiny", str(tmp_path)])
    again = runner.invoke(args=["courses", "export", "tiny", str(tmp_path)])
    assert again.exit_code != 0
    assert "exists already" in again.output


def test_cli_check_reports_path_line_and_exit_status(runner, tmp_path):
    bad = tmp_path / "tiny"
    shutil.copytree(TINY, bad)
    (bad / "es/01-start/02-second.md").write_text("no front matter\n")
    result = runner.invoke(args=["courses", "check", str(TINY), str(bad)])
    assert result.exit_code == 1
    assert (
        f'{bad}/es/01-start/02-second.md:1: front matter: the file must start with a "+++" line'
        in result.output
    )
    ok = runner.invoke(args=["courses", "check", str(TINY)])
    assert ok.exit_code == 0
    assert "1 package(s) OK." in ok.output


def test_cli_import_is_all_or_nothing(runner, app, tmp_path):
    bad = tmp_path / "other"
    shutil.copytree(TINY, bad)
    (bad / "course.toml").write_text(
        (TINY / "course.toml").read_text().replace('"tiny"', '"other"')
    )
    (bad / "es/edition.toml").unlink()
    result = runner.invoke(args=["courses", "import", str(TINY), str(bad)])
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert _count(Course) == 0
    good = runner.invoke(args=["courses", "import", str(TINY)])
    assert good.exit_code == 0
    assert "tiny: version 1" in good.output
    assert "tiny: unchanged" in runner.invoke(args=["courses", "import", str(TINY)]).output


def test_cli_import_every_course_in_the_repository(runner):
    """The courses shipped in courses/ pass the checker and import."""
    from pathlib import Path

    folders = sorted(p for p in (Path(__file__).parents[2] / "courses").iterdir() if p.is_dir())
    assert folders, "courses/ holds at least one course"
    result = runner.invoke(args=["courses", "import", *map(str, folders)])
    assert result.exit_code == 0, result.output
    for folder in folders:
        course = services.find_course(folder.name)
        assert course is not None
        assert {e.language for e in course.current_version.editions} >= {"es", "en"}


def test_every_broken_package_leaves_the_database_untouched(runner):
    from pathlib import Path

    broken = Path(__file__).parent / "packages" / "broken"
    for case in sorted(p for p in broken.iterdir() if p.is_dir()):
        result = runner.invoke(args=["courses", "import", str(case / "tiny")])
        assert result.exit_code == 1, case.name
        assert (case / "EXPECTED").read_text(encoding="utf-8").strip().split(":", 1)[
            1
        ] in result.output
    assert _count(Course) == 0
    assert _count(MediaFile) == 0


def test_shipped_courses_round_trip_and_stay_light(runner, client, tmp_path):
    from pathlib import Path

    folders = sorted(p for p in (Path(__file__).parents[2] / "courses").iterdir() if p.is_dir())
    runner.invoke(args=["courses", "import", *map(str, folders)])
    css = len(client.get("/static/aula.css").data)
    for folder in folders:
        out = tmp_path / folder.name
        result = runner.invoke(args=["courses", "export", folder.name, str(out)])
        assert result.exit_code == 0, result.output
        again = runner.invoke(args=["courses", "import", str(out / folder.name)])
        assert f"{folder.name}: unchanged" in again.output
        course = services.find_course(folder.name)
        for edition in course.current_version.editions:
            for module in edition.modules:
                for lesson in module.lessons:
                    page = client.get(f"/courses/{folder.name}/lessons/{lesson.id}")
                    assert page.status_code == 200
                    assert len(page.data) + css < 60 * 1024, (lesson.title, len(page.data))
