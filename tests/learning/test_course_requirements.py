"""The course page states only the requirements the course has: no final exam promised by a
course without one, no module quizzes by a course without them."""

import re
import shutil

import pytest

from tests.conftest import TINY, import_folder

BOTH = "Lea todas las lecciones; para aprobar los cuestionarios de los módulos y"


@pytest.fixture
def publish(app, tmp_path):
    def make(final: bool, module_quiz: bool):
        folder = shutil.copytree(TINY, tmp_path / "tiny")
        if not final:
            (folder / "es" / "final.gift").unlink()
        if not module_quiz:
            (folder / "es" / "01-start" / "quiz.gift").unlink()
        return import_folder(folder)

    return make


def _requirements(client) -> str:
    html = client.get("/courses/tiny").get_data(as_text=True)
    dd = re.findall(r"<dd>(.*?)</dd>", html, re.S)
    line = next(d for d in dd if "lecci" in d or "lesson" in d)
    return " ".join(line.split())


def test_both_quizzes_and_final_exam(client, publish):
    publish(final=True, module_quiz=True)
    assert BOTH in _requirements(client)


def test_no_final_exam_promises_none(client, publish):
    publish(final=False, module_quiz=True)
    line = _requirements(client)
    assert "final" not in line
    assert "module quizzes need 70%" in line or "cuestionarios" in line


def test_no_module_quiz_mentions_only_the_final_exam(client, publish):
    publish(final=True, module_quiz=False)
    line = _requirements(client)
    assert "final exam needs 70%" in line or "examen final" in line
    assert "module" not in line and "módulo" not in line


def test_no_quiz_at_all_asks_only_for_the_lessons(client, publish):
    publish(final=False, module_quiz=False)
    line = _requirements(client)
    assert "70" not in line and "final" not in line
