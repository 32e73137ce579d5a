"""Submitting the same attempt from several places at once records exactly one result."""

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.quizzes.models import QuizAttempt, QuizResponse
from tests.conftest import csrf_token_for

# Concurrent requests in threads, each on its own connection.
pytestmark = pytest.mark.commits


def test_parallel_submissions_record_one_result(app, world, tiny):
    module = tiny.version.editions[0].modules[0]
    client = app.test_client()
    client.login(world.official_cdmx_email)
    client.submit("/courses/tiny/enrol", {"language": "es"})
    client.submit(f"/courses/tiny/modules/{module.id}/quiz/start")
    attempt_id = db.session.scalar(select(QuizAttempt.id))
    cookie = client.get_cookie("session").value
    token = csrf_token_for(client)

    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def submit(answer: str) -> None:
        tab = app.test_client()
        tab.set_cookie("session", cookie)
        barrier.wait()
        response = tab.post(
            f"/courses/tiny/attempts/{attempt_id}/submit",
            data={"csrf_token": token, "q0": answer},
        )
        statuses.append(response.status_code)

    threads = [
        threading.Thread(target=submit, args=("true" if n % 2 else "false",)) for n in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert statuses == [302] * 8
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(QuizResponse)) == 1
    attempt = db.session.get(QuizAttempt, attempt_id)
    assert attempt.state == "submitted"
    assert attempt.score in (0.0, 100.0)
    assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 1
