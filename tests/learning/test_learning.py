"""Enrolment, progress, completion and "My learning", across course versions."""

import shutil

from sqlalchemy import func, select

from app.accounts.models import User
from app.catalog.models import Course
from app.extensions import db
from app.learning import services
from app.learning.models import Enrolment, EnrolmentStatus, LessonProgress
from app.quizzes.models import QuizAttempt
from tests.conftest import TINY, import_folder, statements_counted


def _lessons(version):
    return [les for m in version.editions[0].modules for les in m.lessons]


def test_enrol_and_mark_lessons_done(client, world, tiny):
    first, second = _lessons(tiny.version)
    client.login(world.official_cdmx_email)
    response = client.submit("/courses/tiny/enrol", {"language": "es"})
    assert response.headers["Location"] == f"/courses/tiny/lessons/{first.id}"
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert enrolment.enrolled_by_id == world.official_cdmx
    response = client.submit(f"/courses/tiny/lessons/{first.id}/done")
    assert response.headers["Location"] == f"/courses/tiny/lessons/{second.id}"
    # Marking twice records one row.
    client.submit(f"/courses/tiny/lessons/{first.id}/done")
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 1
    response = client.submit(f"/courses/tiny/lessons/{second.id}/done")
    # The module's last lesson: its quiz comes next, not the next module's first lesson.
    module = tiny.version.editions[0].modules[0]
    assert response.headers["Location"] == f"/courses/tiny/modules/{module.id}/quiz"
    enrolment = db.session.scalar(select(Enrolment))
    # Every lesson is read, but the module quiz and the final exam are still to pass.
    assert enrolment.status == EnrolmentStatus.ACTIVE
    state = services.completion(enrolment)
    assert (state.lessons_done, state.quizzes_passed, state.quizzes_total) == (2, 0, 2)
    assert not state.is_complete


def test_mark_done_without_enrolment_sends_to_the_course(client, world, tiny):
    first = _lessons(tiny.version)[0]
    client.login(world.official_cdmx_email)
    response = client.submit(f"/courses/tiny/lessons/{first.id}/done")
    assert response.headers["Location"] == "/courses/tiny"
    assert db.session.scalar(select(func.count()).select_from(LessonProgress)) == 0


def test_my_learning_shows_progress_and_continue(client, world, tiny):
    first, second = _lessons(tiny.version)
    client.login(world.official_cdmx_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})
    client.submit(f"/courses/tiny/lessons/{first.id}/done")
    html = client.get("/learning/").get_data(as_text=True)
    # One step of four: two lessons, the module quiz and the final exam.
    assert 'value="25"' in html and "25%" in html
    assert "Segunda lección" in html
    response = client.get("/learning/tiny/continue")
    assert response.headers["Location"] == f"/courses/tiny/lessons/{second.id}"


def test_continue_resumes_the_last_lesson_seen(client, world, tiny):
    first, second = _lessons(tiny.version)
    client.login(world.official_cdmx_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})
    client.get(f"/courses/tiny/lessons/{second.id}")
    assert (
        client.get("/learning/tiny/continue").headers["Location"]
        == f"/courses/tiny/lessons/{second.id}"
    )


def test_withdraw_and_come_back_keeps_progress(client, world, tiny):
    first = _lessons(tiny.version)[0]
    client.login(world.official_cdmx_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})
    client.submit(f"/courses/tiny/lessons/{first.id}/done")
    assert client.submit("/courses/tiny/withdraw").headers["Location"] == "/learning/"
    assert db.session.scalar(select(Enrolment.status)) == EnrolmentStatus.WITHDRAWN
    assert "Curso mínimo" not in client.get("/learning/").get_data(as_text=True)
    client.submit("/courses/tiny/enrol", {"language": "es"})
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.status == EnrolmentStatus.ACTIVE
    assert services.completion(enrolment).lessons_done == 1
    assert client.submit("/courses/tiny/withdraw").status_code == 302
    assert client.submit("/courses/tiny/withdraw").status_code == 409


def test_progress_stays_on_the_version_it_was_made_on(client, world, tiny, tiny_copy):
    first = _lessons(tiny.version)[0]
    client.login(world.official_cdmx_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})
    client.submit(f"/courses/tiny/lessons/{first.id}/done")
    lesson = tiny_copy / "es/01-start/01-first.md"
    lesson.write_text(lesson.read_text().replace("Texto", "Texto nuevo"))
    new = import_folder(tiny_copy)
    assert new.version.number == 2
    enrolment = db.session.scalar(select(Enrolment))
    assert enrolment.version_id == tiny.version.id
    assert services.completion(enrolment).lessons_done == 1
    # The enrolled official still reads their version; a newcomer gets the new one.
    html = client.get("/courses/tiny").get_data(as_text=True)
    assert f"/courses/tiny/lessons/{first.id}" in html
    client.logout()
    client.login(world.official_bh_email)
    new_first = _lessons(new.version)[0]
    html = client.get("/courses/tiny").get_data(as_text=True)
    assert f"/courses/tiny/lessons/{new_first.id}" in html
    # Only a Spanish edition exists, so that is what the form offers.
    assert client.submit("/courses/tiny/enrol", {"language": "pt_BR"}).status_code == 400
    client.submit("/courses/tiny/enrol", {"language": "es"})
    bh = db.session.scalar(select(Enrolment).where(Enrolment.user_id == world.official_bh))
    assert bh.version_id == new.version.id


