"""Staff CSV import: the whole file is checked first, and one bad row stops everything."""

import codecs
import io
import time
from datetime import date

import openpyxl
import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import Organisation, User
from app.accounts.staff_import import StaffImportError, import_staff
from app.extensions import db

HEADER = "email,name,department,job_title,locale\n"


def _count_users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def _errors(data: bytes, org_id: int, **kwargs) -> list[str]:
    org = db.session.get(Organisation, org_id)
    before = _count_users()
    with pytest.raises(StaffImportError) as info:
        import_staff(data, org, **kwargs)
    db.session.rollback()
    assert _count_users() == before
    return [f"{e.row}|{e.column or ''}|{e.message}" for e in info.value.errors]


def test_good_file_creates_accounts_in_departments(world):
    data = (
        HEADER
        + "ana.lopez@cdmx.example,Ana López,Secretaría de Cultura,Analista,es\n"
        + "bruno@cdmx.example,Bruno Díaz,,Asesor,\n"
        + "clara@cdmx.example,Clara Souza,secretaría de finanzas,,pt-BR\n"
    ).encode()
    result = import_staff(data, db.session.get(Organisation, world.cdmx))
    db.session.commit()
    assert len(result.created) == 3
    ana = services.find_user_by_email("ana.lopez@cdmx.example")
    assert ana.organisation_id == world.cdmx_culture
    assert ana.job_title == "Analista"
    assert ana.password_hash is None
    assert services.find_user_by_email("bruno@cdmx.example").organisation_id == world.cdmx
    assert services.find_user_by_email("bruno@cdmx.example").locale == "es"
    clara = services.find_user_by_email("clara@cdmx.example")
    assert clara.organisation_id == world.cdmx_finance
    assert clara.locale == "pt_BR"


def test_bom_semicolons_crlf_and_column_order_are_accepted(world):
    data = "\ufefflocale;email;name;job_title;department\r\nfr;Zoe@CDMX.example;Zoé;;\r\n"
    result = import_staff(data.encode(), db.session.get(Organisation, world.cdmx))
    assert len(result.created) == 1
    assert services.find_user_by_email("zoe@cdmx.example").locale == "fr"


def test_importing_again_updates_instead_of_duplicating(world):
    org = db.session.get(Organisation, world.cdmx)
    import_staff((HEADER + "ana@cdmx.example,Ana,,Analista,es\n").encode(), org)
    db.session.commit()
    result = import_staff((HEADER + "ana@cdmx.example,Ana María,,Jefa,es\n").encode(), org)
    db.session.commit()
    assert result.created == []
    assert result.updated == 1
    assert services.find_user_by_email("ana@cdmx.example").job_title == "Jefa"
    assert db.session.scalar(select(func.count()).where(User.email == "ana@cdmx.example")) == 1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "1||The file is empty."),
        (b"   \n", "1||The file is empty."),
        (b"mail,nombre\nx@y.org,X\n", "1||The header must be"),
        (b"email,name,department,job_title,locale,extra\n", "1||The header must be"),
        (HEADER.encode(), "2||The file has a header but no rows."),
    ],
)
def test_file_level_problems(app, world, data, expected):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        messages = _errors(data, world.cdmx)
    assert messages[0].startswith(expected)


def test_text_that_is_no_encoding_is_named(app, world):
    # A UTF-16 byte-order mark, then an odd number of bytes: no UTF-16 text.
    data = codecs.BOM_UTF16_LE + HEADER.encode("utf-16-le") + b"x"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        messages = _errors(data, world.cdmx)
    assert messages == [
        '2||The file cannot be read as text. Save it as "CSV UTF-8" or as an Excel workbook'
        " (.xlsx) and try again."
    ]


def test_every_bad_row_is_reported_with_row_and_column(app, world):
    data = (
        HEADER
        + "good@cdmx.example,Good,,,es\n"
        + "not-an-email,Bad Email,,,es\n"
        + ",No Email,,,es\n"
        + "noname@cdmx.example,,,,es\n"
        + "lang@cdmx.example,Lang,,,de\n"
        + "good@cdmx.example,Duplicate,,,es\n"
        + "dept@cdmx.example,Dept,Atlantis,,es\n"
        + "short@cdmx.example,Short\n"
        + f"{world.official_bh_email},Other City,,,pt_BR\n"
    ).encode()
    with app.test_request_context(headers={"Accept-Language": "en"}):
        messages = _errors(data, world.cdmx)
    assert messages == [
        "3|email|This is not a valid e-mail address.",
        "4|email|This value is required.",
        "5|name|This value is required.",
        '6|locale|Unknown language "de"; use one of es, pt_BR, fr, en.',
        "7|email|This address already appears on row 2.",
        '8|department|No department "Atlantis" in Ciudad de México.',
        "9||Expected 5 columns, found 2.",
        "10|email|This address belongs to an account in another organisation.",
    ]


def test_errors_are_in_the_users_language(app, world):
    with app.test_request_context(headers={"Accept-Language": "fr"}):
        messages = _errors((HEADER + ",X,,,es\n").encode(), world.cdmx)
    assert messages[0].startswith("2|email|")
    assert "This value is required." not in messages[0]


