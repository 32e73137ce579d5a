"""The transcript PDF an HR office files, read back by pdfplumber: an independent reader of
the drawn page, so a line that runs off the paper or a value left out shows as it would to
a person holding the printout."""

from __future__ import annotations

import io
import re
import shutil

import pdfplumber
import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event, select

from app.accounts import services as accounts
from app.accounts.models import Organisation, OrgKind, User
from app.catalog.models import Course
from app.certificates import codes
from app.certificates.models import Certificate
from app.extensions import db
from app.quizzes.models import QuizAttempt
from tests.certificates.conftest import complete_tiny
from tests.conftest import TINY, import_folder

BASE_URL = "https://aula.ciudad-de-mexico.example"
DEPARTMENT = (
    "Dirección General de Administración de Personal y Desarrollo Organizacional de la "
    "Secretaría de Administración y Finanzas"
)
EMAIL = (
    "guadalupe.hernandez.martinez.de.la.cruz.rrhh@"
    "direccion-general-de-administracion-de-personal.secretaria-de-administracion-y-finanzas"
    ".cdmx.example"
)  # longer than the page is wide: it must break inside the word
LONG_TITLE = (
    "La acción internacional de los gobiernos locales: cooperación descentralizada, "
    "redes de ciudades e incidencia en la agenda global del desarrollo sostenible"
)
#: Module titles of the long course, one quiz each: enough rows to need a second page.
MODULES = [
    f"Módulo {n}: la internacionalización de la ciudad y sus alianzas estratégicas ({n})"
    for n in range(1, 13)
]


def _long_course(tmp_path, slug: str, title: str):
    """The tiny course copied under another slug, with a long title and twelve quizzed
    modules with long titles."""
    folder = shutil.copytree(TINY, tmp_path / slug / slug)
    toml = folder / "course.toml"
    toml.write_text(toml.read_text().replace('slug = "tiny"', f'slug = "{slug}"'))
    (folder / "es" / "edition.toml").write_text(f'title = "{title}"\nsummary = "Largo."\n')
    first = folder / "es" / "01-start"
    for n, title in enumerate(MODULES, start=1):
        module = first if n == 1 else shutil.copytree(first, folder / "es" / f"{n:02d}-m{n}")
        (module / "module.toml").write_text(f'title = "{title}"\n')
    return import_folder(folder)


def _attempt(client, start_url: str, answer: str) -> None:
    client.submit(start_url)
    attempt = db.session.scalar(select(QuizAttempt).order_by(QuizAttempt.id.desc()))
    client.submit(f"/courses/larga/attempts/{attempt.id}/submit", {"q0": answer})


@pytest.fixture
def record(app, world, tiny, tmp_path, make_user, monkeypatch):
    """A person with a long e-mail in a long-named department of Mexico City: the tiny course
    completed (certificate), and two long courses begun (in the first, one module quiz failed
    then passed, another failed): more than one page."""
    monkeypatch.setitem(app.config, "BASE_URL", BASE_URL)
    city = db.session.get(Organisation, world.cdmx)
    department = accounts.create_organisation(DEPARTMENT, "cdmx-rrhh", OrgKind.DEPARTMENT, city)
    db.session.commit()
    person = make_user(department, email=EMAIL, name="Guadalupe Hernández Martínez")
    complete_tiny(app.test_client(), EMAIL, tiny)
    long = _long_course(tmp_path, "larga", LONG_TITLE)
    _long_course(tmp_path, "otra", "Segundo curso largo: " + LONG_TITLE)
    client = app.test_client()
    client.login(EMAIL)
    client.submit("/courses/larga/enrol", {"language": "es"})
    client.submit("/courses/otra/enrol", {"language": "es"})
    modules = long.version.editions[0].modules
    first = f"/courses/larga/modules/{modules[0].id}/quiz/start"
    _attempt(client, first, "false")
    _attempt(client, first, "true")
    _attempt(client, f"/courses/larga/modules/{modules[1].id}/quiz/start", "false")
    cert = db.session.scalar(select(Certificate).where(Certificate.user_id == person.id))
    assert cert is not None
    return person, cert


