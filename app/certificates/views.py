"""Certificate pages: the holder's list and downloads, public verification, the issuer's
published keys and status list, and the reviewer's list with revocation and ZIP export."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, time, timedelta

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from app import search
from app.accounts import audit, policy
from app.accounts.models import Organisation, Role
from app.clock import utcnow
from app.extensions import db, limiter

from . import codes, credentials, keys, pdf, services
from .forms import CodeForm, CredentialForm, PeriodForm, PrivacyForm, RevokeForm
from .models import Certificate
from .policy import (
    certificate_for_holder,
    certificate_for_holder_or_reviewer,
    certificate_for_reviewer,
)

bp = Blueprint("certificates", __name__, template_folder="templates")


@bp.app_context_processor
def _holder_helpers() -> dict:
    """What "My learning" (a page of learning, a lower layer) shows of certificates, lent to
    every template: learning never imports certificates."""
    return {
        "certificates_of_holder": services.for_holder,
        "certificates_to_renew": services.to_renew,
        "certificate_code": codes.display,
        "certificate_linkedin_url": services.linkedin_url,
    }


VERIFY_LIMIT = "30 per minute"
MAX_CREDENTIAL_BYTES = 200_000


def _verify_limit() -> str:
    return current_app.config.get("VERIFY_LIMIT", VERIFY_LIMIT)


def _attachment(data: bytes | str, mimetype: str, filename: str):
    response = current_app.response_class(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the holder ---------------------------------------------------------------------------


@bp.route("/certificates/")
def my_certificates():
    certs = db.session.scalars(
        select(Certificate)
        .where(Certificate.user_id == current_user.id)
        .options(joinedload(Certificate.course))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
    ).all()
    forms = {c.id: PrivacyForm(prefix=f"c{c.id}", show_name=c.show_name) for c in certs}
    return render_template(
        "certificates/mine.html", certs=certs, now=utcnow(), forms=forms, codes=codes
    )


@bp.route("/certificates/<code>/privacy", methods=["POST"])
def set_privacy(code: str):
    cert = certificate_for_holder(current_user, code)
    form = PrivacyForm(prefix=f"c{cert.id}")
    if not form.validate_on_submit():
        abort(400)
    cert.show_name = form.show_name.data
    db.session.commit()
    flash(_("Your choice is saved."), "success")
    return redirect(url_for(".my_certificates"))


@bp.route("/certificates/<code>/certificate.pdf")
def download_pdf(code: str):
    cert = certificate_for_holder_or_reviewer(current_user, code)
    return _attachment(pdf.render(cert), "application/pdf", f"certificate-{cert.code}.pdf")


# --- public verification ------------------------------------------------------------------


def _lookup(typed: str) -> Certificate | None:
    """Malformed or unknown, the answer and the work are the same: one indexed lookup."""
    code = codes.normalise(typed) or "-" * codes.LENGTH
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


@bp.route("/verify", methods=["GET"])
@limiter.limit(_verify_limit)
def verify():
    form = CodeForm(request.args)
    if request.args.get("code") and form.validate():
        return redirect(url_for(".verify_code", code=form.code.data.strip()))
    return render_template(
        "certificates/verify.html", form=form, credential_form=CredentialForm(), result=None
    )


@bp.route("/verify/<code>")
@limiter.limit(_verify_limit)
def verify_code(code: str):
    cert = _lookup(code)
    if cert is None:
        return render_template("certificates/verified.html", cert=None, code=code[:40]), 404
    return render_template(
        "certificates/verified.html", cert=cert, status=cert.status(utcnow()), codes=codes
    )


def _public_credential(code: str) -> Certificate:
    cert = _lookup(code)
    if cert is None:
        abort(404)
    # A holder who hid their name hides it from anonymous downloads too.
    if not cert.show_name and not (
        current_user.is_authenticated and current_user.id == cert.user_id
    ):
        abort(404)
    return cert


def _credential(code: str, kind: str):
    """The signed credential as stored: JSON-LD with its proof, or the compact JWT."""
    cert = _public_credential(code)
    body, mimetype = (
        (cert.credential, "application/vc+ld+json")
        if kind == "json"
        else (cert.credential_jwt, "application/vc+jwt")
    )
    response = current_app.response_class(body, mimetype=mimetype)
    if request.args.get("download"):
        response.headers["Content-Disposition"] = f'attachment; filename="{cert.code}.{kind}"'
    return response


@bp.route("/verify/<code>.json")
@limiter.limit(_verify_limit)
def credential_json(code: str):
    return _credential(code, "json")


@bp.route("/verify/<code>.jwt")
@limiter.limit(_verify_limit)
def credential_jwt(code: str):
    return _credential(code, "jwt")


def own_key_resolver(method: str):
    """Trust only keys this platform published: /issuers/<slug>/keys/<kid>."""
    for pair in keys.all_keys(keys.ED25519):
        if method.endswith(f"/keys/{pair.kid}") and method.startswith(
            current_app.config["BASE_URL"].rstrip("/") + "/issuers/"
        ):
            return pair.public
    return None


def _own_rsa_key(kid: str):
    pair = keys.find(keys.RSA, kid)
    return pair.public if pair else None


def check_submitted(text: str) -> tuple[str, str, Certificate | None]:
    """("authentic" | "revoked" | "invalid", why, certificate) for a pasted credential."""
    text = text.strip().lstrip("\ufeff")
    try:
        if text.startswith("{"):
            checked = credentials.verify(json.loads(text), own_key_resolver)
            credential = checked.credential
        else:
            credential = credentials.from_jwt(text, _own_rsa_key)
    except json.JSONDecodeError:
        return "invalid", _("This is neither JSON nor a JSON Web Token."), None
    except RecursionError:  # nested far deeper than any credential (JSON or a JWT header)
        return "invalid", _credential_reason(""), None
    except credentials.CredentialError as error:
        return "invalid", _credential_reason(str(error)), None
    cert = db.session.scalar(
        select(Certificate).where(Certificate.code == _code_from_id(credential.get("id", "")))
    )
    if cert is None:
        return "invalid", _("No certificate with this identifier was issued here."), None
    stored = json.loads(cert.credential)
    stored.pop("proof", None)
    if {k: v for k, v in credential.items() if k != "proof"} != stored:
        return "invalid", _("The content differs from the certificate that was issued."), None
    if cert.revoked_at is not None:
        return "revoked", cert.revoked_reason or "", cert
    return "authentic", "", cert


def _code_from_id(identifier: str) -> str:
    return codes.normalise(str(identifier).rstrip("/").rsplit("/", 1)[-1]) or ""


_REASONS = {
    "the signature does not match the content": lambda: _(
        "The signature does not match the content: it was changed after signing, or forged."
    ),
    "the proof's verification method is not a known key": lambda: _(
        "It is signed with a key this platform never published."
    ),
    "the token is signed by an unknown key": lambda: _(
        "It is signed with a key this platform never published."
    ),
    "the credential has expired": lambda: _("The credential has expired."),
    "the credential is not valid yet": lambda: _("The credential is not valid yet."),
}


def _credential_reason(message: str) -> str:
    maker = _REASONS.get(message)
    if maker:
        return maker()
    return _("It is not an Open Badges 3.0 credential in the form this platform issues.")


@bp.route("/verify/credential", methods=["POST"])
@limiter.limit(_verify_limit)
def verify_credential():
    form = CredentialForm()
    outcome = None
    if form.validate_on_submit():
        text = form.credential.data or ""
        upload = form.upload.data
        if upload and getattr(upload, "filename", ""):
            raw = upload.read(MAX_CREDENTIAL_BYTES + 1)
            if len(raw) > MAX_CREDENTIAL_BYTES:
                form.upload.errors = [_("The file is too large.")]
            else:
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    form.upload.errors = [_("The file is not UTF-8 text.")]
        if not form.upload.errors:
            if text.strip():
                outcome = check_submitted(text)
            else:
                form.credential.errors = [_("Paste a credential or choose a file.")]
    status = 200 if outcome or not (form.errors or form.upload.errors) else 400
    return (
        render_template(
            "certificates/verify.html",
            form=CodeForm(),
            credential_form=form,
            result=outcome,
            codes=codes,
        ),
        status,
    )


# --- what the issuer publishes --------------------------------------------------------------


def _issuer(slug: str) -> Organisation:
    org = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
    if org is None or org.parent_id is not None:
        abort(404)
    return org


@bp.route("/issuers/<slug>")
def issuer_profile(slug: str):
    org = _issuer(slug)
    profile = {
        "@context": [credentials.VC_CONTEXT, credentials.OB_CONTEXT],
        "id": services.issuer_url(org),
        "type": ["Profile"],
        "name": org.name,
        "url": current_app.config["BASE_URL"],
        "assertionMethod": [services.key_url(org, p.kid) for p in keys.all_keys(keys.ED25519)],
    }
    return jsonify(profile)


@bp.route("/issuers/<slug>/keys/<kid>")
def issuer_key(slug: str, kid: str):
    org = _issuer(slug)
    pair = keys.find(keys.ED25519, kid)
    if pair is None:
        abort(404)
    return jsonify(
        {
            "@context": "https://w3id.org/security/multikey/v1",
            "id": services.key_url(org, kid),
            "type": "Multikey",
            "controller": services.issuer_url(org),
            "publicKeyMultibase": pair.multibase(),
        }
    )


@bp.route("/.well-known/jwks.json")
def jwks():
    keys.signing_key(keys.RSA)  # a fresh instance publishes its key before the first issue
    return jsonify({"keys": [pair.jwk() for pair in keys.all_keys(keys.RSA)]})


@bp.route("/credentials/status")
def status_list():
    root = db.session.scalar(
        select(Organisation).where(Organisation.parent_id.is_(None)).order_by(Organisation.id)
    )
    if root is None:
        abort(404)
    response = jsonify(services.status_list_credential(root))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


# --- reviewers ------------------------------------------------------------------------------


def _managed_query(form: PeriodForm):
    stmt = (
        select(Certificate)
        .join(Organisation, Organisation.id == Certificate.organisation_id)
        .where(policy.org_scope(current_user, Role.REVIEWER))
    )
    if form.start.data:
        stmt = stmt.where(Certificate.issued_at >= datetime.combine(form.start.data, time()))
    if form.end.data:
        end = datetime.combine(form.end.data, time()) + timedelta(days=1)
        stmt = stmt.where(Certificate.issued_at < end)
    # No stored name holds a NUL, and PostgreSQL refuses one in a query parameter.
    q = (form.q.data or "").replace("\x00", "").strip()
    if q:
        code = codes.normalise(q)
        stmt = stmt.where(
            or_(search.matches(Certificate.search_key, q), Certificate.code == (code or ""))
        )
    return stmt


@bp.route("/certificates/manage")
def manage():
    form = PeriodForm(request.args)
    form.validate()
    page = db.paginate(
        _managed_query(form)
        .options(joinedload(Certificate.course))
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc()),
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    filters = {k: v for k, v in request.args.items() if k in ("start", "end", "q") and v}
    return render_template(
        "certificates/manage.html",
        page=page,
        form=form,
        filters=filters,
        now=utcnow(),
        codes=codes,
        revoke_form=RevokeForm(),
    )


@bp.route("/certificates/manage/certificates.zip")
def export_zip():
    """Every certificate of the reviewer's organisations in the period, as PDFs in one ZIP."""
    form = PeriodForm(request.args)
    if not form.validate():
        abort(400)
    stmt = (
        _managed_query(form)
        .options(joinedload(Certificate.course))
        .order_by(Certificate.id)
        .execution_options(yield_per=100)
    )
    period = {k: v for k, v in request.args.items() if k in ("start", "end", "q") and v}
    audit.exported(current_user, "certificates", "zip", filters=period, target_type="certificate")
    db.session.commit()

    app = current_app._get_current_object()

    def chunks():
        # Written as it is read, so the archive never sits whole in memory. The query (with
        # the reviewer's scope) is built above; the rows are read in the generator's own
        # app context, since the request's is gone by the time the body is sent.
        sink = _Sink()
        with app.app_context():
            with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:
                for cert in db.session.scalars(stmt):
                    archive.writestr(f"{codes.display(cert.code)}.pdf", pdf.render(cert))
                    yield sink.take()
            db.session.remove()
        yield sink.take()

    response = current_app.response_class(chunks(), mimetype="application/zip")
    response.headers["Content-Disposition"] = 'attachment; filename="certificates.zip"'
    return response


class _Sink(io.RawIOBase):
    """An unseekable file for zipfile that hands over what was written since the last take."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.written = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.written += len(data)
        return len(data)

    def tell(self) -> int:
        return self.written

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


@bp.route("/certificates/<code>/revoke", methods=["POST"])
def revoke(code: str):
    cert = certificate_for_reviewer(current_user, code)
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for revoking."), "error")
        return redirect(url_for(".manage", q=codes.display(cert.code)))
    if cert.revoked_at is not None:
        flash(_("This certificate was already revoked."), "error")
        return redirect(url_for(".manage", q=codes.display(cert.code)))
    services.revoke(cert, current_user, form.reason.data)
    db.session.commit()
    flash(_("Certificate %(code)s revoked.", code=codes.display(cert.code)), "success")
    return redirect(url_for(".manage", q=codes.display(cert.code)))
