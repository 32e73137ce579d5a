"""Each audited action, done through the real pages and commands, leaves its entry."""

import io
import zipfile

from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import Membership
from app.audit.models import AuditEntry
from app.extensions import db
from app.quizzes import services as quizzes
from tests.conftest import PASSWORD, TINY

NEW_PASSWORD = "Otra-clave-muy-larga-2026"


def _entries(action: str) -> list[AuditEntry]:
    return db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    ).all()


def _one(action: str) -> AuditEntry:
    found = _entries(action)
    assert len(found) == 1, [(e.action, e.detail) for e in found]
    return found[0]


def _from_the_web(entry: AuditEntry, actor_id: int | None, organisation_id: int | None):
    assert entry.actor_id == actor_id
    assert entry.organisation_id == organisation_id
    assert entry.ip_address == "127.0.0.1"
    assert entry.user_agent  # the test client's own name
    assert entry.at is not None


def test_sign_in_and_out(client, world):
    assert client.login(world.official_bh_email).status_code == 302
    entry = _one("auth.login")
    _from_the_web(entry, world.official_bh, world.bh_finance)
    assert (entry.target_type, entry.target_id) == ("user", world.official_bh)
    client.logout()
    _from_the_web(_one("auth.logout"), world.official_bh, world.bh_finance)


def test_failed_sign_ins_name_the_address_typed_and_never_the_password(client, world):
    client.login(world.official_bh_email.upper(), "wrong-password-1")
    client.login("  Nobody@Example.ORG ", "wrong-password-2")
    client.login("x" * 200 + "@example.org", "wrong-password-3")
    known, unknown, long_one = _entries("auth.login_failed")
    _from_the_web(known, None, world.bh_finance)
    assert (known.target_type, known.target_id) == ("user", world.official_bh)
    assert known.detail == {"email": world.official_bh_email, "reason": "wrong_password"}
    _from_the_web(unknown, None, None)
    assert (unknown.target_type, unknown.target_id) == ("login", 0)
    assert unknown.detail == {"email": "nobody@example.org", "reason": "unknown_account"}
    assert long_one.detail["email"] == "x" * 120
    for entry in (known, unknown, long_one):
        assert "wrong-password" not in str(entry.detail)
    assert _entries("auth.login") == []


def test_failed_sign_ins_are_written_no_faster_than_the_rate_limit(app, client, world):
    app.config["LOGIN_LIMIT"] = "3 per minute"
    statuses = [client.login(world.official_bh_email, "wrong").status_code for _ in range(6)]
    assert statuses.count(429) == 3
    assert len(_entries("auth.login_failed")) == 3


def test_reviewers_of_the_city_see_failed_sign_ins_of_their_people(client, world):
    client.login(world.official_bh_email, "wrong")
    client.login(world.reviewer_bh_email)
    assert world.official_bh_email in client.get("/audit/?action=auth").get_data(as_text=True)
    client.logout()
    client.login(world.reviewer_cdmx_email)
    assert world.official_bh_email not in client.get("/audit/").get_data(as_text=True)


