"""Grading of every answerable type, as Moodle scores them."""

import pytest

from app.quizzes.grading import InvalidResponse, grade, parse_number


def _mc(single=1, fractions=(1.0, 0.0, 0.0)):
    return {
        "qtype": "multichoice",
        "single": single,
        "answers": [
            {"text": f"a{i}", "fraction": f, "feedback": f"fb{i}", "format": "moodle"}
            for i, f in enumerate(fractions)
        ],
    }


def test_single_choice():
    assert grade(_mc(), 0).fraction == 1.0
    assert grade(_mc(), 1).fraction == 0.0
    assert grade(_mc(), 1).feedback == "fb1"


def test_single_choice_refuses_two_answers_and_bad_positions():
    with pytest.raises(InvalidResponse):
        grade(_mc(), [0, 1])
    for bad in (3, -1, "x", 1.5, True, None):
        with pytest.raises(InvalidResponse):
            grade(_mc(), bad)


def test_multiple_answers_add_up_and_negative_totals_floor_at_zero():
    question = _mc(single=0, fractions=(0.5, 0.5, -1.0))
    assert grade(question, [0, 1]).fraction == 1.0
    assert grade(question, [0]).fraction == 0.5
    assert grade(question, [0, 2]).fraction == 0.0
    assert grade(question, [0, 1, 2]).fraction == 0.0
    assert grade(question, []).fraction == 0.0
    assert grade(question, [0, 0, 1]).fraction == 1.0  # a repeated choice counts once


def test_weights_with_decimals():
    question = _mc(single=0, fractions=(0.33333, 0.33333, 0.33333))
    assert grade(question, [0, 1, 2]).fraction == pytest.approx(0.99999)


def test_true_false_and_its_feedback():
    question = {
        "qtype": "truefalse",
        "correctanswer": True,
        "feedbacktrue": "right",
        "feedbackfalse": "wrong",
    }
    assert grade(question, True).fraction == 1.0
    assert grade(question, True).feedback == "right"
    assert grade(question, False).fraction == 0.0
    assert grade(question, False).feedback == "wrong"
    with pytest.raises(InvalidResponse):
        grade(question, "true")


def _short(*answers, usecase=0):
    return {
        "qtype": "shortanswer",
        "usecase": usecase,
        "answers": [{"text": t, "fraction": f, "feedback": fb} for t, f, fb in answers],
    }


def test_short_answer_ignores_case_and_spaces_and_takes_the_best_match():
    question = _short(("Belo Horizonte", 1.0, "yes"), ("BH", 0.5, "abbrev"), ("*", 0.0, "no"))
    assert grade(question, "  belo   horizonte ").fraction == 1.0
    assert grade(question, "bh").feedback == "abbrev"
    assert grade(question, "bh").fraction == 0.5
    assert grade(question, "Quito").fraction == 0.0
    assert grade(question, "Quito").feedback == "no"
    assert grade(question, "").fraction == 0.0


def test_short_answer_accents_and_case_sensitivity():
    assert grade(_short(("Medellín", 1.0, "")), "MEDELLÍN").fraction == 1.0
    assert grade(_short(("Medellín", 1.0, "")), "Medellin").fraction == 0.0
    assert grade(_short(("Paris", 1.0, ""), usecase=1), "paris").fraction == 0.0
    assert grade(_short(("Paris", 1.0, ""), usecase=1), "Paris").fraction == 1.0


def test_short_answer_wildcards():
    question = _short(("twin*", 1.0, ""))
    assert grade(question, "Twinning").fraction == 1.0
    assert grade(question, "a twin").fraction == 0.0
    assert grade(_short(("a.b", 1.0, "")), "axb").fraction == 0.0  # regex characters are literal


def _num(*answers):
    return {
        "qtype": "numerical",
        "answers": [
            {"answer": a, "tolerance": t, "fraction": f, "feedback": fb} for a, t, f, fb in answers
        ],
    }


def test_numerical_tolerance_ranges_and_catch_all():
    question = _num((3.14, 0.01, 1.0, "pi"), (3.0, 0.2, 0.5, "close"), ("*", None, 0.0, "no"))
    assert grade(question, "3.15").fraction == 1.0
    assert grade(question, "3,141").fraction == 1.0
    assert grade(question, 3.1).fraction == 0.5
    assert grade(question, "7").feedback == "no"
    range_question = _num((3.5, 0.5, 1.0, ""))  # {#3..4}
    assert grade(range_question, 3).fraction == 1.0
    assert grade(range_question, 4).fraction == 1.0
    assert grade(range_question, 4.01).fraction == 0.0


@pytest.mark.parametrize("bad", ["", "three", "1e999", "nan", "inf", "1,2,3", True, None, "0x10"])
def test_numerical_refuses_what_is_not_a_number(bad):
    with pytest.raises(InvalidResponse):
        grade(_num((1, 0, 1.0, "")), bad)


def test_parse_number():
    assert parse_number("-2,5") == -2.5
    assert parse_number(" 1e3 ") == 1000.0


def test_matching_scores_each_item():
    question = {
        "qtype": "match",
        "pairs": [
            {"subquestion": "Mexico", "answer": "CDMX"},
            {"subquestion": "Brazil", "answer": "BH"},
            {"subquestion": "", "answer": "Lima"},  # a distractor
        ],
    }
    assert grade(question, {0: "CDMX", 1: "BH"}).fraction == 1.0
    assert grade(question, {"0": "CDMX", "1": "Lima"}).fraction == 0.5
    assert grade(question, {}).fraction == 0.0
    with pytest.raises(InvalidResponse):
        grade(question, {0: "Atlantis"})
    with pytest.raises(InvalidResponse):
        grade(question, ["CDMX"])


def test_essays_wait_for_a_trainer_and_descriptions_are_not_answered():
    assert grade({"qtype": "essay"}, "My answer").needs_grading
    with pytest.raises(InvalidResponse):
        grade({"qtype": "description"}, "x")
