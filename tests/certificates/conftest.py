"""A course completed through the pages, so its certificate is issued the way it is in use."""

import pytest
from sqlalchemy import select

from app.certificates.models import Certificate
from app.extensions import db
from app.quizzes.models import QuizAttempt
from tests.conformance import CONFORMANCE

OB3 = CONFORMANCE / "ob3"


def complete_tiny(client, email: str, tiny) -> None:
    """Sign in, enrol, read both lessons, pass the module quiz and the final exam."""
    client.login(email)
    client.submit("/courses/tiny/enrol", {"language": "es"})
    module = tiny.version.editions[0].modules[0]
    for lesson in module.lessons:
        client.submit(f"/courses/tiny/lessons/{lesson.id}/done")
    for start in (f"/courses/tiny/modules/{module.id}/quiz/start", "/courses/tiny/final/start"):
        client.submit(start)

        attempt = db.session.scalar(select(QuizAttempt).order_by(QuizAttempt.id.desc()))
        client.submit(f"/courses/tiny/attempts/{attempt.id}/submit", {"q0": "true"})


@pytest.fixture
def certificate(client, world, tiny) -> Certificate:
    complete_tiny(client, world.official_cdmx_email, tiny)
    cert = db.session.scalar(select(Certificate))
    assert cert is not None
    return cert
