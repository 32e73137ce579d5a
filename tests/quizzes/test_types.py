"""The question-type registry: one class per type, and the engine's entry points dispatching
to it (the form reading, grading, the answer shown in plain text or in the data download,
the whole-set preview)."""

import pytest
from werkzeug.datastructures import MultiDict

from app.quizzes import services
from app.quizzes.gift import parse
from app.quizzes.grading import InvalidResponse, grade, preview
from app.quizzes.types import ANSWERABLE, TYPES, QuestionType, type_of

BANK = """::mc:: Capital of Peru? {=Lima#Yes ~Cusco ~Quito}

::ma:: Andean capitals {~%50%Quito ~%50%La Paz ~%-100%Paris}

::tf:: Lima is in Peru {T}

::sa:: The network's acronym {=AL-LAs}

::num:: Pi {#3.14:0.01}

::match:: Match {=Lima -> Peru =Quito -> Ecuador}

::essay:: Describe your city {}

::desc:: Read carefully.
"""
QUESTIONS = parse(BANK)


def test_every_type_has_one_class_and_type_of_finds_it():
    assert list(TYPES) == [
        "multichoice",
        "multiresponse",
        "truefalse",
        "shortanswer",
        "numerical",
        "match",
        "essay",
        "description",
    ]
    assert [type_of(q).key for q in QUESTIONS] == list(TYPES)
    assert all(isinstance(kind, QuestionType) and kind.fragment for kind in TYPES.values())
    assert ANSWERABLE == set(services.ANSWERABLE)


@pytest.mark.parametrize("qtype", ["category", "multiresponse", "poll", None])
def test_what_is_not_a_question_type_is_refused(qtype):
    with pytest.raises(ValueError, match="unknown question type"):
        type_of({"qtype": qtype})
    with pytest.raises(InvalidResponse, match="not answered"):
        grade({"qtype": qtype}, "x")


FORM = MultiDict(
    [
        ("q0", "0"),
        ("q1", "0"),
        ("q1", "1"),
        ("q2", "true"),
        ("q3", " al-las "),
        ("q4", "3,14"),
        ("q5_0", "Peru"),
        ("q5_1", "Peru"),
        ("q6", "My city"),
    ]
)


def test_each_type_reads_its_form_field_as_the_quiz_service_does():
    expected = services.responses_from_form(QUESTIONS, FORM)
    read = {
        position: type_of(question).read_form(question, FORM, f"q{position}")
        for position, question in enumerate(QUESTIONS)
        if type_of(question).answerable
    }
    assert read == expected
    assert read == {
        0: 0,
        1: [0, 1],
        2: True,
        3: "al-las",
        4: "3,14",
        5: {0: "Peru", 1: "Peru"},
        6: "My city",
    }


@pytest.mark.parametrize(
    ("position", "form"),
    [
        (0, MultiDict([("q0", "0"), ("q0", "1")])),
        (1, MultiDict([("q1", "x")])),
        (2, MultiDict([("q2", "maybe")])),
        (3, MultiDict([("q3", "a"), ("q3", "b")])),
        (6, MultiDict([("q6", "x" * 20_001)])),
    ],
)
def test_a_form_no_honest_page_sends_is_refused(position, form):
    question = QUESTIONS[position]
    with pytest.raises(InvalidResponse):
        type_of(question).read_form(question, form, f"q{position}")


RESPONSES = {0: 0, 1: [0, 2], 2: True, 3: "al-las", 4: "3,14", 5: {0: "Peru", 1: "Peru"}, 6: "x"}


def test_answers_in_plain_text_and_in_the_data_download():
    described = [type_of(q).describe_answer(q, RESPONSES.get(p)) for p, q in enumerate(QUESTIONS)]
    assert described == [
        "Lima",
        "Quito; Paris",
        "true",
        "al-las",
        "3,14",
        "Lima -> Peru; Quito -> Peru",
        "x",
        "",
    ]
    exported = [type_of(q).export_answer(q, RESPONSES.get(p)) for p, q in enumerate(QUESTIONS)]
    # As the download has always shown them: options by their text, the rest as given.
    assert exported == [
        ["Lima"],
        ["Quito", "Paris"],
        True,
        "al-las",
        "3,14",
        RESPONSES[5],
        "x",
        None,
    ]
    assert all(type_of(q).describe_answer(q, None) == "" for q in QUESTIONS)


def test_item_analysis_counts_answers_by_text():
    chosen = [type_of(q).chosen(q, RESPONSES.get(p)) for p, q in enumerate(QUESTIONS)]
    assert chosen == [["Lima"], ["Quito", "Paris"], ["true"], ["al-las"], ["3,14"], [], [], []]


def test_preview_grades_a_whole_set_without_recording():
    result = preview(QUESTIONS, RESPONSES)
    fractions = [g.fraction if g else g for _q, _r, g in result.results]
    assert fractions == [1.0, 0.0, 1.0, 1.0, 1.0, 0.5, None, None]
    assert result.results[0][2].feedback == "Yes"
    assert result.results[-1] == (QUESTIONS[-1], None, None)
    assert (result.score, result.total) == (4.5, 6)
    blank = preview(QUESTIONS, {})
    # A blank essay scores 0 at once, as a submission counts it.
    assert blank.score == 0 and blank.total == 7
    with pytest.raises(InvalidResponse):
        preview(QUESTIONS, {0: 7})
