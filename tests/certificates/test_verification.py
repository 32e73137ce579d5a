"""Public verification, revocation, privacy, downloads and who may do what."""

import io
import json
import zipfile
from datetime import timedelta

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.certificates import codes, services
from app.certificates.models import Certificate
from app.extensions import db


def _url(cert, suffix=""):
    return f"/verify/{codes.display(cert.code)}{suffix}"


def test_valid_certificate_page_shows_only_what_is_public(app, certificate):
    anonymous = app.test_client()
    html = anonymous.get(_url(certificate)).get_data(as_text=True)
    assert "Válido" in html
    for shown in ("Guadalupe Hernández", "Curso mínimo", "Red AL-LAs · Ciudad de México"):
        assert shown in html
    assert "official.cdmx@test.example" not in html
    # Lower case and spaces instead of hyphens find it too.
    loose = codes.display(certificate.code).lower().replace("-", " ")
    assert anonymous.get(f"/verify/{loose}").status_code == 200
    # The form sends to the page.
    response = anonymous.get("/verify", query_string={"code": loose})
    assert response.status_code == 302 and "/verify/" in response.headers["Location"]


def test_wrong_and_malformed_codes_get_the_same_not_found(app, certificate):
    anonymous = app.test_client()
    wrong = anonymous.get("/verify/ABCD-EFGH-JKMN-PQRS")
    malformed = anonymous.get("/verify/not-a-code-at-all!")
    assert wrong.status_code == malformed.status_code == 404
    # Identical but for the page's own address (in the language switcher).
    assert wrong.get_data(as_text=True).replace("ABCD-EFGH-JKMN-PQRS", "X") == malformed.get_data(
        as_text=True
    ).replace("not-a-code-at-all!", "X")
    assert "No encontrado" in wrong.get_data(as_text=True)
    assert anonymous.get("/verify/ABCD-EFGH-JKMN-PQRS.json").status_code == 404


def test_verification_is_rate_limited(app, certificate):
    app.config["VERIFY_LIMIT"] = "3 per minute"
    anonymous = app.test_client()
    statuses = [anonymous.get(f"/verify/ABCD-EFGH-JKMN-PQR{c}").status_code for c in "STWXY"]
    assert statuses == [404, 404, 404, 429, 429]


def test_reviewer_revokes_and_the_page_says_so(app, client, world, certificate):
    reviewer = app.test_client()
    reviewer.login(world.reviewer_cdmx_email)
    assert codes.display(certificate.code) in reviewer.get("/certificates/manage").get_data(
        as_text=True
    )
    empty = reviewer.submit(f"{'/certificates/'}{certificate.code}/revoke", {"reason": " "})
    assert empty.status_code == 302
    assert db.session.get(Certificate, certificate.id).revoked_at is None
    reviewer.submit(f"/certificates/{certificate.code}/revoke", {"reason": "Datos erróneos"})
    db.session.expire_all()
    cert = db.session.get(Certificate, certificate.id)
    assert cert.revoked_by_id == world.reviewer_cdmx and cert.revoked_reason == "Datos erróneos"
    html = app.test_client().get(_url(cert)).get_data(as_text=True)
    assert "Revocado el" in html and "Datos erróneos" in html
    # Twice: refused, nothing changes, one audit entry.
    again = reviewer.submit(
        f"/certificates/{cert.code}/revoke", {"reason": "otra"}, follow_redirects=True
    )
    assert "ya estaba revocado" in again.get_data(as_text=True)
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action.startswith("certificate."))
    ).all()
    assert [(e.action, e.actor_id, e.detail["reason"]) for e in entries] == [
        ("certificate.revoke", world.reviewer_cdmx, "Datos erróneos")
    ]
    # The published status list has the bit set.
    listing = client.get("/credentials/status").get_json()
    assert services.is_revoked_in(listing["credentialSubject"]["encodedList"], cert.id)
    assert not services.is_revoked_in(listing["credentialSubject"]["encodedList"], cert.id + 1)


def test_another_citys_reviewer_cannot_see_or_revoke(app, world, certificate):
    other = app.test_client()
    other.login(world.reviewer_bh_email)
    assert codes.display(certificate.code) not in other.get("/certificates/manage").get_data(
        as_text=True
    )
    assert (
        other.submit(f"/certificates/{certificate.code}/revoke", {"reason": "x"}).status_code == 404
    )
    assert other.get(f"/certificates/{certificate.code}/certificate.pdf").status_code == 404
    archive = zipfile.ZipFile(io.BytesIO(other.get("/certificates/manage/certificates.zip").data))
    assert archive.namelist() == []
    official = app.test_client()
    official.login(world.official_bh_email)
    assert (
        official.submit(f"/certificates/{certificate.code}/revoke", {"reason": "x"}).status_code
        == 403
    )
    assert official.get(f"/certificates/{certificate.code}/certificate.pdf").status_code == 404
    assert db.session.get(Certificate, certificate.id).revoked_at is None