def test_lessons_of_another_edition_do_not_count(app, world, tiny, tiny_copy):

    shutil.copytree(tiny_copy / "es", tiny_copy / "en")
    new = import_folder(tiny_copy)
    user = db.session.get(User, world.official_cdmx)
    course = db.session.get(Course, tiny.course.id)
    enrolment = services.enrol(user, course, "en")
    spanish = next(e for e in new.version.editions if e.language == "es")
    other = spanish.modules[0].lessons[0]
    try:
        services.mark_done(enrolment, other)
    except services.EnrolmentError:
        pass
    else:
        raise AssertionError("a lesson of another edition was accepted")


def test_completion_is_one_function_with_sql_counts(app, world, tiny):
    user = db.session.get(User, world.official_cdmx)
    enrolment = services.enrol(user, db.session.get(Course, tiny.course.id), "es")
    state = services.completion(enrolment)
    assert (state.lessons_done, state.lessons_total, state.percent, state.is_complete) == (
        0,
        2,
        0,
        False,
    )


def test_reviewer_enrols_their_official_but_not_another_citys(client, world, tiny):
    client.login(world.reviewer_cdmx_email)
    assert (
        client.submit(f"/staff/{world.official_cdmx}/enrol", {"course": "tiny"}).status_code == 302
    )
    enrolment = db.session.scalar(select(Enrolment).where(Enrolment.user_id == world.official_cdmx))
    assert enrolment.enrolled_by_id == world.reviewer_cdmx
    assert "Curso mínimo" in client.get(f"/staff/{world.official_cdmx}").get_data(as_text=True)
    assert client.submit(f"/staff/{world.official_bh}/enrol", {"course": "tiny"}).status_code == 403
    assert client.get(f"/staff/{world.official_bh}").status_code == 403
    assert (
        db.session.scalar(select(Enrolment).where(Enrolment.user_id == world.official_bh)) is None
    )
    assert (
        client.submit(f"/staff/{world.official_cdmx}/enrol", {"course": "nope"}).status_code == 400
    )
    assert client.get("/staff/999999").status_code == 404


def test_learning_routes_need_sign_in(client, tiny):
    first = _lessons(tiny.version)[0]
    for url in (
        "/courses/tiny/enrol",
        "/courses/tiny/withdraw",
        f"/courses/tiny/lessons/{first.id}/done",
    ):
        response = client.submit(url, {"language": "es"})
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    assert client.get("/learning/tiny/continue").headers["Location"].startswith("/login")
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0


def test_learning_posts_need_csrf(client, world, tiny):
    client.login(world.official_cdmx_email)
    assert client.post("/courses/tiny/enrol", data={"language": "es"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Enrolment)) == 0


def test_enrol_in_an_unknown_language_is_refused(client, world, tiny):
    client.login(world.official_cdmx_email)
    assert client.submit("/courses/tiny/enrol", {"language": "xx"}).status_code == 400
    assert client.submit("/courses/nope/enrol", {"language": "es"}).status_code == 404


def test_continue_for_a_course_not_followed_goes_to_the_course(client, world, tiny):
    client.login(world.official_cdmx_email)
    assert client.get("/learning/tiny/continue").headers["Location"] == "/courses/tiny"
    assert client.get("/learning/nope/continue").status_code == 404


def test_after_the_last_lesson_the_next_step_is_the_pending_quiz(client, world, tiny):
    first, second = _lessons(tiny.version)
    module = tiny.version.editions[0].modules[0]
    client.login(world.official_cdmx_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})
    for lesson in (first, second):
        client.submit(f"/courses/tiny/lessons/{lesson.id}/done")
    html = client.get("/learning/").get_data(as_text=True)
    assert f"/courses/tiny/modules/{module.id}/quiz" in html
    assert (
        client.get("/learning/tiny/continue").headers["Location"]
        == f"/courses/tiny/modules/{module.id}/quiz"
    )
    client.submit(f"/courses/tiny/modules/{module.id}/quiz/start")
    attempt_id = db.session.scalar(select(func.max(QuizAttempt.id)))
    client.submit(f"/courses/tiny/attempts/{attempt_id}/submit", {"q0": "true"})
    assert client.get("/learning/tiny/continue").headers["Location"] == "/courses/tiny/final"
    assert "/courses/tiny/final" in client.get("/learning/").get_data(as_text=True)


def test_my_learning_uses_the_same_number_of_queries_for_more_courses(
    app, client, world, tiny, tmp_path
):
    """No query per enrolment (lessons and quizzes alike): three courses cost what one costs."""
    client.login(world.official_cdmx_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})

    def count_queries() -> int:
        with statements_counted() as count:
            assert client.get("/learning/").status_code == 200
        return count()

    one = count_queries()
    for slug in ("tiny-b", "tiny-c"):
        copy = shutil.copytree(TINY, tmp_path / slug)
        (copy / "course.toml").write_text(
            (copy / "course.toml").read_text().replace('"tiny"', f'"{slug}"')
        )
        import_folder(copy)
        client.submit(f"/courses/{slug}/enrol", {"language": "es"})
    assert count_queries() == one