def test_password_change_and_reset(client, world):
    client.login(world.official_cdmx_email)
    response = client.submit(
        "/profile/password",
        {"pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    _from_the_web(_one("auth.password_change"), world.official_cdmx, world.cdmx_finance)

    user = accounts.find_user_by_email(world.official_bh_email)
    token = accounts.make_token(user, accounts.RESET)
    response = client.submit(
        f"/password/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert response.status_code == 302
    _from_the_web(_one("auth.password_reset"), world.official_bh, world.bh_finance)


def test_invitation_sent_and_accepted(client, world):
    client.login(world.reviewer_bh_email)
    response = client.submit(
        "/staff/invite",
        {"email": "nova@bh.example", "name": "Nova", "organisation": world.bh, "locale": "pt_BR"},
    )
    assert response.status_code == 302
    created = [e for e in _entries("account.create") if e.actor_id is not None]
    assert len(created) == 1
    _from_the_web(created[0], world.reviewer_bh, world.bh)
    newcomer = accounts.find_user_by_email("nova@bh.example")
    assert created[0].target_id == newcomer.id

    client.logout()
    token = accounts.make_token(newcomer, accounts.INVITE)
    client.submit(f"/invitation/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    _from_the_web(_one("auth.invitation_accept"), newcomer.id, world.bh)


def test_role_grant_revoke_and_account_edit(client, world):
    client.login(world.admin_cdmx_email)
    client.submit(
        f"/admin/users/{world.official_cdmx}/roles",
        {"role": "reviewer", "organisation": world.cdmx_finance},
    )
    # Granting again changes nothing, and records nothing.
    client.submit(
        f"/admin/users/{world.official_cdmx}/roles",
        {"role": "reviewer", "organisation": world.cdmx_finance},
    )
    granted = [e for e in _entries("role.grant") if e.actor_id is not None]
    assert len(granted) == 1
    _from_the_web(granted[0], world.admin_cdmx, world.cdmx_finance)
    assert granted[0].detail == {"role": "reviewer", "over": "cdmx-finanzas"}
    assert (granted[0].target_type, granted[0].target_id) == ("user", world.official_cdmx)

    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == world.official_cdmx)
    )
    assert client.submit(f"/admin/memberships/{membership.id}/revoke").status_code == 302
    revoked = _one("role.revoke")
    _from_the_web(revoked, world.admin_cdmx, world.cdmx_finance)
    assert revoked.detail == {"role": "reviewer", "over": "cdmx-finanzas"}

    client.submit(
        f"/admin/users/{world.official_cdmx}",
        {"name": "Guadalupe H. Ruiz", "organisation": world.cdmx_culture, "locale": "es"},
    )
    edited = _one("account.update")
    _from_the_web(edited, world.admin_cdmx, world.cdmx_culture)
    html = client.get("/audit/?action=account.update").get_data(as_text=True)
    assert "organisation=cdmx-finanzas → cdmx-cultura" in html
    assert edited.detail == {
        "changes": {
            "name": ["Guadalupe Hernández", "Guadalupe H. Ruiz"],
            "organisation": ["cdmx-finanzas", "cdmx-cultura"],
            "is_active": [True, False],
        }
    }


def test_staff_import_from_the_web_and_the_command_line(client, runner, world, tmp_path):
    header = "email,name,department,job_title,locale\n"
    client.login(world.reviewer_cdmx_email)
    response = client.submit(
        "/staff/import",
        {
            "organisation": world.cdmx,
            "file": (io.BytesIO((header + "a@cdmx.example,A,,,es\n").encode()), "s.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    web = _one("staff.import")
    _from_the_web(web, world.reviewer_cdmx, world.cdmx)
    assert (web.target_type, web.target_id) == ("organisation", world.cdmx)
    assert web.detail == {"created": 1, "updated": 0, "departments_created": 0}

    path = tmp_path / "staff.csv"
    path.write_text(header + "a@cdmx.example,A again,,,es\nb@cdmx.example,B,,,es\n")
    result = runner.invoke(args=["users", "import-csv", str(path), "--organisation", "cdmx"])
    assert result.exit_code == 0, result.output
    cli = _entries("staff.import")[1]
    assert (cli.actor_id, cli.ip_address, cli.organisation_id) == (None, None, world.cdmx)
    assert cli.detail == {"created": 1, "updated": 1, "departments_created": 0}

    # A refused file changes nothing, so it records nothing either.
    path.write_text(header + "not-an-address,X,,,es\n")
    result = runner.invoke(args=["users", "import-csv", str(path), "--organisation", "cdmx"])
    assert result.exit_code == 1
    assert len(_entries("staff.import")) == 2


def test_course_import_from_the_command_line_and_as_an_upload(client, runner, world):
    result = runner.invoke(args=["courses", "import", str(TINY)])
    assert result.exit_code == 0, result.output
    entry = _one("course.import")
    assert (entry.actor_id, entry.ip_address, entry.target_type) == (None, None, "course")
    assert entry.detail == {"version": 1, "created": True, "source": "cli"}

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(TINY.rglob("*")):
            if path.is_file():
                archive.write(path, f"tiny/{path.relative_to(TINY).as_posix()}")
    client.login(world.admin_email)
    response = client.submit(
        "/author/",
        {"package": (io.BytesIO(buffer.getvalue()), "tiny.zip")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    upload = _entries("course.import")[1]
    # A course belongs to no city: the entry is filed under the actor's organisation.
    _from_the_web(upload, world.admin, world.network)
    assert upload.detail == {"version": 1, "created": False}


def test_report_exports_record_table_format_and_filters(client, world):
    client.login(world.reviewer_mg_email)
    assert client.get("/reports/officials.csv?q=jo").status_code == 200
    assert client.get(f"/reports/officials.xlsx?organisation={world.bh}").status_code == 200
    assert client.get("/reports/tables/departments.csv?start=2020-01-01").status_code == 200
    # A refused export (bad filter) is not an export.
    assert client.get("/reports/tables/months.xlsx?start=nope").status_code == 400
    first, second, third = _entries("export.report")
    _from_the_web(first, world.reviewer_mg, world.state)
    assert first.detail == {"table": "officials", "format": "csv", "filters": {"q": "jo"}}
    _from_the_web(second, world.reviewer_mg, world.bh)
    assert second.detail == {
        "table": "officials",
        "format": "xlsx",
        "filters": {"organisation": str(world.bh)},
    }
    assert third.detail == {
        "table": "departments",
        "format": "csv",
        "filters": {"start": "2020-01-01"},
    }


def test_transcript_certificates_and_quiz_analysis_exports(client, world, tiny):
    client.login(world.reviewer_bh_email)
    pdf = client.get(f"/reports/officials/{world.official_bh}/transcript.pdf")
    assert pdf.status_code == 200
    transcript = _one("export.transcript")
    _from_the_web(transcript, world.reviewer_bh, world.bh_finance)
    assert (transcript.target_type, transcript.target_id) == ("user", world.official_bh)

    archive = client.get("/certificates/manage/certificates.zip?start=2020-01-01")
    assert archive.status_code == 200
    certificates = _one("export.certificates")
    _from_the_web(certificates, world.reviewer_bh, world.bh)
    assert certificates.detail == {"format": "zip", "filters": {"start": "2020-01-01"}}

    client.logout()
    client.login(world.trainer_email)
    edition = tiny.version.editions[0]
    ref = quizzes.quizzes_of(edition)[0]
    analysis = client.get(f"/teach/editions/{edition.id}/quizzes/{ref.key}.csv")
    assert analysis.status_code == 200
    entry = _one("export.quiz_analysis")
    _from_the_web(entry, world.trainer, world.network)
    assert (entry.target_type, entry.target_id) == ("edition", edition.id)
    assert entry.detail == {
        "format": "csv",
        "filters": {},
        "course": "tiny",
        "language": edition.language,
        "quiz": ref.key,
    }
