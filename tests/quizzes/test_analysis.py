"""Item analysis for trainers on generated attempts, its CSV and who may see it."""

import csv
import io

import pytest

from app.accounts.models import Organisation
from app.catalog.models import Course
from app.extensions import db
from app.learning import services as learning
from app.quizzes import analysis, services

BANK = """::Capital:: ¿Capital de Uruguay? {=Montevideo ~Quito ~Lima}

::Fácil:: AL-LAs es una red de ciudades. {T}

::Trampa:: ¿Quién encabezó AL-LAs? {=Ciudad de México ~París ~Madrid}

::Otra:: ¿País de Medellín? {=Colombia ~Perú}

::Extra:: ¿País de Belo Horizonte? {=Brasil ~Chile}
"""


@pytest.fixture
def analysed(make_course, make_user, world):
    outcome = make_course(bank=BANK)
    course = db.session.get(Course, outcome.course.id)
    org = db.session.get(Organisation, world.cdmx)
    edition = outcome.version.editions[0]
    ref = services.quizzes_of(edition)[0]
    # Strong officials get Capital right; weak ones get it wrong; everyone gets Fácil right;
    # Trampa is right only for the weak ones, so it discriminates the wrong way.
    for n in range(10):
        strong = n < 6
        user = make_user(org, password=None)
        enrolment = learning.enrol(user, course, "es")
        attempt = services.start_attempt(enrolment.id, ref, 70)
        answers = {
            0: 0 if strong else 1,
            1: True,
            2: 1 if strong else 0,
            3: 0 if strong else 1,
            4: 0 if strong else 1,
        }
        services.submit_attempt(attempt, answers)
    db.session.commit()
    return edition, ref


def test_facility_and_discrimination(analysed):
    edition, ref = analysed
    result = analysis.analyse(edition.id, ref.key)
    assert result.attempts == 10
    items = {item.name: item for item in result.items}
    assert items["Capital"].facility == pytest.approx(60.0)
    assert items["Fácil"].facility == pytest.approx(100.0)
    assert items["Fácil"].discrimination is None  # no spread: nothing to correlate
    assert items["Capital"].discrimination > 0.9
    assert items["Trampa"].discrimination < -0.9
    assert items["Capital"].answers == {"Montevideo": 6, "Quito": 4}
    assert sum(result.distribution) == 10
    assert result.distribution[8] == 6  # strong officials: 4 of 5, 80%
    assert result.distribution[4] == 4  # weak ones: 2 of 5, 40%


def test_analysis_page_and_csv(client, world, analysed):
    edition, ref = analysed
    client.login(world.trainer_email)
    page = client.get(f"/teach/editions/{edition.id}/quizzes/{ref.key}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html
    assert "Capital" in html
    response = client.get(f"/teach/editions/{edition.id}/quizzes/{ref.key}.csv")
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    # The trainer reads Spanish: headers in Spanish.
    assert len(rows[0]) == 6
    assert (rows[0][0], rows[0][5]) == ("Pregunta", "Respuestas elegidas")
    capital = next(r for r in rows if r[0] == "Capital")
    assert capital[3] == "60.0"
    assert "Montevideo (6)" in capital[5]
    listing = client.get("/teach/").get_data(as_text=True)
    assert "10 intentos calificados" in listing


@pytest.mark.parametrize("role", ["official_cdmx", "reviewer_cdmx", "reviewer_bh"])
def test_analysis_is_for_trainers_and_admins(app, world, analysed, role):
    edition, ref = analysed
    client = app.test_client()
    client.login(getattr(world, f"{role}_email"))
    for url in (
        "/teach/",
        f"/teach/editions/{edition.id}/quizzes/{ref.key}",
        f"/teach/editions/{edition.id}/quizzes/{ref.key}.csv",
    ):
        assert client.get(url).status_code == 403
    admin = app.test_client()
    admin.login(world.admin_email)
    assert admin.get(f"/teach/editions/{edition.id}/quizzes/{ref.key}").status_code == 200


def test_unknown_quizzes_are_404(client, world, analysed):
    edition, _ref = analysed
    client.login(world.trainer_email)
    for key in ("m999999", "final2", "x", "m1;drop"):
        assert client.get(f"/teach/editions/{edition.id}/quizzes/{key}").status_code == 404
    assert client.get("/teach/editions/999999/quizzes/final").status_code == 404
