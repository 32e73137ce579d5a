"""`flask quiz check FILE [--json]`."""

import json
import shutil

from tests.conftest import TINY


def test_quiz_check_prints_count_and_json(runner, tmp_path):
    path = tmp_path / "bank.gift"
    path.write_text(
        "::Q1:: Montevideo es capital de Uruguay {T}\n\n$CATEGORY: x\n\n¿Y Quito? {=Ecuador ~Perú}\n"
    )
    result = runner.invoke(args=["quiz", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{path}: 2 question(s) OK." in result.output
    result = runner.invoke(args=["quiz", "check", str(path), "--json"])
    data = json.loads(result.output)
    assert [q["qtype"] for q in data] == ["truefalse", "category", "multichoice"]
    assert data[0]["correctanswer"] is True


def test_quiz_check_names_file_and_line(runner, tmp_path):
    path = tmp_path / "bad.gift"
    path.write_text("::Q1:: ok {T}\n\n::Q2:: missing brace {=a ~b\n")
    result = runner.invoke(args=["quiz", "check", str(path)])
    assert result.exit_code == 1
    assert result.output.startswith(f"{path}:3: ")


def test_course_checker_uses_the_gift_parser(runner, tmp_path):

    pkg = shutil.copytree(TINY, tmp_path / "tiny")
    (pkg / "es/01-start/quiz.gift").write_text("// comment\n::Q:: broken {=a ~b\n")
    result = runner.invoke(args=["courses", "check", str(pkg)])
    assert result.exit_code == 1
    assert f"{pkg}/es/01-start/quiz.gift:2: " in result.output
