"""`flask bench generate`: a large, realistic data set to feel and measure the scale.

A city with departments and N officials, enrolments on M courses in every state, quiz
attempts, an assignment with overdue people, and certificates for the completions. Rows go
in with multi-row INSERTs in chunks, so 100,000 officials take minutes, not hours.

The certificates are records only (no signed credential or PDF is made for each: signing
150,000 credentials would take the generator most of its time); they count in the reports
like real ones. Never run this on a production database.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

import click
from flask.cli import AppGroup
from sqlalchemy import func, insert, select, text
from werkzeug.security import generate_password_hash

from app.accounts import services as accounts
from app.accounts.models import Organisation, OrgKind, Role, User
from app.catalog import services as catalog
from app.catalog.models import Lesson
from app.certificates import codes
from app.certificates.models import Certificate
from app.clock import utcnow
from app.extensions import db
from app.learning import assignments
from app.learning.models import Assignment, Enrolment, EnrolmentStatus, LessonProgress
from app.quizzes.models import AttemptState, QuizAttempt

bench_cli = AppGroup(
    "bench", help="Generate a large data set for benchmarks (never in production)."
)

CHUNK = 5000
PASSWORD = "aula-demo"  # noqa: S105 - the demo password, printed with a warning
DEPARTMENTS = 40
FIRST = ["Ana", "Luis", "María", "José", "Carmen", "Jorge", "Lucía", "Pedro", "Sofía", "Diego"]
LAST = ["García", "López", "Hernández", "Martínez", "González", "Pérez", "Sánchez", "Ramírez"]


def _chunks(rows, size=CHUNK):
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def generate(officials: int, courses: int, seed: int = 7) -> dict[str, int]:
    rng = random.Random(seed)  # noqa: S311 - reproducible fake data, not secrets
    started = time.monotonic()
    network = db.session.scalar(select(Organisation).where(Organisation.parent_id.is_(None)))
    if network is None:
        network = accounts.create_organisation("Red AL-LAs", "alla", OrgKind.NETWORK)
    slug = "bench-city"
    if db.session.scalar(select(Organisation).where(Organisation.slug == slug)):
        raise click.ClickException("The bench city exists already; use a fresh database.")
    city = accounts.create_organisation("Ciudad de prueba", slug, OrgKind.CITY, network)
    departments = [
        accounts.create_organisation(
            f"Dependencia {n:02d}", f"bench-dept-{n:02d}", OrgKind.DEPARTMENT, city
        )
        for n in range(DEPARTMENTS)
    ]
    shipped = [c for c in catalog.published_courses()][:courses]
    if not shipped:
        raise click.ClickException("Import some courses first (flask courses import courses/).")
    editions = []
    for course in shipped:
        edition = next(e for e in course.current_version.editions if e.language == "es")
        lessons = db.session.scalars(select(Lesson.id).where(Lesson.edition_id == edition.id)).all()
        editions.append((course, course.current_version, edition, lessons))
    # Uneven departments, as in a real city hall: a few large, many small.
    weights = [1 / (n + 1) for n in range(DEPARTMENTS)]
    hashed = generate_password_hash(PASSWORD, method="scrypt:16384:8:1")
    now = utcnow()
    by_edition = {edition.id: lessons for _c, _v, edition, lessons in editions}
    totals = dict.fromkeys(
        ("officials", "enrolments", "attempts", "lessons read", "certificates"), 0
    )
    # In batches of officials, so memory stays flat whatever N is.
    for first in range(0, officials, CHUNK):
        people = []
        for n in range(first, min(first + CHUNK, officials)):
            people.append(
                {
                    "email": f"funcionario{n:07d}@bench.aula.example",
                    "name": f"{rng.choice(FIRST)} {rng.choice(LAST)} {rng.choice(LAST)}",
                    "organisation_id": rng.choices(departments, weights)[0].id,
                    "locale": "es",
                    "job_title": "",
                    "is_active_account": True,
                    "session_nonce": f"{n:016x}",
                    "created_at": now - timedelta(days=rng.randint(0, 2000)),
                    "last_login_at": now - timedelta(days=rng.randint(0, 120)),
                    "password_hash": None,
                }
            )
        db.session.execute(insert(User), people)
        ids = db.session.execute(
            select(User.id, User.organisation_id).where(
                User.email.in_([p["email"] for p in people])
            )
        ).all()
        enrolments = []
        for user_id, organisation_id in ids:
            picked = rng.sample(editions, min(len(editions), rng.randint(0, 5)))
            for course, version, edition, _lessons in picked:
                state = rng.choices(
                    [EnrolmentStatus.COMPLETED, EnrolmentStatus.ACTIVE, EnrolmentStatus.WITHDRAWN],
                    [5, 4, 1],
                )[0].value
                enrolled = now - timedelta(days=rng.randint(1, 700))
                done = enrolled + timedelta(days=rng.randint(1, 60))
                enrolments.append(
                    {
                        "user_id": user_id,
                        "organisation_id": organisation_id,
                        "course_id": course.id,
                        "version_id": version.id,
                        "edition_id": edition.id,
                        "status": state,
                        "enrolled_at": enrolled,
                        "completed_at": done if state == EnrolmentStatus.COMPLETED else None,
                        "updated_at": now,
                    }
                )
        if enrolments:
            db.session.execute(insert(Enrolment), enrolments)
        rows = db.session.execute(
            select(
                Enrolment.id,
                Enrolment.user_id,
                Enrolment.course_id,
                Enrolment.status,
                Enrolment.completed_at,
                Enrolment.version_id,
                Enrolment.edition_id,
            ).where(Enrolment.user_id.in_([user_id for user_id, _org in ids]))
        ).all()
        attempts, progress, certificates = [], [], []
        for enrolment_id, user_id, course_id, status, completed_at, version_id, edition_id in rows:
            lessons = by_edition[edition_id]
            read = (
                lessons
                if status == EnrolmentStatus.COMPLETED
                else lessons[: rng.randint(0, len(lessons))]
            )
            progress.extend(
                {"enrolment_id": enrolment_id, "lesson_id": lid, "completed_at": now}
                for lid in read
            )
            for number in range(1, rng.randint(1, 3) + 1):
                attempts.append(
                    {
                        "enrolment_id": enrolment_id,
                        "quiz_key": "final",
                        "number": number,
                        "state": AttemptState.SUBMITTED.value,
                        "questions": [],
                        "draft": {},
                        "pass_mark": 70,
                        "started_at": now - timedelta(days=rng.randint(1, 600)),
                        "submitted_at": now,
                        "score": rng.choice([40.0, 60.0, 75.0, 90.0, 100.0]),
                    }
                )
            if status == EnrolmentStatus.COMPLETED.value:
                expires = completed_at + timedelta(days=730) if rng.random() < 0.3 else None
                certificates.append(
                    {
                        "code": codes.new_code(),
                        "enrolment_id": enrolment_id,
                        "user_id": user_id,
                        "organisation_id": city.id,
                        "course_id": course_id,
                        "version_id": version_id,
                        "language": "es",
                        "holder_name": "",
                        "course_title": "",
                        "hours": 2,
                        "issuer_names": [network.name, city.name],
                        "issued_at": completed_at,
                        "expires_at": expires,
                        "credential": "",
                        "credential_jwt": "",
                        "show_name": True,
                        "created_at": completed_at,
                    }
                )
        for model, batch in (
            (LessonProgress, progress),
            (QuizAttempt, attempts),
            (Certificate, certificates),
        ):
            for chunk in _chunks(batch):
                db.session.execute(insert(model), chunk)
        db.session.commit()
        totals["officials"] += len(ids)
        totals["enrolments"] += len(rows)
        totals["attempts"] += len(attempts)
        totals["lessons read"] += len(progress)
        totals["certificates"] += len(certificates)
    # Two assignments over the whole city: one long overdue, one due next month.
    reviewer = accounts.create_user("reviewer.bench@aula.example", "Revisora de prueba", city)
    reviewer.password_hash = hashed
    accounts.grant_role(reviewer, Role.REVIEWER, city)
    db.session.flush()
    for (course, *_rest), due in zip(
        editions[:2],
        (now.date() - timedelta(days=10), now.date() + timedelta(days=30)),
        strict=False,
    ):
        db.session.add(
            Assignment(
                course_id=course.id, organisation_id=city.id, due_on=due, created_by_id=reviewer.id
            )
        )
    db.session.flush()
    assignments.sync_all()
    official = accounts.create_user(
        "official.bench@aula.example", "Funcionaria de prueba", departments[0]
    )
    official.password_hash = hashed
    for course, version, edition, _lessons in editions[:3]:
        db.session.add(
            Enrolment(
                user_id=official.id,
                organisation_id=official.organisation_id,
                course_id=course.id,
                version_id=version.id,
                edition_id=edition.id,
            )
        )
    db.session.commit()
    # Fresh statistics after a bulk load, so both databases plan with the real sizes.
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    totals["seconds"] = round(time.monotonic() - started, 1)
    totals["largest department"] = db.session.scalar(
        select(func.count()).where(User.organisation_id == departments[0].id)
    )
    return totals


@bench_cli.command("generate")
@click.option("--officials", type=click.IntRange(1, 2_000_000), default=100_000, show_default=True)
@click.option("--courses", type=click.IntRange(1, 1000), default=7, show_default=True)
def generate_command(officials: int, courses: int) -> None:
    """Make a large city for benchmarks, with reviewer.bench@ and official.bench@ accounts."""
    figures = generate(officials, courses)
    for key, value in figures.items():
        click.echo(f"{key}: {value}")
    click.secho(
        "WARNING: benchmark data; never generate it in a production database.",
        fg="yellow",
        err=True,
    )
    click.echo(
        f"Accounts (password {PASSWORD}): reviewer.bench@aula.example, official.bench@aula.example"
    )