def test_missing_departments_are_created_on_request(world):
    data = (HEADER + "a@cdmx.example,A,Movilidad,,es\nb@cdmx.example,B,movilidad,,es\n").encode()
    result = import_staff(data, db.session.get(Organisation, world.cdmx), create_departments=True)
    db.session.commit()
    assert result.departments_created == ["Movilidad"]
    dept = services.find_department(db.session.get(Organisation, world.cdmx), "Movilidad")
    assert dept.slug == "cdmx-movilidad"
    assert {
        u.organisation_id
        for u in db.session.scalars(select(User).where(User.email.like("%@cdmx.example")))
    } == {dept.id}


def test_ten_thousand_rows_with_one_bad_imports_nothing_and_names_the_row(app, world):
    lines = [HEADER] + [f"person{n}@big.example,Person {n},,,es\n" for n in range(10_000)]
    lines[7_778] = "person7777@big.example,Person 7777,,,klingon\n"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        messages = _errors("".join(lines).encode(), world.cdmx)
    assert messages == ['7779|locale|Unknown language "klingon"; use one of es, pt_BR, fr, en.']


def test_ten_thousand_good_rows_import_in_bulk(world):
    data = "".join([HEADER] + [f"p{n}@big.example,Person {n},,,es\n" for n in range(10_000)])
    start = time.perf_counter()
    result = import_staff(data.encode(), db.session.get(Organisation, world.cdmx))
    db.session.commit()
    elapsed = time.perf_counter() - start
    assert len(result.created) == 10_000
    assert db.session.scalar(select(func.count()).where(User.email.like("%@big.example"))) == 10_000
    # Not a benchmark: a guard against a regression to one query per row (minutes, not seconds).
    assert elapsed < 60


def test_cli_import_good_file(runner, world, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "cli@bh.example,Cli Person,Secretaria Municipal de Fazenda,,pt_BR\n")
    result = runner.invoke(
        args=["users", "import-csv", str(path), "--organisation", "belo-horizonte"]
    )
    assert result.exit_code == 0, result.output
    assert "1 created, 0 updated" in result.output
    assert services.find_user_by_email("cli@bh.example").organisation_id == world.bh_finance


def test_cli_import_bad_file_prints_file_line_and_changes_nothing(runner, world, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "ok@bh.example,Ok,,,pt_BR\nbad,Bad,,,pt_BR\n")
    result = runner.invoke(
        args=["users", "import-csv", str(path), "--organisation", "belo-horizonte"]
    )
    assert result.exit_code == 1
    assert f"{path}:3: email: This is not a valid e-mail address." in result.output
    assert "nothing was imported" in result.output
    assert services.find_user_by_email("ok@bh.example") is None


