"""`flask demo`: migrates, loads the demo once, and every demo account can sign in."""

import pytest
from sqlalchemy import func, select

from app.accounts import policy, services
from app.accounts.models import Membership, Organisation, OrgKind, Role, User
from app.authoring.models import CourseAuthor
from app.catalog.models import Course
from app.certificates.models import Certificate
from app.devtools.demo import ACCOUNTS, DEMO_PASSWORD
from app.extensions import db


def _counts():
    return (
        db.session.scalar(select(func.count()).select_from(Organisation)),
        db.session.scalar(select(func.count()).select_from(User)),
        db.session.scalar(select(func.count()).select_from(Membership)),
    )


def test_demo_is_idempotent(runner):
    first = runner.invoke(args=["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "aula-demo" in first.output
    assert "demonstration only" in first.output
    counts = _counts()
    second = runner.invoke(args=["demo", "--no-serve"])
    assert second.exit_code == 0, second.output
    assert "0 organisations and 0 accounts added" in second.output
    assert _counts() == counts


def test_demo_tree_and_people(runner):
    runner.invoke(args=["demo", "--no-serve"])
    cdmx = services.find_organisation("cdmx")
    assert cdmx.parent.slug == "alla"
    departments = db.session.scalar(
        select(func.count()).where(
            Organisation.parent_id == cdmx.id, Organisation.kind == OrgKind.DEPARTMENT
        )
    )
    assert departments >= 3
    for slug in ("belo-horizonte", "medellin", "montevideo", "madrid", "paris"):
        city = services.find_organisation(slug)
        assert city.kind == OrgKind.CITY
        people = db.session.scalar(
            select(func.count())
            .select_from(User)
            .join(Organisation, User.organisation_id == Organisation.id)
            .where(Organisation.path.startswith(city.path))
        )
        assert people >= 30, slug
    official = services.find_user_by_email("official.cdmx@aula.example")
    assert official.organisation.kind == OrgKind.DEPARTMENT
    assert official.organisation.parent.slug == "cdmx"
    assert official.locale == "es"
    assert services.find_user_by_email("official.bh@aula.example").locale == "pt_BR"
    reviewer = services.find_user_by_email("reviewer.cdmx@aula.example")
    assert policy.can_act_on(reviewer, Role.REVIEWER, official.organisation)
    assert not policy.can_act_on(
        reviewer, Role.REVIEWER, services.find_organisation("belo-horizonte")
    )
    assert policy.is_network_admin(services.find_user_by_email("admin@aula.example"))


@pytest.mark.parametrize("email", [a[0] for a in ACCOUNTS])
def test_every_demo_account_signs_in(runner, client, email):
    runner.invoke(args=["demo", "--no-serve"])
    response = client.login(email, DEMO_PASSWORD)
    assert response.status_code == 302
    assert client.get("/profile").status_code == 200


def test_demo_has_certificates_including_the_cdmx_official(runner):

    first = runner.invoke(args=["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    # All seven booklet courses are imported, each with its four editions.
    assert db.session.scalar(select(func.count()).select_from(Course)) == 7
    for course in db.session.scalars(select(Course)):
        editions = {e.language for e in course.current_version.editions}
        assert editions == {"es", "en", "pt_BR", "fr"}, course.slug
    official = services.find_user_by_email("official.cdmx@aula.example")
    mine = db.session.scalars(select(Certificate).where(Certificate.user_id == official.id)).all()
    assert len(mine) == 1 and mine[0].status(mine[0].issued_at) == "valid"
    total = db.session.scalar(select(func.count()).select_from(Certificate))
    assert total >= 10
    assert f"{total} demo certificates issued." in first.output
    second = runner.invoke(args=["demo", "--no-serve"])
    assert "0 demo certificates issued." in second.output


def test_demo_trainer_owns_the_shipped_courses_and_can_edit_them(runner, client):

    runner.invoke(args=["demo", "--no-serve"])
    runner.invoke(args=["demo", "--no-serve"])
    trainer = db.session.scalar(select(User).where(User.email == "trainer@aula.example"))
    owned = db.session.scalars(
        select(Course.slug)
        .join(CourseAuthor, CourseAuthor.course_id == Course.id)
        .where(CourseAuthor.user_id == trainer.id, CourseAuthor.role == "owner")
    ).all()
    assert len(owned) == db.session.scalar(select(func.count()).select_from(Course)) >= 7
    client.login("trainer@aula.example", "aula-demo")
    assert client.submit("/author/city-in-the-world/draft/open").status_code == 302
    page = client.get("/author/city-in-the-world/draft")
    assert page.status_code == 200
    course = db.session.scalar(select(Course).where(Course.slug == "city-in-the-world"))
    first = course.current_version.editions[0].modules[0].lessons[0]
    assert first.title in page.get_data(as_text=True)
