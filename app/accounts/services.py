"""Account operations shared by the web and the CLI. They flush; the caller commits."""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import String, func, literal, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from app import events
from app.accounts import passwords, zones
from app.accounts.models import (
    GRANTED_ROLES,
    Membership,
    Organisation,
    OrgKind,
    Role,
    User,
)
from app.audit.models import record
from app.clock import utcnow
from app.extensions import db

log = logging.getLogger("aula.accounts")

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class AccountError(ValueError):
    """A request that cannot be carried out; the message is already translated."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(raw: str) -> str:
    """Validate an address's syntax and return it lower-cased; raises AccountError."""
    try:
        info = validate_email(raw.strip(), check_deliverability=False)
    except EmailNotValidError:
        raise AccountError(_("This is not a valid e-mail address."), "email") from None
    return info.normalized.lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == email.strip().lower()))


def find_organisation(slug: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


# Organisations ---------------------------------------------------------------------------


def _check_org_fields(name: str, slug: str, kind: str, parent: Organisation | None) -> None:
    if not name.strip():
        raise AccountError(_("A name is required."), "name")
    if not SLUG_RE.match(slug):
        raise AccountError(
            _("Use lower-case letters, digits and single hyphens, e.g. mexico-city."), "slug"
        )
    if kind not in {k.value for k in OrgKind}:
        raise AccountError(_("Unknown kind of organisation."), "kind")
    if kind == OrgKind.DEPARTMENT and parent is None:
        raise AccountError(_("A department must belong to an organisation."), "parent")


#: A time_zone argument that leaves the stored zone as it is.
KEEP = "keep"


def _check_zone(time_zone: str | None) -> str | None:
    """An IANA zone name from the list, or None (inherit); raises AccountError."""
    if not time_zone:
        return None
    if not zones.is_valid_zone(time_zone):
        raise AccountError(_("Choose a time zone from the list."), "time_zone")
    return time_zone


def create_organisation(
    name: str,
    slug: str,
    kind: str,
    parent: Organisation | None = None,
    time_zone: str | None = None,
) -> Organisation:
    """Add an organisation under parent (or a new root); the slug must be free. Without a
    time zone it uses its parent's."""
    _check_org_fields(name, slug, kind, parent)
    time_zone = _check_zone(time_zone)
    if find_organisation(slug) is not None:
        raise AccountError(_("This identifier is already taken."), "slug")
    org = Organisation(name=name.strip(), slug=slug, kind=kind, parent=parent, time_zone=time_zone)
    db.session.add(org)
    db.session.flush()
    org.path = f"{parent.path if parent else '/'}{org.id}/"
    db.session.flush()
    zones.forget_zones()
    log.info("organisation %s created under %s", slug, parent.slug if parent else "-")
    return org


def update_organisation(
    org: Organisation,
    name: str,
    slug: str,
    kind: str,
    parent: Organisation | None,
    time_zone: str | None = KEEP,
) -> Organisation:
    """Rename or move an organisation, or set its time zone (None: its parent's, KEEP: as it
    is); moving
    rewrites the paths of its whole subtree."""
    _check_org_fields(name, slug, kind, parent)
    if time_zone != KEEP:
        org.time_zone = _check_zone(time_zone)
    zones.forget_zones()
    other = find_organisation(slug)
    if other is not None and other.id != org.id:
        raise AccountError(_("This identifier is already taken."), "slug")
    if parent is not None and org.contains(parent):
        raise AccountError(_("An organisation cannot be moved below itself."), "parent")
    org.name, org.slug, org.kind = name.strip(), slug, kind
    if parent is not org.parent:
        old_path = org.path
        new_path = f"{parent.path if parent else '/'}{org.id}/"
        org.parent = parent
        db.session.execute(
            update(Organisation)
            .where(Organisation.path.startswith(old_path, autoescape=True))
            .values(
                path=literal(new_path, String) + func.substr(Organisation.path, len(old_path) + 1)
            )
            .execution_options(synchronize_session="fetch")
        )
    db.session.flush()
    return org


def slug_for(text: str) -> str:
    """A free slug derived from text: ascii letters and digits joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:70] or "org"
    slug, n = base, 2
    while find_organisation(slug) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def find_department(parent: Organisation, name: str) -> Organisation | None:
    """A department directly under parent, matched by name without regard to case."""
    return db.session.scalar(
        select(Organisation).where(
            Organisation.parent_id == parent.id,
            Organisation.kind == OrgKind.DEPARTMENT,
            func.lower(Organisation.name) == name.strip().lower(),
        )
    )


# Users and passwords ---------------------------------------------------------------------


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


def check_password_rules(password: str, user: User | None = None) -> None:
    """Raise AccountError unless the password is long and hard to guess (see passwords.py)."""
    personal = passwords.personal_words(user.email, user.name) if user is not None else []
    problem = passwords.password_problem(password, personal)
    if problem is not None:
        raise AccountError(problem, "password")


def set_password(user: User, password: str) -> None:
    """Store a new password and sign out the user's other sessions."""
    check_password_rules(password, user)
    user.password_hash = hash_password(password)
    user.session_nonce = secrets.token_hex(8)


def create_user(
    email: str,
    name: str,
    organisation: Organisation,
    *,
    locale: str = "es",
    job_title: str = "",
    password: str | None = None,
    actor: User | None = None,
) -> User:
    """Register a person in an organisation; the e-mail must be new. actor: who did it
    (None for the command line), for the audit log."""
    email = normalise_email(email)
    if not name.strip():
        raise AccountError(_("A name is required."), "name")
    if locale not in current_app.config["LANGUAGES"]:
        raise AccountError(_("Unknown language."), "locale")
    if find_user_by_email(email) is not None:
        raise AccountError(_("An account with this e-mail address already exists."), "email")
    user = User(
        email=email,
        name=name.strip(),
        organisation=organisation,
        locale=locale,
        job_title=job_title.strip(),
    )
    if password is not None:
        set_password(user, password)
    db.session.add(user)
    db.session.flush()
    log.info("user %s created in %s", user.id, organisation.slug)
    record("account.create", "user", user.id, actor=actor, organisation_id=organisation.id)
    # Courses assigned to their organisation apply to them, due from today (app/wiring.py).
    events.person_joined.send(organisation, user_ids=[user.id])
    return user


# A real hash of a random string, so unknown e-mails cost as much time as wrong passwords.
_DUMMY_HASHES: dict[str, str] = {}


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same cost either way)."""
    user = find_user_by_email(email)
    if user is None or user.password_hash is None:
        method = current_app.config["PASSWORD_HASH_METHOD"]
        dummy = _DUMMY_HASHES.setdefault(
            method, generate_password_hash(secrets.token_hex(8), method=method)
        )
        check_password_hash(dummy, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    if not user.is_active_account:
        return None
    return user


def record_login(user: User) -> None:
    user.last_login_at = utcnow()


def update_profile(
    user: User, name: str, locale: str, job_title: str | None = None, *, time_zone=KEEP
) -> None:
    """time_zone: an IANA name, None to follow the organisation's, or KEEP."""
    if not name.strip():
        raise AccountError(_("A name is required."), "name")
    if locale not in current_app.config["LANGUAGES"]:
        raise AccountError(_("Unknown language."), "locale")
    if time_zone != KEEP:
        user.time_zone = _check_zone(time_zone)
    user.name = name.strip()
    user.locale = locale
    if job_title is not None:
        user.job_title = job_title.strip()


