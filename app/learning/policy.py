"""Which assignments a reviewer reaches; who may call the routes at all is app/access.py's."""

from __future__ import annotations

from flask import abort

from app.accounts import policy
from app.accounts.models import Role, User
from app.extensions import db

from .models import Assignment


def assignment_for_reviewer(actor: User, assignment_id: int) -> Assignment:
    """An assignment to an organisation of the actor's reviewer subtree; 404 otherwise, as
    for one that does not exist."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not policy.can_act_on(actor, Role.REVIEWER, assignment.organisation):
        abort(404)
    return assignment
