"""Issuing, finding, revoking and publishing certificates."""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app import events
from app.accounts.models import Organisation, OrgKind, User
from app.catalog.models import Course, Edition
from app.clock import utcnow
from app.extensions import db
from app.learning.models import Enrolment, EnrolmentStatus
from app.learning.services import completion
from app.mail import external_url

from . import codes, credentials, keys
from .models import Certificate

log = logging.getLogger("aula.certificates")

#: Entries in the published status list: 131,072 bits (16 KiB), the smallest size the
#: Bitstring Status List recommends so one list does not single out its few holders.
STATUS_LIST_BITS = 131_072


class CertificateError(Exception):
    """A refused action; the message is for the person who asked."""


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day when that day does not exist."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _issuers(org: Organisation) -> tuple[Organisation, list[str]]:
    """The network at the root of the tree (the issuer) and the names the certificate shows:
    the network, then the holder's city (or state) when there is one."""
    ancestors = {
        o.id: o
        for o in db.session.scalars(
            select(Organisation).where(Organisation.id.in_(org.ancestor_ids()))
        )
    }
    chain = [ancestors[i] for i in org.ancestor_ids() if i in ancestors]
    root = chain[0]
    local = next(
        (o for o in reversed(chain) if o.kind in (OrgKind.CITY, OrgKind.STATE) and o is not root),
        None,
    )
    return root, [root.name] + ([local.name] if local else [])


def issuer_url(org: Organisation) -> str:
    return external_url("certificates.issuer_profile", slug=org.slug)


def key_url(org: Organisation, kid: str) -> str:
    return external_url("certificates.issuer_key", slug=org.slug, kid=kid)


def _iso(moment: datetime) -> str:
    return moment.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _identity(email: str) -> dict:
    salt = secrets.token_hex(8)
    digest = hashlib.sha256((email + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityHash": "sha256$" + digest,
        "identityType": "emailAddress",
        "hashed": True,
        "salt": salt,
    }


def build_credential(cert: Certificate, issuer: Organisation, email: str, summary: str) -> dict:
    """The unsigned OpenBadgeCredential for a certificate."""
    credential = {
        "@context": [credentials.VC_CONTEXT, credentials.OB_CONTEXT],
        "id": external_url("certificates.verify_code", code=codes.display(cert.code)),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {
            "id": issuer_url(issuer),
            "type": ["Profile"],
            "name": issuer.name,
            "url": current_app.config["BASE_URL"],
        },
        "validFrom": _iso(cert.issued_at),
        "name": cert.course_title,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [_identity(email)],
            "name": cert.holder_name,
            "achievement": {
                "id": external_url("course.show_course", slug=cert.course.slug, lang=cert.language),
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": cert.course_title,
                "description": summary,
                "criteria": {
                    "narrative": (
                        "Every lesson of the course read and every module quiz and the final "
                        "exam passed with the course's pass mark "
                        f"({cert.version.pass_mark} %)."
                    )
                },
                "humanCode": cert.course.slug,
                "creator": {"id": issuer_url(issuer), "type": ["Profile"], "name": issuer.name},
                "inLanguage": cert.language.replace("_", "-"),
            },
        },
        "credentialStatus": {
            "id": external_url("certificates.status_list") + f"#{cert.id}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(cert.id),
            "statusListCredential": external_url("certificates.status_list"),
        },
    }
    if cert.expires_at is not None:
        credential["validUntil"] = _iso(cert.expires_at)
    return credential


def _sign(credential: dict, issuer: Organisation, created: datetime) -> tuple[dict, str]:
    ed = keys.signing_key(keys.ED25519)
    options = credentials.proof_options(key_url(issuer, ed.kid), created.replace(tzinfo=UTC))
    signed = credentials.sign(credential, options, ed.private)
    return signed, credentials.to_jwt(credential, keys.signing_key(keys.RSA))


def _insert_ignoring_duplicate(values: dict) -> int | None:
    """INSERT ... ON CONFLICT (enrolment_id) DO NOTHING RETURNING id: the new row's id, or
    None when a parallel request got there first (PostgreSQL waits for it to commit)."""
    dialect = db.session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Certificate)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["enrolment_id"])
        .returning(Certificate.id)
    )
    return db.session.execute(statement).scalar()


def issue(enrolment: Enrolment, now: datetime | None = None) -> Certificate:
    """The enrolment's certificate, issued now if it has none; refused unless complete."""
    existing = certificate_of(enrolment.id)
    if existing is not None:
        return existing
    if enrolment.status != EnrolmentStatus.COMPLETED or not completion(enrolment).is_complete:
        raise CertificateError("the enrolment is not complete")
    now = (now or utcnow()).replace(microsecond=0)
    user, version = enrolment.user, enrolment.version
    issuer, names = _issuers(user.organisation)
    edition = db.session.get(Edition, enrolment.edition_id)
    validity = version.certificate_validity_months
    new_id = _insert_ignoring_duplicate(
        {
            "code": codes.new_code(),
            "enrolment_id": enrolment.id,
            "user_id": user.id,
            "organisation_id": user.organisation_id,
            "course_id": enrolment.course_id,
            "version_id": version.id,
            "language": edition.language,
            "holder_name": user.name,
            "course_title": edition.title,
            "hours": version.hours,
            "issuer_names": names,
            "issued_at": now,
            "expires_at": add_months(now, validity) if validity else None,
            "credential": "",
            "credential_jwt": "",
            "show_name": True,
            "created_at": now,
        }
    )
    cert = certificate_of(enrolment.id)
    if new_id is not None:
        # Signed in the same transaction, once the id (the status list index) is known:
        # nobody ever sees the row without its credential.
        signed, token = _sign(
            build_credential(cert, issuer, user.email, edition.summary), issuer, now
        )
        cert.credential = json.dumps(signed, ensure_ascii=False)
        cert.credential_jwt = token
        db.session.flush()
        log.info("certificate %s issued for enrolment %s", cert.id, enrolment.id)
        events.certificate_issued.send(cert)
    return cert


