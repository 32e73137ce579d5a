"""What people do with their accounts and their data, in the audit log: sign-ins, password
changes and downloads. Kept with accounts, below every domain that records a download."""

from __future__ import annotations

from collections.abc import Mapping

from app.accounts import policy
from app.accounts.models import Organisation, Role, User
from app.audit.models import AuditEntry, record

#: How much of a mistyped sign-in address is kept: enough to recognise it, no more.
TYPED_EMAIL_MAX = 120


def login_succeeded(user: User) -> AuditEntry:
    return record("auth.login", "user", user.id, actor=user)


def login_failed(typed_email: str, user: User | None) -> AuditEntry:
    """A refused sign-in. The address is kept as typed (cut short), never the password.

    The login route's rate limits bound how fast these entries can be written per client.
    """
    email = (typed_email or "").strip().lower()[:TYPED_EMAIL_MAX]
    if user is None:
        return record("auth.login_failed", "login", 0, email=email, reason="unknown_account")
    if user.password_hash is None:
        reason = "no_password"
    elif not user.is_active_account:
        reason = "inactive_account"
    else:
        reason = "wrong_password"
    return record(
        "auth.login_failed",
        "user",
        user.id,
        organisation_id=user.organisation_id,
        email=email,
        reason=reason,
    )


def logged_out(user: User) -> AuditEntry:
    return record("auth.logout", "user", user.id, actor=user)


def password_set(user: User, how: str) -> AuditEntry:
    """how: "change" (profile), "reset" (e-mailed link) or "invitation_accept"."""
    action = "auth.invitation_accept" if how == "invitation_accept" else f"auth.password_{how}"
    return record(action, "user", user.id, actor=user)


def covering_organisation_id(actor: User) -> int | None:
    """The smallest organisation holding every subtree the actor reviews: what an export
    without an organisation filter covers. Someone who reviews nothing: their own."""
    scopes = policy.scope_orgs(actor, Role.REVIEWER)
    if not scopes:
        return actor.organisation_id
    common = scopes[0].ancestor_ids()
    for org in scopes[1:]:
        ids = org.ancestor_ids()
        n = 0
        while n < min(len(common), len(ids)) and common[n] == ids[n]:
            n += 1
        common = common[:n]
    return common[-1] if common else None


def exported(
    actor: User,
    what: str,
    fmt: str,
    *,
    filters: Mapping[str, str] | None = None,
    organisation: Organisation | None = None,
    target_type: str = "report",
    target_id: int = 0,
    **detail,
) -> AuditEntry:
    """A download of data: which table, in which format, with which filters."""
    action = "audit.export" if what == "audit" else f"export.{what}"
    org_id = organisation.id if organisation is not None else covering_organisation_id(actor)
    return record(
        action,
        target_type,
        target_id,
        actor=actor,
        organisation_id=org_id,
        format=fmt,
        filters=dict(filters or {}),
        **detail,
    )
