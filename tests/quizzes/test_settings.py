"""Quiz settings from the package: attempts, grading policy, draw, shuffle, time limit, feedback."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.catalog import package as pkg
from app.catalog.models import Course
from app.clock import utcnow
from app.extensions import db
from app.learning import services as learning
from app.quizzes import services
from app.quizzes.models import QuizAttempt

BANK = "\n\n".join(f"::Q{n}:: Pregunta {n} {{=sí#bien ~no#mal ~quizá#mal}}" for n in range(1, 11))


@pytest.fixture
def course_with(make_course, world):
    """The tiny course with the given [quiz] settings on its module quiz; the official of
    Mexico City enrolled."""

    def build(settings: str, bank: str = BANK):
        outcome = make_course(bank=bank, quiz=settings)
        user = db.session.get(User, world.official_cdmx)
        enrolment = learning.enrol(user, db.session.get(Course, outcome.course.id), "es")
        db.session.commit()
        ref = services.quizzes_of(enrolment.edition)[0]
        return enrolment, ref

    return build


def _answer_all(attempt, choice_text):
    return {
        i: next(n for n, a in enumerate(q["answers"]) if a["text"] == choice_text)
        for i, q in enumerate(attempt.questions)
    }


def test_settings_round_trip_through_export(course_with, runner, tmp_path):
    course_with('attempts = 2\ngrading = "last"\ndraw = 3\nshuffle_answers = true\n')
    assert runner.invoke(args=["courses", "export", "tiny", str(tmp_path)]).exit_code == 0
    text = (tmp_path / "tiny/es/01-start/module.toml").read_text()
    assert "[quiz]" in text
    assert 'grading = "last"' in text
    again = runner.invoke(args=["courses", "import", str(tmp_path / "tiny")])
    assert "unchanged" in again.output


def test_attempt_limit(course_with):
    enrolment, ref = course_with("attempts = 2\n")
    for _n in range(2):
        attempt = services.start_attempt(enrolment.id, ref, 70)
        services.submit_attempt(attempt, {})
    with pytest.raises(services.AttemptLimitReached):
        services.start_attempt(enrolment.id, ref, 70)
    assert services.attempts_left(ref, 2) == 0


def test_draw_and_shuffle_keep_grading_right(course_with):
    enrolment, ref = course_with("draw = 4\nshuffle_questions = true\nshuffle_answers = true\n")
    attempt = services.start_attempt(enrolment.id, ref, 70, rng=random.Random(7))
    assert len(attempt.questions) == 4
    orders = {tuple(a["text"] for a in q["answers"]) for q in attempt.questions}
    assert orders != {("sí", "no", "quizá")}  # answers were shuffled for at least one question
    services.submit_attempt(attempt, _answer_all(attempt, "sí"))
    assert attempt.score == 100.0


def test_grading_policy_last_or_highest(course_with):
    enrolment, ref = course_with('grading = "last"\n')
    first = services.start_attempt(enrolment.id, ref, 70)
    services.submit_attempt(first, _answer_all(first, "sí"))
    second = services.start_attempt(enrolment.id, ref, 70)
    services.submit_attempt(second, _answer_all(second, "no"))
    assert services.quiz_scores(enrolment.id, [ref])[ref.key] == 0.0
    highest = services.QuizRef(ref.key, ref.gift_text, ref.module, {})
    assert services.quiz_scores(enrolment.id, [highest])[ref.key] == 100.0


def test_time_limit_refuses_late_answers(course_with):
    enrolment, ref = course_with("time_limit_minutes = 10\n")
    attempt = services.start_attempt(enrolment.id, ref, 70)
    assert attempt.deadline is not None
    late = attempt.deadline + timedelta(minutes=5)
    services.submit_attempt(attempt, _answer_all(attempt, "sí"), now=late)
    assert attempt.score == 0.0
    on_time = services.start_attempt(enrolment.id, ref, 70)
    services.submit_attempt(on_time, _answer_all(on_time, "sí"), now=utcnow())
    assert on_time.score == 100.0


def test_feedback_policy_never_hides_feedback(course_with, client, world):
    enrolment, ref = course_with('feedback = "never"\n')
    client.login(world.official_cdmx_email)
    client.submit(f"/courses/tiny/modules/{ref.module.id}/quiz/start")
    attempt = db.session.scalar(select(QuizAttempt))
    client.submit(f"/courses/tiny/attempts/{attempt.id}/submit", {"q0": "1", "confirmed": "1"})
    html = client.get(f"/courses/tiny/attempts/{attempt.id}").get_data(as_text=True)
    assert "mal" not in html
    assert "0%" in html


def test_quiz_page_tells_the_rules(course_with, client, world):
    enrolment, ref = course_with("attempts = 3\ntime_limit_minutes = 15\n")
    client.login(world.official_cdmx_email)
    html = client.get(
        f"/courses/tiny/modules/{ref.module.id}/quiz", headers={"Accept-Language": "en"}
    )
    text = html.get_data(as_text=True)
    assert "Le quedan 3 intentos." in text  # the official's own language beats the browser's
    assert "Tiempo límite: 15 minutos." in text


CATEGORY_BANK = "\n\n".join(
    [f"$CATEGORY: $course$/mexico\n\n::M{n}:: México {n} {{=sí#bien ~no#mal}}" for n in range(1, 2)]
    + [f"::M{n}:: México {n} {{=sí#bien ~no#mal}}" for n in range(2, 6)]
    + ["$CATEGORY: $course$/brasil"]
    + [f"::B{n}:: Brasil {n} {{=sí#bien ~no#mal}}" for n in range(1, 4)]
)


def test_draw_by_category_takes_the_asked_number_from_each(course_with, runner, tmp_path):
    enrolment, ref = course_with(
        'draw_by_category = { "$course$/mexico" = 2, "$course$/brasil" = 3 }\n',
        CATEGORY_BANK,
    )
    for seed in range(5):
        attempt = services.start_attempt(enrolment.id, ref, 70, rng=random.Random(seed))
        names = [q["name"] for q in attempt.questions]
        assert sum(n.startswith("M") for n in names) == 2
        assert sorted(n for n in names if n.startswith("B")) == ["B1", "B2", "B3"]
        services.submit_attempt(attempt, _answer_all(attempt, "sí"))
        assert attempt.score == 100.0
    # The setting survives export and import.
    assert runner.invoke(args=["courses", "export", "tiny", str(tmp_path)]).exit_code == 0
    again = runner.invoke(args=["courses", "import", str(tmp_path / "tiny")])
    assert "unchanged" in again.output, again.output


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            'draw_by_category = { "$course$/chile" = 1 }',
            'the quiz has no category "$course$/chile"',
        ),
        (
            'draw_by_category = { "$course$/brasil" = 4 }',
            '"$course$/brasil" = 4, but that category has only 3',
        ),
        ('draw_by_category = { "$course$/brasil" = 0 }', "must be a table of category = number"),
        ('draw = 2\ndraw_by_category = { "$course$/brasil" = 1 }', "use draw or draw_by_category"),
    ],
)
def test_draw_by_category_mistakes_are_named(tiny_copy, settings, message):
    module = tiny_copy / "es/01-start"
    (module / "module.toml").write_text('title = "Primer módulo"\n\n[quiz]\n' + settings + "\n")
    (module / "quiz.gift").write_text(CATEGORY_BANK)
    _package, problems = pkg.read_package(tiny_copy, "tiny")
    assert any(message in str(p) and "module.toml:" in str(p) for p in problems), [
        str(p) for p in problems
    ]


def test_late_submission_refused_by_setting_keeps_what_was_saved(course_with):
    enrolment, ref = course_with('time_limit_minutes = 10\nlate_submission = "refuse"\n')
    attempt = services.start_attempt(enrolment.id, ref, 70)
    services.save_draft(attempt, _answer_all(attempt, "sí"))
    late = attempt.deadline + timedelta(minutes=5)
    services.submit_attempt(attempt, _answer_all(attempt, "no"), now=late, late_policy="refuse")
    # The late post is refused, but what was saved in time counts (WCAG 2.2.1).
    assert attempt.score == 100.0
    assert ref.setting("late_submission") == "refuse"


def test_late_submission_through_the_page(course_with, client, world):
    enrolment, ref = course_with('time_limit_minutes = 1\nlate_submission = "refuse"\n')
    client.login(world.official_cdmx_email)
    attempt = services.start_attempt(enrolment.id, ref, 70)
    attempt.deadline = utcnow() - timedelta(minutes=5)
    db.session.commit()
    answers = {f"q{i}": "0" for i in range(len(attempt.questions))}
    response = client.submit(
        f"/courses/tiny/attempts/{attempt.id}/submit", answers, follow_redirects=True
    )
    assert "las respuestas enviadas después no" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).score == 0.0  # nothing saved in time
