"""The GIFT parser against the vendored conformance cases (Moodle 4.1's importer is the reference).

The cases are vendored in tests/conformance/gift (AULA_SHARED_DIR reads another copy). How they
compare follows its README: numbers within 1e-6, texts exact after trimming, only the fields
the expected object has, `name` only when the case says the title was explicit.
"""

from __future__ import annotations

import json
import math

import pytest

from app.quizzes.gift import GiftError, parse, parse_question
from tests.conformance import CONFORMANCE

CASES_FILE = CONFORMANCE / "gift" / "cases.json"
CASES = json.loads(CASES_FILE.read_text(encoding="utf-8"))
TOLERANCE = 1e-6

# Cases where this platform deliberately differs from Moodle (docs/gift.md says why); their
# `expected` is our behaviour and `moodle_expected` keeps Moodle's.
DELIBERATE_DIFFERENCES = {
    "constructed-negative-05": "a non-numeric numerical answer is an error, not Moodle's '*'",
}


def mismatches(expected, actual, path: str = "") -> list[str]:
    """Where actual differs from expected, looking only at the fields expected has."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {actual!r}"]
        problems = []
        for key, value in expected.items():
            # name_explicit annotates the case; without a title Moodle's made-up name is skipped.
            if key == "name_explicit" or (key == "name" and expected.get("name_explicit") is False):
                continue
            if key not in actual:
                problems.append(f"{path}.{key}: missing")
            else:
                problems += mismatches(value, actual[key], f"{path}.{key}")
        return problems
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected {len(expected)} items, got {actual!r}"]
        problems = []
        for index, (item, got) in enumerate(zip(expected, actual, strict=True)):
            problems += mismatches(item, got, f"{path}[{index}]")
        return problems
    if isinstance(expected, bool) or expected is None:
        return [] if actual is expected else [f"{path}: expected {expected!r}, got {actual!r}"]
    if isinstance(expected, int | float):
        if (
            isinstance(actual, int | float)
            and not isinstance(actual, bool)
            and math.isclose(actual, expected, rel_tol=0, abs_tol=TOLERANCE)
        ):
            return []
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    if isinstance(expected, str):
        if isinstance(actual, str) and actual.strip() == expected.strip():
            return []
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    raise AssertionError(f"{path}: unexpected value in the case file: {expected!r}")


def run(case: dict) -> list[dict]:
    if case["mode"] == "file":
        return parse(case["gift"], filename=case["id"])
    assert case["mode"] == "readquestion", case["mode"]
    return [parse_question(case["gift"], filename=case["id"])]


def test_the_case_file_is_complete():
    assert len(CASES) == 110
    assert len({case["id"] for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_conformance_case(case):
    expected = case["expected"]
    errors = [q["error"] for q in expected if "error" in q]
    if errors:
        with pytest.raises(GiftError) as caught:
            run(case)
        assert caught.value.code in errors[0], (caught.value.code, errors[0])
        assert caught.value.line >= 1
        assert str(caught.value).startswith(f"{case['id']}:{caught.value.line}: ")
        return
    questions = run(case)
    problems = mismatches(expected, questions)
    assert not problems, "\n".join(problems)
    if "expected_question_count" in case:
        count = sum(1 for q in questions if q["qtype"] != "category")
        assert count == case["expected_question_count"]


def test_every_named_difference_is_a_case_with_moodles_result_kept():
    by_id = {case["id"]: case for case in CASES}
    for case_id in DELIBERATE_DIFFERENCES:
        assert "moodle_expected" in by_id[case_id]
    with_moodle_result = {case["id"] for case in CASES if "moodle_expected" in case}
    assert with_moodle_result == set(DELIBERATE_DIFFERENCES)


def test_constructed_negative_05_is_refused_where_moodle_accepts_anything():
    """Deliberate difference: Moodle imports {#abc} as answer '*' with full marks."""
    case = next(case for case in CASES if case["id"] == "constructed-negative-05")
    moodle = case["moodle_expected"][0]
    assert moodle["answers"][0]["answer"] == "*" and moodle["answers"][0]["fraction"] == 1.0
    with pytest.raises(GiftError) as caught:
        parse(case["gift"], filename="bank.gift")
    assert caught.value.code == "numericalformat"
    assert caught.value.line == 1
    assert str(caught.value).startswith("bank.gift:1: numerical answer 'abc' is not a number")