def _pdf(app, world, person, locale: str):
    reviewer = db.session.get(User, world.reviewer_cdmx)
    reviewer.locale = locale
    db.session.commit()
    client = app.test_client()
    client.login(world.reviewer_cdmx_email)
    response = client.get(f"/reports/officials/{person.id}/transcript.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    return pdfplumber.open(io.BytesIO(response.data))


def _squash(text: str) -> str:
    """Text without whitespace: a value wrapped over two lines still reads as one."""
    return re.sub(r"\s+", "", text)


def _inside(pdf) -> None:
    for page in pdf.pages:
        assert page.chars
        outside = [
            c["text"]
            for c in page.chars
            if c["x0"] < 0 or c["x1"] > page.width or c["top"] < 0 or c["bottom"] > page.height
        ]
        assert not outside, (page.page_number, "".join(outside))
        # A 15 mm margin all round: nothing closer to the paper's edge than 10 mm.
        mm10 = 10 / 25.4 * 72
        assert min(c["x0"] for c in page.chars) >= mm10
        assert max(c["x1"] for c in page.chars) <= page.width - mm10


def _rows(pdf) -> list[list[str]]:
    """The table rows of every page, each cell's wrapped lines joined by a space."""
    return [
        [" ".join((cell or "").split()) for cell in row]
        for page in pdf.pages
        for table in page.extract_tables()
        for row in table
    ]


def test_transcript_pdf_stays_inside_the_page_and_holds_the_record(app, world, record):
    person, cert = record
    with _pdf(app, world, person, "en") as pdf:
        _inside(pdf)
        pages = len(pdf.pages)
        assert pages >= 2
        texts = [page.extract_text() for page in pdf.pages]
        for number, text in enumerate(texts, start=1):
            assert f"Page {number} of {pages}" in text
        whole = _squash("\n".join(texts))
        code = codes.display(cert.code)
        for value in (
            person.name,
            EMAIL,
            DEPARTMENT + ", Ciudad de México",
            "Curso mínimo",
            LONG_TITLE,
            "Final exam",
            f"Certificate code: {code}",
            f"Verify it at {BASE_URL}/verify/{code}",
            "It does not expire.",
            "Status: Completed",
            "Status: In progress",
            "Generated on",
        ):
            assert _squash(value) in whole, value
        assert "Module quiz" not in "\n".join(texts)
        rows = _rows(pdf)
    assert ["Quiz", "Best score", "Attempts", "Result"] in rows
    assert set(MODULES) <= {row[0] for row in rows}  # each quiz by its module's title
    assert ["Primer módulo", "100 %", "1", "Passed"] in rows  # the tiny course's module
    assert ["Final exam", "100 %", "1", "Passed"] in rows
    assert [MODULES[0], "100 %", "2", "Passed"] in rows  # failed once, then passed
    assert [MODULES[1], "0 %", "1", "Not passed"] in rows
    assert [MODULES[2], "–", "0", "Not started"] in rows


def test_transcript_pdf_in_spanish(app, world, record):
    person, cert = record
    with _pdf(app, world, person, "es") as pdf:
        _inside(pdf)
        pages = len(pdf.pages)
        text = "\n".join(page.extract_text() for page in pdf.pages)
        rows = _rows(pdf)
    whole = _squash(text)
    code = codes.display(cert.code)
    for value in (
        f"Página 1 de {pages}",
        f"Código del certificado: {code}",
        "No caduca.",
        "Historial",
        "Examen final",
    ):
        assert _squash(value) in whole, value
    with force_locale("es"):
        # New labels come from the catalogue, whatever its translation is at this moment.
        for value in (
            _("E-mail: %(email)s", email=EMAIL),
            _("Verify it at %(url)s", url=f"{BASE_URL}/verify/{code}"),
            _("Status: %(status)s", status="Completado"),
        ):
            assert _squash(value) in whole, value
        heading = [_("Quiz"), _("Best score"), _("Attempts"), _("Result")]
    assert heading[0] == "Cuestionario" and heading in rows
    assert [MODULES[0], "100 %", "2", "Aprobado"] in rows
    assert [MODULES[1], "0 %", "1", "No aprobado"] in rows
    for english in ("Final exam", "Certificate code", "Passed", "Page 1"):
        assert english not in text


def test_revoked_certificate_says_so(app, world, record):
    person, cert = record
    cert.revoked_at = cert.issued_at
    db.session.commit()
    with _pdf(app, world, person, "en") as pdf:
        text = _squash("\n".join(page.extract_text() for page in pdf.pages))
    assert "Revokedon" in text and "Itdoesnotexpire." not in text


def test_transcript_queries_do_not_grow_with_the_record(app, world, record, tiny):
    """A fixed number of queries: one course with two quizzes costs what two courses with
    thirteen quizzes and four attempts cost."""
    person, _cert = record
    complete_tiny(app.test_client(), world.official_cdmx_email, tiny)
    client = app.test_client()
    client.login(world.reviewer_cdmx_email)

    def count(user_id: int) -> int:
        statements = []

        def note(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", note)
        try:
            assert client.get(f"/reports/officials/{user_id}/transcript.pdf").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", note)
        return sum(q.lstrip().upper().startswith("SELECT") for q in statements)

    count(person.id)  # warm: the first request loads what every later one has cached
    one, two = count(world.official_cdmx), count(person.id)
    assert 10 <= one == two, (one, two)


def test_only_the_persons_reviewers_get_the_pdf(app, world, record):
    person, _cert = record
    url = f"/reports/officials/{person.id}/transcript.pdf"
    for email, status in (
        (world.reviewer_bh_email, 404),  # a reviewer of another city
        (world.official_bh_email, 403),
        (world.reviewer_cdmx_email, 200),
    ):
        client = app.test_client()
        client.login(email)
        assert client.get(url).status_code == status, email
    assert db.session.scalar(select(Course).where(Course.slug == "larga")) is not None


def test_transcript_page_names_each_quiz_by_its_module(app, world, record):
    person, cert = record
    client = app.test_client()
    client.login(world.reviewer_cdmx_email)
    html = client.get(f"/reports/officials/{person.id}").get_data(as_text=True)
    assert MODULES[0] in html and MODULES[1] in html and "Primer módulo" in html
    assert "Cuestionario del módulo" not in html
    assert f'href="/verify/{cert.code}"' in html
    assert f"{DEPARTMENT}, Ciudad de México" in html
