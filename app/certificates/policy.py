"""Which certificates a signed-in caller reaches. Each function loads one by its code and
answers 404 for a certificate outside the caller's reach, as for one that does not exist: a
403 would confirm that someone holds it. Who may call the routes at all is app/access.py's."""

from __future__ import annotations

from flask import abort

from app.accounts import policy
from app.accounts.models import Role, User

from . import services
from .models import Certificate


def _is_holder(actor: User, cert: Certificate) -> bool:
    return cert.user_id == actor.id


def _is_reviewer(actor: User, cert: Certificate) -> bool:
    return policy.can_act_on(actor, Role.REVIEWER, cert.organisation)


def certificate_for_holder(actor: User, code: str) -> Certificate:
    """The actor's own certificate (its privacy setting)."""
    cert = services.by_code(code)
    if cert is None or not _is_holder(actor, cert):
        abort(404)
    return cert


def certificate_for_holder_or_reviewer(actor: User, code: str) -> Certificate:
    """The actor's own certificate, or one of their reviewer subtree (the PDF download)."""
    cert = services.by_code(code)
    if cert is None or not (_is_holder(actor, cert) or _is_reviewer(actor, cert)):
        abort(404)
    return cert


def certificate_for_reviewer(actor: User, code: str) -> Certificate:
    """A certificate of the actor's reviewer subtree (revocation)."""
    cert = services.by_code(code)
    if cert is None or not _is_reviewer(actor, cert):
        abort(404)
    return cert
