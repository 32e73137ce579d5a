"""Every reports route and export, for every role and for two sibling cities: the answer is
refused, or holds only the caller's data."""

import io
import itertools

import openpyxl
import pytest
from sqlalchemy import select

from app.accounts.models import Organisation, User
from app.extensions import db
from app.learning import assignments
from tests.accounts.test_permissions import ROLES
from tests.certificates.conftest import complete_tiny

# What must never appear for a caller from the other city (names, e-mails, city names).
CDMX_MARKS = ("Guadalupe", "official.cdmx@", "Ciudad de México", "Secretaría de Finanzas")
BH_MARKS = ("João", "Gonçalves", "official.bh@", "Belo Horizonte")
SCOPE = {
    # role -> marks it must not see (None: sees both cities, as a network-wide role)
    "reviewer_cdmx": BH_MARKS,
    "admin_cdmx": BH_MARKS,
    "reviewer_bh": CDMX_MARKS,
    "reviewer_mg": CDMX_MARKS,
    "admin": None,
}


def _urls(world):
    filters = ["", f"organisation={world.cdmx}", f"organisation={world.bh}", "status=overdue"]
    pages = [
        "/reports/",
        "/reports/officials",
        "/reports/officials.csv",
        "/reports/officials.xlsx",
        "/reports/tables/departments.csv",
        "/reports/tables/courses.xlsx",
        "/reports/tables/months.csv",
        "/reports/network",
        "/assignments/",
    ]
    people = [
        f"/reports/officials/{world.official_cdmx}",
        f"/reports/officials/{world.official_cdmx}/transcript.pdf",
        f"/reports/officials/{world.official_bh}",
    ]
    return [f"{p}?{f}" if f else p for p, f in itertools.product(pages, filters)] + people


def _text(response) -> str:
    if response.mimetype.endswith("spreadsheetml.sheet"):
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        return "\n".join(str(c.value) for row in sheet.iter_rows() for c in row)
    if response.mimetype == "application/pdf":
        import pypdf

        return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.data)).pages)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_reports_answer_only_with_the_callers_data(app, world, tiny, role):
    complete_tiny(app.test_client(), world.official_cdmx_email, tiny)
    complete_tiny(app.test_client(), world.official_bh_email, tiny)
    reviewer = db.session.get(User, world.reviewer_cdmx)
    assignments.create(reviewer, tiny.course, db.session.get(Organisation, world.cdmx), due_days=3)
    db.session.commit()
    client = app.test_client()
    if role != "anonymous":
        client.login(getattr(world, f"{role}_email"))
    for url in _urls(world):
        response = client.get(url)
        if role not in SCOPE:
            assert response.status_code in (302, 403, 404), (role, url, response.status_code)
            continue
        if response.status_code in (400, 403, 404):
            continue  # refused: a filter outside the scope, or a person not theirs
        assert response.status_code == 200, (role, url, response.status_code)
        text = _text(response)
        forbidden = SCOPE[role]
        if forbidden is None:
            continue
        body = text.split("</form>", 1)[-1] if "<form" in text else text
        # The filter form may name the caller's own organisations only; below it, nothing
        # of the other city may appear.
        leaked = [mark for mark in forbidden if mark in body]
        assert not leaked, (role, url, leaked)


def test_sibling_city_person_pages_are_not_found(app, world, tiny):
    client = app.test_client()
    client.login(world.reviewer_bh_email)
    for url in (
        f"/reports/officials/{world.official_cdmx}",
        f"/reports/officials/{world.official_cdmx}/transcript.pdf",
    ):
        assert client.get(url).status_code == 404
    own = db.session.scalar(select(User).where(User.id == world.official_bh))
    assert client.get(f"/reports/officials/{own.id}").status_code == 200