def on_course_completed(enrolment: Enrolment, **_) -> None:
    """Receiver of `course_completed`: the certificate comes in the same transaction."""
    issue(enrolment)


#: How long before expiry "My learning" starts asking for recertification.
RECERTIFY_NOTICE_DAYS = 60


def for_holder(user_id: int) -> dict[int, Certificate]:
    """A holder's certificates by enrolment (one person has a handful: one query)."""
    rows = db.session.scalars(select(Certificate).where(Certificate.user_id == user_id))
    return {cert.enrolment_id: cert for cert in rows}


def to_renew(certificates: Iterable[Certificate], now: datetime) -> list[Certificate]:
    """Valid or expired certificates whose expiry is within the notice period, soonest first."""
    horizon = now + timedelta(days=RECERTIFY_NOTICE_DAYS)
    return sorted(
        (
            c
            for c in certificates
            if c.revoked_at is None and c.expires_at and c.expires_at <= horizon
        ),
        key=lambda c: c.expires_at,
    )


#: LinkedIn's "add to profile" form; a plain link, so the page itself sends nothing there.
LINKEDIN_ADD = "https://www.linkedin.com/profile/add"


def linkedin_url(cert: Certificate) -> str:
    """A link that opens LinkedIn's "add a licence or certification" form, filled in."""
    query = {
        "startTask": "CERTIFICATION_NAME",
        "name": cert.course_title,
        "organizationName": cert.issuer_names[0] if cert.issuer_names else "",
        "issueYear": cert.issued_at.year,
        "issueMonth": cert.issued_at.month,
        "certUrl": external_url("certificates.verify_code", code=codes.display(cert.code)),
        "certId": codes.display(cert.code),
    }
    if cert.expires_at:
        query |= {"expirationYear": cert.expires_at.year, "expirationMonth": cert.expires_at.month}
    return f"{LINKEDIN_ADD}?{urlencode(query)}"


def certificate_of(enrolment_id: int) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.enrolment_id == enrolment_id))


def by_code(typed: str) -> Certificate | None:
    code = codes.normalise(typed)
    if code is None:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def issue_due(course: Course) -> int:
    """Backfill: issue every certificate due on a course; how many were issued."""
    due = db.session.scalars(
        select(Enrolment)
        .outerjoin(Certificate, Certificate.enrolment_id == Enrolment.id)
        .where(
            Enrolment.course_id == course.id,
            Enrolment.status == EnrolmentStatus.COMPLETED,
            Certificate.id.is_(None),
        )
        .order_by(Enrolment.id)
    ).all()
    issued = 0
    for enrolment in due:
        try:
            issue(enrolment)
        except CertificateError:
            continue
        issued += 1
    return issued


def revoke(cert: Certificate, actor: User, reason: str, now: datetime | None = None) -> None:
    """Revoke for good, with a public reason; the audit log keeps who and when."""
    reason = reason.strip()
    if not reason:
        raise CertificateError("a reason is required")
    if cert.revoked_at is not None:
        raise CertificateError("already revoked")
    cert.revoked_at = now or utcnow()
    cert.revoked_reason = reason[:500]
    cert.revoked_by_id = actor.id
    db.session.flush()
    events.certificate_revoked.send(cert, actor=actor, reason=cert.revoked_reason)


@dataclass(frozen=True)
class StatusList:
    encoded: str
    length: int


def status_list() -> StatusList:
    """The revocation bitstring: bit i (from the left) set when certificate i is revoked."""
    revoked = db.session.scalars(
        select(Certificate.id).where(Certificate.revoked_at.is_not(None))
    ).all()
    largest = db.session.scalar(select(func.max(Certificate.id))) or 0
    length = STATUS_LIST_BITS
    while length <= largest:
        length *= 2
    bits = bytearray(length // 8)
    for index in revoked:
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0 keeps the bytes the same for the same list, so caches and ETags hold.
    packed = gzip.compress(bytes(bits), mtime=0)
    return StatusList("u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode(), length)


def status_list_credential(issuer: Organisation) -> dict:
    """The signed BitstringStatusListCredential every certificate's credentialStatus names."""
    listing = status_list()
    url = external_url("certificates.status_list")
    credential = {
        "@context": [credentials.VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_url(issuer),
        "validFrom": _iso(utcnow().replace(microsecond=0)),
        "credentialSubject": {
            "id": url + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": listing.encoded,
        },
    }
    ed = keys.signing_key(keys.ED25519)
    options = credentials.proof_options(key_url(issuer, ed.kid), datetime.now(UTC))
    return credentials.sign(credential, options, ed.private)


def is_revoked_in(encoded: str, index: int) -> bool:
    packed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
    bits = gzip.decompress(packed)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))