def test_downloads_for_holder_and_own_reviewer(app, client, world, certificate):
    pdf = client.get(f"/certificates/{codes.display(certificate.code)}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    reviewer = app.test_client()
    reviewer.login(world.reviewer_cdmx_email)
    assert reviewer.get(f"/certificates/{certificate.code}/certificate.pdf").status_code == 200
    archive = zipfile.ZipFile(
        io.BytesIO(reviewer.get("/certificates/manage/certificates.zip").data)
    )
    assert archive.namelist() == [f"{codes.display(certificate.code)}.pdf"]
    assert archive.read(archive.namelist()[0]).startswith(b"%PDF")
    today = certificate.issued_at.date()
    later = (today + timedelta(days=1)).isoformat()
    empty = reviewer.get("/certificates/manage/certificates.zip", query_string={"start": later})
    assert zipfile.ZipFile(io.BytesIO(empty.data)).namelist() == []
    anonymous = app.test_client()
    assert anonymous.get(f"/certificates/{certificate.code}/certificate.pdf").status_code == 302


def test_expired_certificate_says_when(app, certificate):
    certificate.expires_at = certificate.issued_at - timedelta(days=1)
    db.session.commit()
    html = app.test_client().get(_url(certificate)).get_data(as_text=True)
    assert "Venció el" in html


def test_holder_can_hide_their_name(app, client, world, certificate):
    client.submit(f"/certificates/{certificate.code}/privacy", {f"c{certificate.id}-show_name": ""})
    db.session.expire_all()
    assert db.session.get(Certificate, certificate.id).show_name is False
    anonymous = app.test_client()
    html = anonymous.get(_url(certificate)).get_data(as_text=True)
    assert "Guadalupe" not in html
    assert anonymous.get(_url(certificate, ".json")).status_code == 404
    assert client.get(_url(certificate, ".json")).status_code == 200
    # Only the holder decides.
    reviewer = app.test_client()
    reviewer.login(world.reviewer_cdmx_email)
    response = reviewer.submit(
        f"/certificates/{certificate.code}/privacy", {f"c{certificate.id}-show_name": "y"}
    )
    assert response.status_code == 404
    assert db.session.get(Certificate, certificate.id).show_name is False


def _check(client, text):
    return client.submit("/verify/credential", {"credential": text}).get_data(as_text=True)


def test_pasted_credentials_are_judged(app, certificate):
    anonymous = app.test_client()
    anonymous.get("/verify")
    assert "Auténtico." in _check(anonymous, certificate.credential)
    assert "Auténtico." in _check(anonymous, certificate.credential_jwt)
    tampered = json.loads(certificate.credential)
    tampered["credentialSubject"]["name"] = "Otra Persona"
    assert "La firma no corresponde" in _check(anonymous, json.dumps(tampered))
    assert "ni JSON ni un JSON Web Token" in _check(anonymous, "{not json")
    # A JWT signed by another key under the same key id.
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = jwt.decode(certificate.credential_jwt, options={"verify_signature": False})
    kid = jwt.get_unverified_header(certificate.credential_jwt)["kid"]
    forged = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": kid})
    assert "La firma no corresponde" in _check(anonymous, forged)
    unknown = jwt.encode(claims, stranger, algorithm="RS256", headers={"kid": "nope"})
    assert "nunca publicó" in _check(anonymous, unknown)
    # An uploaded file works the same way.
    upload = anonymous.submit(
        "/verify/credential",
        {"upload": (io.BytesIO(certificate.credential.encode()), "badge.json")},
        content_type="multipart/form-data",
    )
    assert "Auténtico." in upload.get_data(as_text=True)
    empty = anonymous.submit("/verify/credential", {"credential": ""})
    assert empty.status_code == 400


def test_a_revoked_credential_is_authentic_but_revoked(app, world, certificate):
    reviewer = app.test_client()
    reviewer.login(world.reviewer_cdmx_email)
    reviewer.submit(f"/certificates/{certificate.code}/revoke", {"reason": "Error"})
    html = _check(app.test_client(), certificate.credential)
    assert "Revocado." in html


def test_issuer_endpoints(app, client, certificate):
    assert client.get("/issuers/cdmx").status_code == 404  # not the root of the tree
    assert client.get("/issuers/alla/keys/unknown").status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
