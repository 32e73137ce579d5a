"""Who may do what to which object. app/access.py decides who may call a route at all; the
functions here decide which objects of the organisation tree the caller reaches, and every
query that lists people goes through people_scope.

The `..._for_...` functions load one object for a view: they return it when it lies within
the caller's reach and abort otherwise, with 404 when there is no such object and 403 when
it lies outside the reach, or 404 then too where the view hides that it exists (hide=True).
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement, false, or_, select

from app.accounts.models import Membership, Organisation, Role, User
from app.extensions import db


def _roles_covering(role: Role) -> set[str]:
    # An admin of an organisation can do what its reviewers and trainers do there.
    return {role.value, Role.ADMIN.value}


def scope_orgs(user: User, role: Role) -> list[Organisation]:
    """Organisations whose subtree the user may act on with the given role."""
    if not getattr(user, "is_authenticated", False):
        return []
    wanted = _roles_covering(role)
    orgs = [m.organisation for m in user.memberships if m.role in wanted]
    # Drop organisations already covered by an ancestor in the list.
    return [o for o in orgs if not any(p is not o and p.contains(o) for p in orgs)]


def has_role(user: User, role: Role) -> bool:
    """True when the user holds the role (or admin) anywhere."""
    return bool(scope_orgs(user, role))


def can_act_on(user: User, role: Role, org: Organisation) -> bool:
    """True when org lies in the subtree of one of the user's memberships for that role."""
    return any(scope.contains(org) for scope in scope_orgs(user, role))


def is_network_admin(user: User) -> bool:
    """An admin of a root of the tree: sees and manages everything."""
    return any(o.parent_id is None for o in scope_orgs(user, Role.ADMIN))


def org_scope(user: User, role: Role) -> ColumnElement[bool]:
    """SQL condition on Organisation restricting it to the user's subtrees for a role."""
    scopes = scope_orgs(user, role)
    if not scopes:
        return false()
    return or_(*(Organisation.path.startswith(o.path, autoescape=True) for o in scopes))


def people_scope(user: User, role: Role = Role.REVIEWER) -> ColumnElement[bool]:
    """SQL condition on User: only people whose organisation lies in the caller's subtrees."""
    return User.organisation_id.in_(select(Organisation.id).where(org_scope(user, role)))


def can_see_user(actor: User, target: User, role: Role = Role.REVIEWER) -> bool:
    return can_act_on(actor, role, target.organisation)


def memberships_in_scope(actor: User) -> ColumnElement[bool]:
    """SQL condition on Membership for the memberships an admin may see and revoke."""
    return Membership.organisation_id.in_(
        select(Organisation.id).where(org_scope(actor, Role.ADMIN))
    )


def orgs_in_scope(user: User, role: Role) -> list[tuple[Organisation, str]]:
    """Every organisation the user may act on for a role, with a label showing its ancestry."""
    orgs = list(
        db.session.scalars(
            select(Organisation).where(org_scope(user, role)).order_by(Organisation.path)
        )
    )
    names = {o.id: o.name for o in orgs}
    labelled = []
    for org in orgs:
        chain = [names[i] for i in org.ancestor_ids() if i in names]
        labelled.append((org, " › ".join(chain)))
    labelled.sort(key=lambda pair: pair[1].lower())
    return labelled


def _reached(obj, reached: bool, hide: bool):
    if obj is None:
        abort(404)
    if not reached:
        abort(404 if hide else 403)
    return obj


def person_for_reviewer(actor: User, user_id: int, *, hide: bool = False) -> User:
    """A person in the actor's reviewer subtree (their learning, their transcript)."""
    person = db.session.get(User, user_id)
    return _reached(person, person is not None and can_see_user(actor, person), hide)


def person_for_admin(actor: User, user_id: int) -> User:
    """A person in the actor's admin subtree (their record, roles, erasure)."""
    person = db.session.get(User, user_id)
    return _reached(person, person is not None and can_see_user(actor, person, Role.ADMIN), False)


def organisation_for_admin(actor: User, org_id: int) -> Organisation:
    """An organisation in the actor's admin subtree."""
    org = db.session.get(Organisation, org_id)
    return _reached(org, org is not None and can_act_on(actor, Role.ADMIN, org), False)


def membership_for_admin(actor: User, membership_id: int) -> Membership:
    """A role held over an organisation in the actor's admin subtree."""
    membership = db.session.get(Membership, membership_id)
    return _reached(
        membership,
        membership is not None and can_act_on(actor, Role.ADMIN, membership.organisation),
        False,
    )
