"""Unit tests of the GIFT parser: each construct, each error, and a property over any text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.quizzes.gift import GiftError, parse, parse_question

COMMON = {
    "qtype",
    "name",
    "questiontext",
    "questiontextformat",
    "generalfeedback",
    "generalfeedbackformat",
    "idnumber",
    "tags",
}


def one(text: str) -> dict:
    questions = parse(text)
    assert len(questions) == 1, questions
    return questions[0]


def refused(text: str | bytes, code: str, line: int) -> GiftError:
    with pytest.raises(GiftError) as caught:
        parse(text, filename="quiz.gift")
    error = caught.value
    assert (error.code, error.line) == (code, line), str(error)
    assert str(error) == f"quiz.gift:{line}: {error.message}"
    return error


def answers(question: dict, *keys: str) -> list[tuple]:
    return [tuple(answer[key] for key in keys) for answer in question["answers"]]


# Question types


def test_description_has_no_answer_block():
    q = one("::Intro::You may use paper and pencil.")
    assert q == {
        "qtype": "description",
        "name": "Intro",
        "questiontext": "You may use paper and pencil.",
        "questiontextformat": "moodle",
        "generalfeedback": "",
        "generalfeedbackformat": "moodle",
        "idnumber": "",
        "tags": [],
    }


def test_essay_is_an_empty_block_or_only_general_feedback():
    assert one("Tell us about your city. {}")["qtype"] == "essay"
    q = one("Tell us about your city. {####[html]<p>Be brief.</p>}")
    assert set(q) == COMMON
    assert (q["qtype"], q["generalfeedback"], q["generalfeedbackformat"]) == (
        "essay",
        "<p>Be brief.</p>",
        "html",
    )


def test_multichoice_with_one_right_answer_and_feedback():
    q = one("Capital of Peru? {=Lima#Yes! ~Cusco#No, the old one. ~Arequipa}")
    assert set(q) == COMMON | {"single", "answers"}
    assert (q["qtype"], q["single"]) == ("multichoice", 1)
    assert answers(q, "text", "fraction", "feedback") == [
        ("Lima", 1.0, "Yes!"),
        ("Cusco", 0.0, "No, the old one."),
        ("Arequipa", 0.0, ""),
    ]
    assert set(q["answers"][0]) == {"text", "format", "fraction", "feedback", "feedbackformat"}


def test_multichoice_with_several_right_answers_and_weights():
    q = one("Pick the continents {~%33.33333%Africa ~%33.33333%Asia ~%-100%China ~%50.5%Europe}")
    assert q["single"] == 0
    fractions = [a["fraction"] for a in q["answers"]]
    assert fractions == pytest.approx([0.3333333, 0.3333333, -1.0, 0.505])


def test_multichoice_keeps_text_before_the_first_marker_and_a_weight_after_equals():
    # Moodle reads no weight after "=": "%50%" stays in the text, with full marks.
    q = one("Q {first ~second =%50%third}")
    assert answers(q, "text", "fraction") == [
        ("first", 0.0),
        ("second", 0.0),
        ("%50%third", 1.0),
    ]


@pytest.mark.parametrize(
    ("block", "correct"), [("T", True), ("TRUE", True), ("F", False), ("FALSE", False)]
)
def test_truefalse_spellings(block, correct):
    q = one(f"The sun rises in the east.{{{block}}}")
    assert (q["qtype"], q["correctanswer"], q["penalty"]) == ("truefalse", correct, 1)
    assert (q["feedbacktrue"], q["feedbackfalse"]) == ("", "")


def test_truefalse_feedbacks_wrong_choice_first_then_right_choice():
    q = one("Lima is in Peru.{TRUE#[html]<b>Look again.</b>#Well done.}")
    assert q["correctanswer"] is True
    assert (q["feedbackfalse"], q["feedbackfalseformat"]) == ("<b>Look again.</b>", "html")
    assert (q["feedbacktrue"], q["feedbacktrueformat"]) == ("Well done.", "moodle")
    q = one("Lima is in Chile.{F#Look again.#Well done.}")
    assert (q["feedbacktrue"], q["feedbackfalse"]) == ("Look again.", "Well done.")


def test_truefalse_is_case_sensitive_like_moodle():
    assert one("Q {true}")["qtype"] == "shortanswer"


def test_shortanswer_answers_weights_and_wildcard():
    q = one("Best animal? {=Frog#Good! =%50%Cat#Hmm. =%0%*#No.}")
    assert q["qtype"] == "shortanswer"
    assert set(q["answers"][0]) == {"text", "fraction", "feedback", "feedbackformat"}
    assert answers(q, "text", "fraction", "feedback") == [
        ("Frog", 1.0, "Good!"),
        ("Cat", 0.5, "Hmm."),
        ("*", 0.0, "No."),
    ]


def test_shortanswer_single_answer_without_equals():
    assert answers(one("Write 1 in words. {One}"), "text", "fraction") == [("One", 1.0)]


def test_missing_word_in_the_middle_or_at_the_start():
    q = one("Grant is {~buried =entombed ~living} in Grant's tomb.")
    assert q["questiontext"] == "Grant is _____ in Grant's tomb."
    assert one("{=Asia} is the largest continent.")["questiontext"] == (
        "_____ is the largest continent."
    )
    assert one("Pi to three places? {#3.1415:0.0005}.")["questiontext"] == (
        "Pi to three places? _____."
    )


def test_match_pairs_with_formats_and_a_distractor():
    q = one(
        "::Cities::[html]Match <b>them</b>. {\n"
        "=[plain]Peru -> Lima\n=Chile->Santiago\n= -> Quito\n####Capitals.}"
    )
    assert set(q) == COMMON | {"pairs"}
    assert q["pairs"] == [
        {"subquestion": "Peru", "format": "plain", "answer": "Lima"},
        {"subquestion": "Chile", "format": "html", "answer": "Santiago"},
        {"subquestion": "", "format": "html", "answer": "Quito"},
    ]
    assert q["generalfeedback"] == "Capitals."


def test_numerical_exact_tolerance_and_range():
    assert answers(one("Year? {#1822}"), "answer", "tolerance", "fraction") == [(1822, 0, 1)]
    assert answers(one("Year? {#1822:5}"), "answer", "tolerance") == [(1822, 5)]
    assert answers(one("Negative? {#-1}"), "answer", "tolerance") == [(-1, 0)]
    ((middle, half),) = answers(one("Pi? {#-3.142..-3.141}"), "answer", "tolerance")
    assert (middle, half) == (pytest.approx(-3.1415), pytest.approx(0.0005))
    assert answers(one("Big? {#1e3:.5}"), "answer", "tolerance") == [(1000, 0.5)]


def test_numerical_several_answers_and_feedback_for_any_other_value():
    q = one("Year? {#\n=1822:0#Exact\n=%50%1822:2#Close\n~#Wrong}")
    assert q["qtype"] == "numerical"
    assert set(q["answers"][0]) == {"answer", "tolerance", "fraction", "feedback", "feedbackformat"}
    assert answers(q, "answer", "tolerance", "fraction", "feedback") == [
        (1822, 0, 1.0, "Exact"),
        (1822, 2, 0.5, "Close"),
        ("*", None, 0.0, "Wrong"),
    ]


def test_numerical_star_accepts_any_value():
    assert answers(one("Any? {#=%50%*:1}"), "answer", "tolerance", "fraction") == [("*", 1, 0.5)]


def test_zero_is_a_value_not_nothing():
    # Deliberate difference: PHP's empty("0") makes Moodle report {#0} as having no answer
    # and drop a leading "0" answer.
    assert answers(one("Five minus five? {#0}"), "answer", "tolerance") == [(0, 0)]
    assert answers(one("Q {0 ~1 =2}"), "text", "fraction") == [("0", 0), ("1", 0), ("2", 1)]


# Titles, text, formats, feedback


def test_title_escaped_colon_markup_and_unclosed_title():
    assert one("::Title\\:::Text")["name"] == "Title:"
    assert one("::<b>Bold</b> name::Text{}")["name"] == "Bold name"
    q = one("::No end Text{}")
    assert (q["questiontext"], q["name"]) == ("No end Text", "No end Text")


def test_untitled_question_is_named_after_its_text():
    assert one("Who is buried in Grant's tomb?{=no one}")["name"] == (
        "Who is buried in Grant's tomb?"
    )
    long = one(("word " * 40) + "{}")["name"]
    assert len(long) <= 80 and long.endswith("...")


@pytest.mark.parametrize("fmt", ["html", "moodle", "markdown", "plain"])
def test_format_on_the_question_applies_to_answers_and_feedback(fmt):
    q = one(f"[{fmt}]Question {{=right#fb ~wrong ####general}}")
    assert (q["questiontext"], q["questiontextformat"]) == ("Question", fmt)
    assert q["generalfeedbackformat"] == fmt
    assert {(a["format"], a["feedbackformat"]) for a in q["answers"]} == {(fmt, fmt)}


def test_format_on_one_answer_or_feedback_only():
    q = one("Q {=[plain]<b> #[html]<i>x</i> ~[markdown]*y*}")
    assert answers(q, "text", "format", "feedback", "feedbackformat") == [
        ("<b>", "plain", "<i>x</i>", "html"),
        ("*y*", "markdown", "", "moodle"),
    ]


def test_unknown_format_stays_in_the_text():
    q = one("[HTML]Q{}")
    assert (q["questiontext"], q["questiontextformat"]) == ("[HTML]Q", "moodle")
    # Deliberate difference: without its "]", PHP's arithmetic makes Moodle read [html].
    q = one("[htmlx Q{}")
    assert (q["questiontext"], q["questiontextformat"]) == ("[htmlx Q", "moodle")


def test_general_feedback_is_after_the_last_four_hashes():
    q = one("Q {=a ####one ####two}")
    assert q["generalfeedback"] == "two"
    assert answers(q, "text", "feedback") == [("a", "###one")]


# Escapes and special characters


def test_every_escape_gives_the_literal_character():
    q = one("Which is not special? {~\\~ ~\\= ~\\# ~\\{ ~\\} ~\\: =\\\\#Right}")
    assert [a["text"] for a in q["answers"]] == ["~", "=", "#", "{", "}", ":", "\\"]
    assert one("A \\\\ B \\\\\\\\ C{}")["questiontext"] == "A \\ B \\\\ C"


def test_backslash_n_is_a_newline_and_an_escaped_backslash_is_not():
    assert one("[html]Blah\\nblah $ 1 \\\\neq 0 $ {}")["questiontext"] == "Blah\nblah $ 1 \\neq 0 $"


def test_unicode_and_non_breaking_spaces_are_kept():
    # Moodle trims with PHP's trim(): a no-break space is content, not whitespace.
    q = one("¿Qué es?\u00a0{=Año\u00a0}")
    assert (q["questiontext"], q["answers"][0]["text"]) == ("¿Qué es?\u00a0", "Año\u00a0")


def test_text_that_looks_like_moodle_placeholders_is_kept():
    # Deliberate difference: Moodle's own placeholders would turn "&&058;" into ":".
    assert one("a &&058; b \ufdd0 c{}")["questiontext"] == "a &&058; b \ufdd0 c"


# Files: blocks, comments, categories, line ends, encodings


def test_file_blocks_comments_ids_and_tags():
    text = (
        "// [id:first] [tag:geo] [tag: capitals ]\n::A::Q1 {T}\n\n\n"
        "// just a comment\n\n"
        "::B::Q2\n// a comment inside [tag:x]\n{=a =b}\n"
    )
    first, second = parse(text)
    assert (first["idnumber"], first["tags"]) == ("first", ["geo", "capitals"])
    assert (second["name"], second["tags"], second["questiontext"]) == ("B", ["x"], "Q2")


def test_ids_and_tags_follow_moodle_syntax():
    q = one("// [id: a\\]b ] [tag:] [tag:<x>] [tag:y\\]z]\nQ{}")
    # Deliberate difference: the empty tag Moodle's reader returns is dropped.
    assert (q["idnumber"], q["tags"]) == ("a]b", ["y]z"])


def test_category_lines():
    questions = parse("// switch\n$CATEGORY: $course$/top/Unit 1: Topic\n\nQ{}")
    assert questions[0] == {"qtype": "category", "category": "$course$/top/Unit 1: Topic"}
    # Deliberate difference: Moodle leaves its placeholder ("a&&058;b") in the path.
    assert parse("$CATEGORY: a\\:b")[0]["category"] == "a:b"


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_ends(newline):
    text = newline.join(["::A::Q {", "=a", "=b", "}", "", "::B::Q {T}", ""])
    assert [q["name"] for q in parse(text)] == ["A", "B"]
    assert [a["text"] for a in parse(text)[0]["answers"]] == ["a", "b"]


def test_a_lone_cr_in_an_lf_file_ends_a_line():
    # Deliberate difference: Moodle splits at CR only when its first line has no LF.
    assert [q["qtype"] for q in parse("Q1 {T}\n\rQ2 {=a ~b}")] == ["truefalse", "multichoice"]


def test_utf8_with_or_without_bom_as_bytes_or_text():
    text = "::Ñ::¿Sí? {T}"
    for data in (text, "\ufeff" + text, text.encode(), b"\xef\xbb\xbf" + text.encode()):
        assert parse(data)[0]["name"] == "Ñ"


def test_file_lines_are_trimmed_but_readquestion_keeps_indentation():
    text = "::P::[html]<pre>\n    indented \\{\n</pre>{}"
    assert one(text)["questiontext"] == "<pre>\nindented {\n</pre>"
    assert parse_question(text)["questiontext"] == "<pre>\n    indented {\n</pre>"


def test_markdown_hard_breaks_are_lost_in_files_as_in_moodle():
    assert one("[markdown] a  \nb")["questiontext"] == "a\nb"
    assert one("[markdown] a  \\nb")["questiontext"] == "a  \nb"


def test_a_line_holding_only_zero_does_not_end_the_question():
    # Deliberate difference: PHP's empty("0") makes Moodle split the question there.
    q = one("How much is 1 - 1?\n0\n{T}")
    assert q["questiontext"] == "How much is 1 - 1?\n0"


def test_parse_question_counts_lines_from_its_argument():
    with pytest.raises(GiftError) as caught:
        parse_question("// c\n\nQ {~a}", line=10)
    assert (caught.value.code, caught.value.line) == ("importminerror", 12)


# Errors


def test_gift_error_is_a_value_error_with_its_location():
    error = refused("Q {=x", "braceerror", 1)
    assert isinstance(error, ValueError)
    assert error.filename == "quiz.gift"
    assert "expected '}'" in error.message


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("Q\n{=x", 2, "never closed"),
        ("Q\n=x}", 2, "without an opening"),
        ("Q } and {=x", 1, "before the answer block"),
        ("Two blanks {=a} and\n{=b}", 2, "a second '{'"),
        ("Nested {=a {b}\n}", 1, "a second '{'"),
        ("Q {=a}\n}", 2, "a second '}'"),
    ],
)
def test_braceerror(text, line, words):
    # The last four are a deliberate difference: Moodle keeps stray braces in the text.
    assert words in refused(text, "braceerror", line).message


def test_importminerror_for_multichoice_and_match():
    assert "at least two answers" in refused("Only one\n{~alone}", "importminerror", 2).message
    assert "at least two pairs" in refused("Match {=only -> one}", "importminerror", 1).message


def test_giftmatchingformat_names_the_item_line():
    error = refused("Pairs {\n=a -> b\n=c\n}", "giftmatchingformat", 3)
    assert "'c' has no '->'" in error.message


def test_numericalformat_for_answers_that_are_not_numbers():
    # Deliberate difference (constructed-negative-05): Moodle imports these as "*".
    assert "'abc' is not a number" in refused("What year? {#abc}", "numericalformat", 1).message
    refused("Year? {#\n=1822\n=3,14\n}", "numericalformat", 3)
    refused("Year? {#1822#ok\n=..5}", "numericalformat", 2)
    refused("Range? {#1..b}", "numericalformat", 1)
    refused("Huge? {#1e999}", "numericalformat", 1)


def test_error_messages_stay_on_one_line():
    error = refused("Q {#\n=not\na number\n}", "numericalformat", 2)
    assert "\n" not in str(error)
    assert "'not a number'" in error.message


def test_errornotnumbers_for_a_tolerance_that_is_not_a_number():
    assert "tolerance 'x'" in refused("Q {#3:x}", "errornotnumbers", 1).message


def test_giftnonumericalanswers():
    refused("Q {#}", "giftnonumericalanswers", 1)
    refused("Q\n{#~#nothing right}", "giftnonumericalanswers", 2)


def test_weightformat():
    # Deliberate difference: Moodle's pattern accepts "%--50%", then PHP fails on it.
    assert "%--50%" in refused("Q {~%--50%a ~b}", "weightformat", 1).message


def test_encoding_names_the_line_of_the_first_bad_byte():
    error = refused("Q1 {T}\n\nQ2 caf\u00e9 {T}\n".encode("cp1252"), "encoding", 3)
    assert "UTF-8" in error.message
    refused(b"\xff\xfeQ\x00", "encoding", 1)


def test_categoryformat_when_a_question_follows_without_a_blank_line():
    # Deliberate difference: Moodle would take the question as part of the category's name.
    refused("$CATEGORY: unit1\n::Q::Text{}", "categoryformat", 2)


def test_noquestion_for_an_empty_single_question():
    with pytest.raises(GiftError) as caught:
        parse_question("  \n// only a comment\n", line=4)
    assert (caught.value.code, caught.value.line) == ("noquestion", 4)


def test_the_first_bad_question_refuses_the_whole_file():
    refused("Good {T}\n\nBad {~a}\n\nWorse {=x", "importminerror", 3)


def test_empty_file_and_comment_only_blocks_give_no_questions():
    assert parse("") == []
    assert parse("\n\n// nothing\n\n   \n") == []


# Property: any text either parses or is refused with a located GiftError.

FRAGMENTS = [
    "::",
    "{",
    "}",
    "=",
    "~",
    "#",
    "####",
    "->",
    "%50%",
    "%-33.5%",
    "\\",
    "\n",
    "\n\n",
    "\r\n",
    " ",
    "$CATEGORY:",
    "//",
    "[html]",
    "[markdown]",
    "[id:x]",
    "[tag:y]",
    "T",
    "FALSE",
    "*",
    "0",
    "1",
    "42",
    "..",
    ":",
    "é",
    "\ufdd0",
    "\x00",
]
GIFTISH = st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=5), max_size=40).map("".join)


def line_count(text: str) -> int:
    return len(re.split(r"\r\n|\r|\n", text))


def parses_or_is_located(text: str | bytes) -> None:
    lines = line_count(text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
    calls = [parse] if isinstance(text, bytes) else [parse, parse_question]
    for call in calls:
        error: GiftError | None = None
        try:
            result = call(text)
        except GiftError as raised:  # anything else fails the test
            error = raised
        if error is None:
            assert isinstance(result, list if call is parse else dict)
            continue
        assert 1 <= error.line <= lines, (str(error), lines)
        assert str(error) == f"<gift>:{error.line}: {error.message}"
        assert error.code


@settings(max_examples=1000, database=None, deadline=None)
@given(GIFTISH)
def test_giftish_text_parses_or_raises_a_located_gift_error(text):
    parses_or_is_located(text)


@settings(max_examples=300, database=None, deadline=None)
@given(st.text())
def test_any_text_parses_or_raises_a_located_gift_error(text):
    parses_or_is_located(text)


@settings(max_examples=300, database=None, deadline=None)
@given(st.binary() | GIFTISH.map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_any_bytes_parse_or_raise_a_located_gift_error(data):
    parses_or_is_located(data)
