"""The GIFT writer: parse(to_gift(q)) gives q back, on the conformance cases and random questions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.quizzes.gift import parse
from app.quizzes.gift_write import bank_to_gift, to_gift
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


def assert_round_trips(questions: list[dict]) -> None:
    """parse(bank_to_gift(questions)) == questions; a name None lets the parser make one."""
    written = bank_to_gift(questions)
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
NUMBER = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def questions(draw) -> dict:
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
            answer(draw(TEXT), draw(FRACTION), fmt(), draw(TEXT), feedbackformat=fmt())
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
                "fraction": draw(FRACTION),
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
                "fraction": draw(FRACTION),
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
    assert_round_trips([question])


@settings(max_examples=200, database=None, deadline=None)
@given(st.lists(questions(), max_size=6))
def test_random_banks_round_trip(questions):
    assert_round_trips(questions)


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
        to_gift(question)


def test_empty_bank_is_empty_text():
    assert bank_to_gift([]) == ""
