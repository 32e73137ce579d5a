"""Scopes: a role covers its organisation's subtree, never a sibling."""

from sqlalchemy import select

from app.accounts import policy
from app.accounts.models import Organisation, Role, User
from app.extensions import db


def _user(user_id):
    return db.session.get(User, user_id)


def _org(org_id):
    return db.session.get(Organisation, org_id)


def test_reviewer_covers_subtree_only(world):
    reviewer = _user(world.reviewer_cdmx)
    assert policy.can_act_on(reviewer, Role.REVIEWER, _org(world.cdmx))
    assert policy.can_act_on(reviewer, Role.REVIEWER, _org(world.cdmx_finance))
    assert not policy.can_act_on(reviewer, Role.REVIEWER, _org(world.bh))
    assert not policy.can_act_on(reviewer, Role.REVIEWER, _org(world.network))
    assert not policy.can_act_on(reviewer, Role.ADMIN, _org(world.cdmx))


def test_state_reviewer_covers_its_cities(world):
    reviewer = _user(world.reviewer_mg)
    assert policy.can_act_on(reviewer, Role.REVIEWER, _org(world.bh_finance))
    assert not policy.can_act_on(reviewer, Role.REVIEWER, _org(world.cdmx))


def test_admin_implies_reviewer_and_trainer(world):
    admin = _user(world.admin_cdmx)
    assert policy.has_role(admin, Role.REVIEWER)
    assert policy.has_role(admin, Role.TRAINER)
    assert not policy.is_network_admin(admin)
    assert policy.is_network_admin(_user(world.admin))


def test_official_has_no_scope(world):
    official = _user(world.official_cdmx)
    assert policy.scope_orgs(official, Role.REVIEWER) == []
    assert db.session.scalars(select(User).where(policy.people_scope(official))).all() == []


def test_people_scope_in_sql(world):
    emails = set(
        db.session.scalars(select(User.email).where(policy.people_scope(_user(world.reviewer_bh))))
    )
    assert emails == {world.reviewer_bh_email, world.official_bh_email}


def test_slug_with_like_wildcards_cannot_widen_a_scope(world):
    """Paths are ids, but the prefix match escapes % and _ all the same."""
    org = _org(world.cdmx)
    condition = Organisation.path.startswith(org.path, autoescape=True)
    assert "ESCAPE" in str(condition.compile(compile_kwargs={"literal_binds": True})).upper()
