"""`flask bench generate`: the large data set is consistent and its accounts work."""

from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.learning.models import Enrolment, EnrolmentStatus
from app.reports import services as reports
from app.reports.services import Filters


def test_generate_a_small_city_and_sign_in(app, runner, world, tiny):
    result = runner.invoke(args=["bench", "generate", "--officials", "300", "--courses", "1"])
    assert result.exit_code == 0, result.output
    assert "officials: 300" in result.output
    reviewer = db.session.scalar(select(User).where(User.email == "reviewer.bench@aula.example"))
    head = reports.headline(reviewer, Filters())
    assert head.headcount == 302  # the officials, the reviewer and official.bench
    enrolments = db.session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(User.email.like("%bench.aula.example"), Enrolment.status != "withdrawn")
    )
    completed = db.session.scalar(
        select(func.count())
        .select_from(Enrolment)
        .join(User, User.id == Enrolment.user_id)
        .where(
            User.email.like("%bench.aula.example"), Enrolment.status == EnrolmentStatus.COMPLETED
        )
    )
    assert head.enrolments == enrolments + 1  # official.bench's enrolment is in progress
    assert head.completions == completed
    client = app.test_client()
    assert client.login("reviewer.bench@aula.example", "aula-demo").status_code == 302
    assert client.get("/reports/").status_code == 200
    again = runner.invoke(args=["bench", "generate", "--officials", "10"])
    assert again.exit_code != 0 and "exists already" in again.output