def update_user(
    user: User,
    *,
    name: str,
    organisation: Organisation,
    locale: str,
    job_title: str,
    is_active: bool,
    actor: User | None = None,
) -> None:
    """An administrator's edit of a person's record; the audit log keeps what changed."""
    before = _audited_fields(user)
    update_profile(user, name, locale, job_title)
    moved = user.organisation_id != organisation.id
    user.organisation = organisation
    if moved:
        db.session.flush()
        events.person_moved.send(organisation, user_ids=[user.id])
    if user.erased_at is not None:
        is_active = False  # nobody is behind an erased account to sign in (docs/privacy.md)
    if user.is_active_account and not is_active:
        user.session_nonce = secrets.token_hex(8)
    user.is_active_account = is_active
    after = _audited_fields(user)
    changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
    if changes:
        record(
            "account.update",
            "user",
            user.id,
            actor=actor,
            organisation_id=organisation.id,
            changes=changes,
        )


def _audited_fields(user: User) -> dict:
    return {
        "name": user.name,
        "organisation": user.organisation.slug,
        "locale": user.locale,
        "job_title": user.job_title,
        "is_active": user.is_active_account,
    }


# Roles -----------------------------------------------------------------------------------


def grant_role(
    user: User, role: Role, organisation: Organisation, actor: User | None = None
) -> Membership:
    """Give a role over an organisation's subtree; granting twice is a no-op."""
    if role not in GRANTED_ROLES:
        raise AccountError(_("This role cannot be granted."), "role")
    existing = db.session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.organisation_id == organisation.id,
            Membership.role == role.value,
        )
    )
    if existing is not None:
        return existing
    membership = Membership(user=user, organisation=organisation, role=role.value)
    db.session.add(membership)
    db.session.flush()
    log.info("role %s over %s granted to user %s", role.value, organisation.slug, user.id)
    record(
        "role.grant",
        "user",
        user.id,
        actor=actor,
        organisation_id=organisation.id,
        role=role.value,
        over=organisation.slug,
    )
    return membership


def revoke_role(membership: Membership, actor: User | None = None) -> None:
    record(
        "role.revoke",
        "user",
        membership.user_id,
        actor=actor,
        organisation_id=membership.organisation_id,
        role=membership.role,
        over=membership.organisation.slug,
    )
    log.info(
        "role %s over %s revoked from user %s",
        membership.role,
        membership.organisation.slug,
        membership.user_id,
    )
    db.session.delete(membership)
    db.session.flush()


# Signed tokens for password reset and invitations ----------------------------------------

RESET = "password-reset"
INVITE = "invitation"


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"aula-{purpose}")


def _fingerprint(user: User) -> str:
    # Ties the token to the current password: once used, or after any change, it is dead.
    material = f"{user.password_hash or ''}:{user.session_nonce}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


class TokenError(AccountError):
    """A token that is forged, used already, or too old."""


def load_token(token: str, purpose: str) -> User:
    """The user a valid token names; raises TokenError with a translated reason."""
    max_age = current_app.config[
        "RESET_TOKEN_MAX_AGE" if purpose == RESET else "INVITE_TOKEN_MAX_AGE"
    ]
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise TokenError(_("This link has expired. Ask for a new one.")) from None
    except BadSignature:
        raise TokenError(_("This link is not valid.")) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) else None
    if user is None or not user.is_active_account or data.get("f") != _fingerprint(user):
        raise TokenError(_("This link is not valid or has already been used."))
    return user