def test_cli_import_unknown_organisation(runner, world, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(HEADER)
    result = runner.invoke(args=["users", "import-csv", str(path), "--organisation", "atlantis"])
    assert result.exit_code != 0
    assert "atlantis" in result.output


def _upload(client, org_id, text, **extra):
    data = {"organisation": org_id, "file": (io.BytesIO(text.encode()), "staff.csv")}
    data.update(extra)
    return client.submit("/staff/import", data, content_type="multipart/form-data")


def test_web_import_shows_every_error_and_imports_nothing(client, world):
    client.login(world.reviewer_cdmx_email)
    response = _upload(client, world.cdmx, HEADER + "ok@cdmx.example,Ok,,,es\nbad,Bad,,,es\n")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Fila 3, email:" in html
    assert services.find_user_by_email("ok@cdmx.example") is None


def test_web_import_good_file_sends_invitations(client, world, outbox):
    client.login(world.reviewer_cdmx_email)
    response = _upload(
        client,
        world.cdmx,
        HEADER + "a@cdmx.example,A,,,es\nb@cdmx.example,B,,,fr\n",
        send_invitations="y",
    )
    assert response.status_code == 302
    # Each invitation speaks the language the file gave its person.
    assert {m.to: m.subject for m in outbox} == {
        "a@cdmx.example": "Está invitado a Aula",
        "b@cdmx.example": "Vous êtes invité(e) sur Aula",
    }


def test_web_import_refuses_another_citys_organisation(client, world):
    client.login(world.reviewer_bh_email)
    response = _upload(client, world.cdmx, HEADER + "x@cdmx.example,X,,,es\n")
    assert response.status_code == 200  # the choice is not offered: a form error, not an import
    assert services.find_user_by_email("x@cdmx.example") is None


def test_web_import_without_file_is_a_form_error(app, client, world):
    client.login(world.reviewer_cdmx_email)
    response = client.submit("/staff/import", {"organisation": world.cdmx})
    assert response.status_code == 200
    with app.test_request_context(headers={"Accept-Language": "es"}):
        message = gettext("Choose a CSV or Excel file.")
    assert message in response.get_data(as_text=True)


def test_the_page_documents_the_accepted_column_names(client, world):
    client.login(world.reviewer_cdmx_email)
    html = client.get("/staff/import").get_data(as_text=True)
    for name in ("correo electrónico", "courriel", "endereço de e-mail", "nome", "órgão"):
        assert name in html


# What Excel and HR offices save -----------------------------------------------------------

PEOPLE = [
    ("jose.pena@cdmx.example", "José Peña", "Secretaría de Cultura", "Analista", "es"),
    ("joao@cdmx.example", "João Gonçalves", "", "Asesor", "pt_BR"),
]


def _imported(data: bytes, world) -> dict[str, User]:
    result = import_staff(data, db.session.get(Organisation, world.cdmx))
    assert len(result.created) == len(PEOPLE)
    return {u.email: u for u in db.session.scalars(select(User).where(User.id.in_(result.created)))}


def _check(people: dict[str, User], world) -> None:
    jose = people["jose.pena@cdmx.example"]
    assert (jose.name, jose.job_title, jose.locale) == ("José Peña", "Analista", "es")
    assert jose.organisation_id == world.cdmx_culture
    assert people["joao@cdmx.example"].name == "João Gonçalves"
    assert people["joao@cdmx.example"].locale == "pt_BR"


def _text(header: str, sep: str) -> str:
    return "\r\n".join([header] + [sep.join(p) for p in PEOPLE]) + "\r\n"


def test_utf8_with_a_bom_and_semicolons(world):
    data = codecs.BOM_UTF8 + _text("email;name;department;job_title;locale", ";").encode()
    _check(_imported(data, world), world)


def test_spanish_excel_csv_in_windows_1252_with_spanish_headers(world):
    """What Spanish Excel saves as "CSV (delimitado por comas)": cp1252 and ";"."""
    data = _text("Correo electrónico;Nombre;Dependencia;Puesto;Idioma", ";").encode("cp1252")
    assert "José Peña".encode("cp1252") in data
    _check(_imported(data, world), world)


def test_excel_unicode_text_is_utf16_with_tabs(world):
    data = _text("E-mail\tNome\tDepartamento\tCargo\tIdioma", "\t").encode("utf-16")
    assert data.startswith(codecs.BOM_UTF16_LE)
    _check(_imported(data, world), world)


def test_french_headers_with_commas_and_no_accents_or_case(world):
    data = _text("COURRIEL,Nom,Departement,Fonction,LANGUE", ",").encode()
    _check(_imported(data, world), world)


def test_portuguese_headers_any_order(world):
    header = "idioma;função;nome completo;endereço de e-mail;órgão"
    rows = [";".join((p[4], p[3], p[1], p[0], p[2])) for p in PEOPLE]
    data = ("\n".join([header, *rows]) + "\n").encode()
    _check(_imported(data, world), world)


def _workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_an_excel_workbook_is_read_by_its_content(app, client, world):
    data = _workbook(
        [["Correo", "Nombre", "Departamento", "Puesto", "Idioma", None]]
        + [list(p) for p in PEOPLE]
        + [[None] * 5]  # an empty row in the middle of the sheet
        + [["num@cdmx.example", "Número", None, 2024.0, date(2026, 1, 2)]]
    )
    with app.test_request_context(headers={"Accept-Language": "en"}):
        messages = _errors(data, world.cdmx)
    # The row numbers are the sheet's; the column is named as the sheet's header names it.
    assert messages == ['5|Idioma|Unknown language "2026-01-02"; use one of es, pt_BR, fr, en.']
    client.login(world.reviewer_cdmx_email)
    response = client.submit(
        "/staff/import",
        {
            "organisation": world.cdmx,
            "file": (
                io.BytesIO(
                    _workbook(
                        [["email", "name", "department", "job_title", "locale"]]
                        + [list(p) for p in PEOPLE]
                    )
                ),
                "personal.dat",
            ),
            "send_invitations": "",
        },
    )
    assert response.status_code == 302
    _check(
        {
            u.email: u
            for u in db.session.scalars(select(User).where(User.email.in_([p[0] for p in PEOPLE])))
        },
        world,
    )


def test_a_damaged_workbook_is_named(app, world):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        messages = _errors(b"PK\x03\x04 not really a zip", world.cdmx)
    assert messages[0].startswith("1||The Excel file cannot be read")


def test_a_bad_file_in_spanish_gets_every_error_with_its_line_and_column(app, world):
    header = "Correo;Nombre;Dependencia;Puesto;Idioma"
    rows = [
        "bien@cdmx.example;Bien;;;es",
        "no-es-correo;Malo;;;es",
        ";Sin correo;;;es",
        "sin.nombre@cdmx.example;;;;es",
        "idioma@cdmx.example;Idioma;;;de",
        "dep@cdmx.example;Dep;Atlántida;;es",
    ]
    data = ("\r\n".join([header, *rows]) + "\r\n").encode("cp1252")
    with app.test_request_context(headers={"Accept-Language": "en"}):
        messages = _errors(data, world.cdmx)
    assert messages == [
        "3|Correo|This is not a valid e-mail address.",
        "4|Correo|This value is required.",
        "5|Nombre|This value is required.",
        '6|Idioma|Unknown language "de"; use one of es, pt_BR, fr, en.',
        '7|Dependencia|No department "Atlántida" in Ciudad de México.',
    ]
    assert services.find_user_by_email("bien@cdmx.example") is None
