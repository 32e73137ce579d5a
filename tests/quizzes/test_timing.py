"""Timing adjustable (WCAG 2.2.1): the deadline shown with a countdown, extensions the quiz
allows, more time granted to a person, and answers saved in time that always count."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts import privacy as account_privacy
from app.accounts.models import User
from app.audit.models import AuditEntry
from app.catalog import package as pkg
from app.clock import utcnow
from app.extensions import db
from app.quizzes import services
from app.quizzes.models import QuizAttempt
from tests.conftest import import_folder

BANK = """::A:: ¿Capital de Uruguay? {=Montevideo ~Quito}

::B:: AL-LAs reúne ciudades. {T}
"""


@pytest.fixture
def timed(tiny_copy, client, world):
    """timed(settings) -> (quiz page, module quiz's start address): the official of Mexico
    City signed in and enrolled in the tiny course, whose module quiz has these settings."""

    def build(settings: str):
        module_dir = tiny_copy / "es/01-start"
        (module_dir / "quiz.gift").write_text(BANK)
        (module_dir / "module.toml").write_text('title = "Primer módulo"\n\n[quiz]\n' + settings)
        module = import_folder(tiny_copy).version.editions[0].modules[0]
        client.login(world.official_cdmx_email)
        client.submit("/courses/tiny/enrol", {"language": "es"})
        url = f"/courses/tiny/modules/{module.id}/quiz"
        return url, url + "/start"

    return build


def _start(client, start_url) -> QuizAttempt:
    client.submit(start_url)
    return db.session.scalar(select(QuizAttempt).order_by(QuizAttempt.id.desc()))


def _minutes(attempt: QuizAttempt) -> float:
    return (attempt.deadline - attempt.started_at).total_seconds() / 60


def test_deadline_is_the_limit_times_the_persons_multiplier(client, world, timed):
    _url, start = timed("time_limit_minutes = 20\n")
    db.session.get(User, world.official_cdmx).quiz_time_percent = 150
    db.session.commit()
    assert _minutes(_start(client, start)) == pytest.approx(30, abs=0.1)


def test_deadline_without_multiplier_is_the_limit(client, timed):
    _url, start = timed("time_limit_minutes = 20\n")
    assert _minutes(_start(client, start)) == pytest.approx(20, abs=0.1)


def test_quiz_page_shows_the_deadline_and_a_polite_countdown(client, timed):
    url, start = timed("time_limit_minutes = 20\n")
    attempt = _start(client, start)
    html = client.get(url).get_data(as_text=True)
    assert 'id="timer"' in html
    assert 'aria-live="polite"' in html
    assert "countdown.js" in html
    assert f'data-seconds-left="{20 * 60}"' in html or 'data-seconds-left="1199"' in html
    assert 'data-warn-seconds="300"' in html  # 5 minutes: more than a fifth of 20
    assert "/extend" not in html  # no extension allowed by this quiz
    assert attempt.deadline is not None


def test_extension_moves_the_deadline_then_is_refused(client, timed):
    url, start = timed("time_limit_minutes = 20\nextensions = 1\nextension_minutes = 10\n")
    attempt = _start(client, start)
    before = attempt.deadline
    extend = f"/courses/tiny/attempts/{attempt.id}/extend"
    assert extend in client.get(url).get_data(as_text=True)
    assert client.submit(extend).status_code == 302
    db.session.expire_all()
    attempt = db.session.get(QuizAttempt, attempt.id)
    assert attempt.deadline == before + timedelta(minutes=10)
    assert attempt.extensions_used == 1
    assert extend not in client.get(url).get_data(as_text=True)
    response = client.submit(extend, follow_redirects=True)
    assert "No se puede añadir más tiempo a este intento." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).deadline == before + timedelta(minutes=10)


def test_extension_refused_when_the_quiz_allows_none(client, timed):
    _url, start = timed("time_limit_minutes = 20\n")
    attempt = _start(client, start)
    before = attempt.deadline
    client.submit(f"/courses/tiny/attempts/{attempt.id}/extend")
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).deadline == before


def test_extension_refused_after_the_deadline(client, timed):
    _url, start = timed("time_limit_minutes = 20\nextensions = 2\n")
    attempt = _start(client, start)
    attempt.deadline = utcnow() - timedelta(minutes=5)
    db.session.commit()
    before = attempt.deadline
    ref = services.quizzes_of(db.session.get(QuizAttempt, attempt.id).enrolment.edition)[0]
    with pytest.raises(services.NoExtensionLeft):
        services.extend_attempt(ref, attempt)
    client.submit(f"/courses/tiny/attempts/{attempt.id}/extend")
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).deadline == before


@pytest.mark.parametrize("policy", ["grade_saved", "refuse"])
def test_late_submit_keeps_answers_saved_in_time(client, timed, policy):
    _url, start = timed(f'time_limit_minutes = 5\nlate_submission = "{policy}"\n')
    attempt = _start(client, start)
    client.submit(f"/courses/tiny/attempts/{attempt.id}/save", {"q0": "0", "q1": "true"})
    attempt = db.session.get(QuizAttempt, attempt.id)
    attempt.deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    # The late post's own answers (both wrong) do not count; the saved ones (both right) do.
    client.submit(f"/courses/tiny/attempts/{attempt.id}/submit", {"q0": "1", "q1": "false"})
    db.session.expire_all()
    assert db.session.get(QuizAttempt, attempt.id).score == 100.0


@pytest.mark.parametrize(
    ("settings", "key", "message"),
    [
        ("time_limit_minutes = 10\nextensions = 0\n", "extensions", "must be a positive integer"),
        (
            'time_limit_minutes = 10\nextension_minutes = "ten"\n',
            "extension_minutes",
            "must be a positive integer",
        ),
        ("extensions = 1\n", "extensions", 'needs "quiz.time_limit_minutes"'),
        ("extension_minutes = 5\n", "extension_minutes", 'needs "quiz.time_limit_minutes"'),
    ],
)
def test_extension_settings_checked_with_file_and_line(tiny_copy, settings, key, message):
    module = tiny_copy / "es/01-start"
    text = 'title = "Primer módulo"\n\n[quiz]\n' + settings
    (module / "module.toml").write_text(text)
    line = next(n for n, raw in enumerate(text.splitlines(), 1) if raw.startswith(key))
    _package, problems = pkg.read_package(tiny_copy, "tiny")
    assert any(
        message in str(p) and f"module.toml:{line}:" in str(p) and key in str(p) for p in problems
    ), [str(p) for p in problems]


def test_extension_settings_accepted(tiny_copy):
    module = tiny_copy / "es/01-start"
    (module / "module.toml").write_text(
        'title = "Primer módulo"\n\n[quiz]\ntime_limit_minutes = 10\nextensions = 2\n'
        "extension_minutes = 5\n"
    )
    package, problems = pkg.read_package(tiny_copy, "tiny")
    assert problems == [], [str(p) for p in problems]
    settings = package.editions["es"].modules[0].quiz_settings
    assert settings["extensions"] == 2 and settings["extension_minutes"] == 5


# Granting more time -------------------------------------------------------------------------


def _grant(client, world, who: str, person: int, percent: str):
    client.login(getattr(world, f"{who}_email"))
    return client.submit(f"/staff/{person}/quiz-time", {"percent": percent})


@pytest.mark.parametrize("who", ["reviewer_cdmx", "admin_cdmx", "admin"])
def test_reviewer_or_admin_over_the_person_grants_more_time(client, world, who):
    response = _grant(client, world, who, world.official_cdmx, "150")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, world.official_cdmx).quiz_time_percent == 150
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.quiz_time"))
    assert entry.target_id == world.official_cdmx
    assert entry.detail == {"before": 100, "after": 150}
    assert entry.organisation_id == world.cdmx_finance


def test_reviewer_of_the_parent_grants_more_time(client, world):
    _grant(client, world, "reviewer_mg", world.official_bh, "200")
    db.session.expire_all()
    assert db.session.get(User, world.official_bh).quiz_time_percent == 200


@pytest.mark.parametrize("who", ["reviewer_bh", "reviewer_mg", "admin_cdmx"])
def test_reviewer_of_another_city_cannot(client, world, who):
    person = world.official_cdmx if who != "admin_cdmx" else world.official_bh
    response = _grant(client, world, who, person, "200")
    assert response.status_code in {403, 404}
    db.session.expire_all()
    assert db.session.get(User, person).quiz_time_percent == 100
    assert (
        db.session.scalar(select(AuditEntry).where(AuditEntry.action == "account.quiz_time"))
        is None
    )


@pytest.mark.parametrize("who", ["official_cdmx", "trainer"])
def test_not_a_reviewer_cannot(client, world, who):
    response = _grant(client, world, who, world.official_cdmx, "200")
    assert response.status_code in {403, 404}
    db.session.expire_all()
    assert db.session.get(User, world.official_cdmx).quiz_time_percent == 100


def test_an_odd_multiple_is_refused_with_a_message(client, world):
    response = _grant(client, world, "reviewer_cdmx", world.official_cdmx, "1000")
    assert response.status_code == 302
    page = client.get(f"/staff/{world.official_cdmx}").get_data(as_text=True)
    assert "Tiempo en los cuestionarios con tiempo límite" in page
    db.session.expire_all()
    assert db.session.get(User, world.official_cdmx).quiz_time_percent == 100


def test_the_staff_page_offers_the_multiples(client, world):
    client.login(world.reviewer_cdmx_email)
    page = client.get(f"/staff/{world.official_cdmx}").get_data(as_text=True)
    assert f'action="/staff/{world.official_cdmx}/quiz-time"' in page
    assert 'value="150"' in page and 'selected value="100"' in page


def test_the_quiz_page_tells_a_person_their_longer_time(client, world, timed):
    url, _start_url = timed("time_limit_minutes = 20\n")
    assert "30 minut" not in client.get(url).get_data(as_text=True)
    db.session.get(User, world.official_cdmx).quiz_time_percent = 150
    db.session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "30 minut" in html  # "30 minutos" once translated, "30 minutes" before


def test_extra_time_is_in_the_data_download_and_gone_on_erasure(app, world):
    person = db.session.get(User, world.official_cdmx)
    person.quiz_time_percent = 200
    assert account_privacy.export(person)["account"]["quiz_time_percent"] == 200
    account_privacy.erase(person)
    assert person.quiz_time_percent == 100
