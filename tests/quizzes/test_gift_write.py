"""The GIFT writer: parse(to_gift(q)) gives q back, on the conformance cases and random questions,
and what it writes means the same to Moodle 4.1's importer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.quizzes.gift import parse
from app.quizzes.gift_write import (
    MOODLE_GRADES,
    bank_to_gift,
    moodle_grade,
    moodle_title_problem,
    to_gift,
)
from tests.quizzes.test_gift_conformance import CASES, run

ACCEPTED = [case for case in CASES if not any("error" in q for q in case["expected"])]
WS = " \t\n\r\x00\x0b"  # what GIFT trims from every text
FORMATS = ["moodle", "html", "plain", "markdown"]


def make(qtype: str, questiontext: str = "", fmt: str = "moodle", **fields) -> dict:
    """The builder: a question as an authoring form would hand it over, defaults filled in."""
    question = {
        "qtype": qtype,
        "name": None,
        "questiontext": questiontext,
        "questiontextformat": fmt,
        "generalfeedback": "",
        "generalfeedbackformat": fmt,
        "idnumber": "",
        "tags": [],
    }
    question.update(fields)
    return question


def answer(text: str, fraction: float, fmt: str = "moodle", feedback: str = "", **fields) -> dict:
    return {
        "text": text,
        "format": fmt,
        "fraction": fraction,
        "feedback": feedback,
        "feedbackformat": fmt,
        **fields,
    }


def assert_round_trips(questions: list[dict], moodle: bool = True) -> None:
    """parse(bank_to_gift(questions)) == questions; a name None lets the parser make one."""
    written = bank_to_gift(questions, moodle=moodle)
    got = parse(written)
    assert len(got) == len(questions), written
    for question, result in zip(questions, got, strict=True):
        expected = dict(question)
        if expected.get("name", "") is None:
            # Untitled: the name comes from the text, by the parser's own rule.
            del expected["name"]
            assert isinstance(result.pop("name"), str)
        assert result == expected, written


# 1. Every question of every accepted conformance case


@pytest.mark.parametrize("case", ACCEPTED, ids=[case["id"] for case in ACCEPTED])
def test_conformance_questions_round_trip(case):
    questions = run(case)
    for question in questions:
        written = to_gift(question)
        assert parse(written) == [question], written
    assert parse(bank_to_gift(questions)) == questions


# 2. Random questions of every type


FRAGMENTS = [
    "~",
    "=",
    "#",
    "####",
    "{",
    "}",
    ":",
    "::",
    "\\",
    "\\n",
    "\n",
    "\r\n",
    "->",
    "-",
    ">",
    "%",
    "%50%",
    "%-25%",
    "[html]",
    "[moodle]",
    "[",
    "]",
    "_____",
    "//",
    "$CATEGORY:",
    "T",
    "TRUE",
    "FALSE",
    "*",
    "..",
    "3.14",
    " ",
    "\t",
    "\x00",
    "é",
    "日本語",
    "🙂",
    "\ufdd0",
    "\ufeff",
    "<b>",
    "[id:x]",
    "[tag:y]",
]
RAW = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=4), max_size=10).map("".join)
# Texts as the parser returns them: LF line ends, trimmed.
TEXT = RAW.map(lambda s: s.replace("\r\n", "\n").replace("\r", "\n").strip(WS))
# "->" ends a matching subquestion and turns "=" answers into matching: no escape exists.
NO_ARROW = TEXT.map(lambda s: s.replace("->", "=>"))
# Titles lose markup in the parser; without "<" there is none.
NAME = TEXT.map(lambda s: s.replace("<", "").strip(WS))
PRINTABLE = st.characters(exclude_categories=["Cs"]).filter(lambda c: c >= " " and c != "\x7f")
MARK = st.lists(PRINTABLE | st.sampled_from(["]", "\\", "\\]", "[", " "]), max_size=8).map(
    lambda parts: "".join(parts).strip(WS)
)
IDNUMBER = MARK.filter(lambda s: "[tag:" not in s)
TAG = MARK.filter(lambda s: s and "[id:" not in s and not set(s) & set("<>`"))
FORMAT = st.sampled_from(FORMATS)
# Fractions come from percentages, as in GIFT and in the forms; GIFT's %n% allows decimals
# only below 100 (two digits before the point).
PERCENT = st.integers(-150, 150).map(float) | st.builds(
    lambda whole, part: float(f"{whole}.{part}"), st.integers(-99, 99), st.integers(0, 99999)
)
FRACTION = st.sampled_from([0.0, 1.0]) | PERCENT.map(lambda p: p / 100)
# What Moodle's importer accepts, as the parser reads the weights Moodle writes (%33.33333%).
MOODLE_FRACTION = st.sampled_from(MOODLE_GRADES).map(lambda f: float(f"{f * 100:.5f}") / 100)
NUMBER = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def questions(draw, fraction=FRACTION) -> dict:
    qtype = draw(
        st.sampled_from(
            [
                "multichoice",
                "truefalse",
                "shortanswer",
                "numerical",
                "match",
                "essay",
                "description",
                "category",
            ]
        )
    )
    if qtype == "category":
        return {"qtype": "category", "category": draw(TEXT)}
    qformat = draw(FORMAT)

    def fmt() -> str:  # mostly the question's own format, as in real files
        return draw(st.sampled_from([qformat, qformat, *FORMATS]))

    text = draw(TEXT)
    name = draw(st.none() | NAME)
    if qtype == "description" and not text and name is None:
        name = draw(NAME)  # an untitled empty description is an empty line: nothing to read
    fields = {"name": name, "idnumber": draw(IDNUMBER), "tags": draw(st.lists(TAG, max_size=3))}
    if qtype != "description":
        fields.update(generalfeedback=draw(TEXT), generalfeedbackformat=fmt())

    if qtype == "multichoice":
        answers = [
            answer(draw(TEXT), draw(fraction), fmt(), draw(TEXT), feedbackformat=fmt())
            for _index in range(draw(st.integers(2, 5)))
        ]
        single = draw(st.booleans())
        if single:
            answers[draw(st.integers(0, len(answers) - 1))]["fraction"] = 1.0
        fields.update(single=int(single), answers=answers)
    elif qtype == "truefalse":
        fields.update(
            correctanswer=draw(st.booleans()),
            feedbacktrue=draw(TEXT),
            feedbackfalse=draw(TEXT),
            feedbacktrueformat=fmt(),
            feedbackfalseformat=fmt(),
            penalty=1,
        )
    elif qtype == "shortanswer":
        count = draw(st.integers(1, 4))
        words = TEXT if count == 1 else NO_ARROW
        answers = [
            {
                "text": draw(words),
                "fraction": draw(fraction),
                "feedback": draw(words),
                "feedbackformat": fmt(),
            }
            for _index in range(count)
        ]
        fields.update(answers=answers)
    elif qtype == "numerical":
        answers = [
            {
                "answer": draw(NUMBER | st.just("*")),
                "tolerance": draw(st.just(0.0) | NUMBER),
                "fraction": draw(fraction),
                "feedback": draw(TEXT),
                "feedbackformat": fmt(),
            }
            for _index in range(draw(st.integers(1, 3)))
        ]
        if draw(st.booleans()):  # GIFT's ~#feedback for any other value
            answers.append(
                {
                    "answer": "*",
                    "tolerance": None,
                    "fraction": 0.0,
                    "feedback": draw(TEXT),
                    "feedbackformat": fmt(),
                }
            )
        fields.update(answers=answers)
    elif qtype == "match":
        pairs = [
            {"subquestion": draw(NO_ARROW), "format": fmt(), "answer": draw(TEXT)}
            for _index in range(draw(st.integers(2, 4)))
        ]
        fields.update(pairs=pairs)
    return make(qtype, text, qformat, **fields)


@settings(max_examples=1500, database=None, deadline=None)
@given(questions())
def test_random_questions_round_trip(question):
    assert_round_trips([question], moodle=False)


@settings(max_examples=200, database=None, deadline=None)
@given(st.lists(questions(), max_size=6))
def test_random_banks_round_trip(questions):
    assert_round_trips(questions, moodle=False)


@settings(max_examples=500, database=None, deadline=None)
@given(questions(fraction=MOODLE_FRACTION))
def test_random_questions_with_moodle_grades_round_trip_in_moodle_mode(question):
    assert_round_trips([question])
    if question["qtype"] == "numerical":
        assert moodle_numerical_answers(to_gift(question))


# 3. Exact output


def test_multichoice_with_feedback():
    question = make(
        "multichoice",
        "What is the capital of France?",
        name="Capital",
        generalfeedback="Paris: capital since 508.",
        single=1,
        answers=[
            answer("Paris", 1.0, feedback="Right."),
            answer("Lyon", 0.0, feedback="No, that is Lyon {the third city}."),
            answer("Marseille", -0.5, feedback="No #2."),
        ],
        idnumber="geo-1",
        tags=["geography", "europe"],
    )
    assert to_gift(question) == (
        "// [id:geo-1] [tag:geography] [tag:europe]\n"
        "::Capital::What is the capital of France? {=Paris#Right. "
        "~Lyon#No, that is Lyon \\{the third city\\}. ~%-50%Marseille#No \\#2. "
        "####Paris\\: capital since 508.}"
    )
    assert_round_trips([question])


def test_multichoice_with_several_right_answers_uses_weights():
    question = make(
        "multichoice",
        "Which are prime?",
        name="Primes",
        single=0,
        answers=[answer("2", 0.5), answer("3", 0.5), answer("4", -1.0), answer("1", 0.0)],
    )
    assert to_gift(question) == "::Primes::Which are prime? {~%50%2 ~%50%3 ~%-100%4 ~1}"


def test_a_fraction_without_an_exact_percentage_gets_the_nearest():
    """0.3333333 (a Moodle grade) is float(n) / 100 for no n: the nearest n is written."""
    question = make("shortanswer", answers=[{"text": "a", "fraction": 0.3333333, "feedback": ""}])
    assert to_gift(question) == "{=%33.33333%a}"
    assert parse(to_gift(question))[0]["answers"][0]["fraction"] == pytest.approx(0.3333333)


def test_numerical_with_tolerance():
    question = make(
        "numerical",
        "Give pi to two decimals.",
        name="Pi",
        answers=[
            {
                "answer": 3.14,
                "tolerance": 0.005,
                "fraction": 1.0,
                "feedback": "",
                "feedbackformat": "moodle",
            }
        ],
    )
    assert to_gift(question) == "::Pi::Give pi to two decimals. {#3.14:0.005}"
    assert_round_trips([question])


def test_numerical_with_several_answers_and_other_feedback():
    def num(value, tolerance, fraction, feedback):
        return {
            "answer": value,
            "tolerance": tolerance,
            "fraction": fraction,
            "feedback": feedback,
            "feedbackformat": "moodle",
        }

    question = make(
        "numerical",
        "When was Ulysses S. Grant born?",
        name="Grant",
        answers=[
            num(1822.0, 0.0, 1.0, "Exact."),
            num(1822.0, 2.0, 0.5, "Close."),
            num("*", None, 0.0, "Wrong."),
        ],
    )
    assert to_gift(question) == (
        "::Grant::When was Ulysses S. Grant born? {#=1822#Exact. =%50%1822:2#Close. ~#Wrong.}"
    )
    assert_round_trips([question])


def test_missing_word_block_takes_the_place_of_the_blank():
    question = make(
        "multichoice",
        "Grant is _____ in Grant's tomb.",
        name="Tomb",
        single=1,
        answers=[answer("buried", 0.0), answer("entombed", 1.0)],
    )
    assert to_gift(question) == "::Tomb::Grant is {~buried =entombed} in Grant's tomb."
    assert_round_trips([question])


def test_newlines_and_special_characters_are_escaped():
    question = make("essay", "Line one\r\nline two: a\\b {x}", name="a::b")
    assert to_gift(question) == "::a\\:\\:b::Line one\\nline two\\: a\\\\b \\{x\\} {}"
    assert parse(to_gift(question))[0]["questiontext"] == "Line one\nline two: a\\b {x}"


def test_truefalse_and_category():
    question = make(
        "truefalse",
        "The sun rises in the west.",
        name="Sun",
        correctanswer=False,
        feedbacktrue="It rises in the east.",
        feedbackfalse="",
        penalty=1,
    )
    assert to_gift(question) == "::Sun::The sun rises in the west. {FALSE#It rises in the east.}"
    category = {"qtype": "category", "category": "$course$/top/Unit 1: Basics"}
    assert bank_to_gift([category, question]) == (
        "$CATEGORY: $course$/top/Unit 1: Basics\n\n" + to_gift(question) + "\n"
    )


def test_untitled_text_that_looks_like_a_comment_gets_a_format_tag():
    question = make("description", "// not a comment")
    assert to_gift(question) == "[moodle]// not a comment"
    assert parse(to_gift(question))[0]["questiontext"] == "// not a comment"


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (make("match", pairs=[{"subquestion": "a -> b", "answer": "c"}] * 2), "'->'"),
        (make("multichoice", answers=[answer("only", 1.0)]), "at least 2"),
        (make("multichoice", single=1, answers=[answer("a", 0.5)] * 2), "fraction 1"),
        (make("shortanswer", answers=[answer("a->b", 1.0), answer("c", 0.5)]), "'->'"),
        (make("shortanswer", answers=[answer("Paris", 1.0)], usecase=1), "case sensitive"),
        (make("description", "text", generalfeedback="feedback"), "general feedback"),
        (make("essay", name="<b>bold</b>"), "markup"),
        (make("essay", tags=["a\nb"]), "control"),
        (make("numerical", answers=[]), "at least one"),
        (make("shortanswer", answers=[answer("a", 1.005)]), "weight"),
        (make("poll"), "unknown question type"),
    ],
)
def test_what_gift_cannot_express_is_refused(question, message):
    with pytest.raises(ValueError, match=message):
        to_gift(question, moodle=False)


def test_empty_bank_is_empty_text():
    assert bank_to_gift([]) == ""


# 4. What Moodle 4.1's importer reads differently (question/format/gift/format.php)


def num(value, tolerance=0.0, fraction=1.0, feedback=""):
    return {
        "answer": value,
        "tolerance": tolerance,
        "fraction": fraction,
        "feedback": feedback,
        "feedbackformat": "moodle",
    }


def moodle_numerical_answers(written: str) -> list[str]:
    """The answers Moodle's readquestion() keeps from a numerical question: escapes hidden
    (escapedchar_pre), the block between the first "{" and "}", general feedback cut at the
    last "####", the rest cut at "~", exploded on "=", a first piece PHP's empty() calls
    empty ("" or "0") dropped."""
    text = written.split("\n")[-1].replace("\\\\", "\x01")
    text = re.sub(r"\\[:#={}~n]", "\x02", text)
    block = text[text.index("{") + 1 : text.index("}")].strip()
    if "####" in block:
        block = block[: block.rindex("####")].strip()
    assert block.startswith("#")
    answers = block[1:].partition("~")[0].split("=")
    answers[0] = answers[0].strip()
    if answers[0] in ("", "0"):
        answers.pop(0)
    return answers


@pytest.mark.parametrize(
    ("answers", "feedback", "written"),
    [
        ([num(0.0)], "", "{#=0}"),
        ([num(-0.0)], "", "{#-0}"),
        ([num(0.0), num("*", None, 0.0, "No.")], "", "{#=0 ~#No.}"),
        ([num(0.0)], "Zero.", "{#=0 ####Zero.}"),
        ([num(0.0, 0.5)], "", "{#0:0.5}"),
        ([num(0.0, 0.0, 1.0, "Yes")], "", "{#0#Yes}"),
        ([num(0.0), num(1.0, 0.0, 0.5)], "", "{#=0 =%50%1}"),
    ],
)
def test_a_zero_numerical_answer_is_written_so_moodle_keeps_it(answers, feedback, written):
    """{#0} has no answer for Moodle (giftnonumericalanswers), which then drops the file."""
    question = make(
        "numerical", "How many?", name="Zero", answers=answers, generalfeedback=feedback
    )
    assert to_gift(question) == f"::Zero::How many? {written}"
    assert moodle_numerical_answers(to_gift(question))
    assert_round_trips([question])


def test_gift_written_by_hand_as_zero_reads_the_same_either_way():
    assert parse("{#=0}")[0]["answers"] == parse("{#0}")[0]["answers"]
    assert parse("{#=0}")[0]["answers"] == parse("{#0:0}")[0]["answers"]


@pytest.mark.parametrize("name", ["Budget<2020", "a<b", "<x", "ends with <", "x<\u00a0y"])
def test_a_title_moodle_would_cut_at_a_less_than_sign_is_refused(name):
    """Moodle's clean_param() strips "<2020..." as a tag: the title would lose its end."""
    question = make("essay", "Text", name=name)
    assert moodle_title_problem(name)
    with pytest.raises(ValueError, match="Moodle drops '<'"):
        to_gift(question)
    # Aula's own reader keeps it, for banks that only Aula reads.
    assert_round_trips([question], moodle=False)


@pytest.mark.parametrize("name", ["Budget < 2020", "a <\tb", "x > y", "Budget 2020"])
def test_a_title_moodle_keeps_is_written(name):
    assert moodle_title_problem(name) is None
    assert_round_trips([make("essay", "Text", name=name)])


def test_moodle_grades_are_moodles_list():
    """question_bank::fraction_options_full() in Moodle 4.1: 41 fractions from 1 to -1."""
    assert len(MOODLE_GRADES) == 41
    assert MOODLE_GRADES[0] == 1.0 and MOODLE_GRADES[-1] == -1.0 and 0.0 in MOODLE_GRADES
    assert [round(g * 100, 5) for g in MOODLE_GRADES[:21]] == [
        100, 90, 83.33333, 80, 75, 70, 66.66667, 60, 50, 40, 33.33333,
        30, 25, 20, 16.66667, 14.28571, 12.5, 11.11111, 10, 5, 0,
    ]  # fmt: skip
    assert MOODLE_GRADES[21:] == tuple(-g for g in reversed(MOODLE_GRADES[:20]))


@pytest.mark.parametrize(
    ("fraction", "accepted", "nearest"),
    [
        (0.5, True, 0.5),
        (-0.25, True, -0.25),
        (0.3333333, True, 0.3333333),
        (1 / 3, True, 0.3333333),
        (0.35, False, 0.3333333),
        (0.45, False, 0.5),
        (0.333, False, 0.3333333),
        (0.334, False, 0.3333333),
        (-0.07, False, -0.05),
        (0.0, True, 0.0),
    ],
)
def test_moodle_grade_says_whether_and_the_nearest(fraction, accepted, nearest):
    assert moodle_grade(fraction) == (accepted, nearest)


@pytest.mark.parametrize(
    ("question", "message"),
    [
        (
            make("multichoice", single=0, answers=[answer("a", 0.35), answer("b", 0.65)]),
            "grade 35% .* nearest is 33.33333%",
        ),
        (
            make(
                "shortanswer",
                answers=[
                    {"text": text, "fraction": f, "feedback": "", "feedbackformat": "moodle"}
                    for text, f in [("a", 1.0), ("b", 0.45)]
                ],
            ),
            "grade 45% .* nearest is 50%",
        ),
        (
            make(
                "multichoice",
                single=0,
                answers=[answer(t, p / 100) for t, p in [("a", 33.3), ("b", 33.3), ("c", 33.4)]],
            ),
            "grade 33.3% .* nearest is 33.33333%",
        ),
        (make("numerical", answers=[num(1.0), num(2.0, 0.0, 0.35)]), "grade 35%"),
    ],
)
def test_a_grade_off_moodles_list_is_refused(question, message):
    with pytest.raises(ValueError, match=message):
        to_gift(question)
    assert_round_trips([question], moodle=False)


COURSES = Path(__file__).parents[2] / "courses"
SHIPPED = sorted(COURSES.glob("*/*/**/*.gift"))


def test_there_are_shipped_banks():
    assert len(SHIPPED) > 100


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(COURSES)))
def test_a_shipped_bank_round_trips_unchanged_in_moodle_mode(path):
    """Every shipped bank, parsed, written and parsed again, is the same bank."""
    questions = parse(path.read_text(encoding="utf-8"), filename=str(path))
    assert questions == parse(bank_to_gift(questions))
