"""People and where they belong: organisations in a tree, users, and role memberships."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import search
from app.clock import utcnow
from app.extensions import db


class OrgKind(enum.StrEnum):
    """What an organisation is in the network's tree."""

    NETWORK = "network"
    STATE = "state"
    CITY = "city"
    DEPARTMENT = "department"
    OTHER = "other"

    @property
    def title(self) -> str:
        return str(_ORG_KIND_TITLES[self])


_ORG_KIND_TITLES = {
    OrgKind.NETWORK: _l("Network"),
    OrgKind.STATE: _l("State or region"),
    OrgKind.CITY: _l("City"),
    OrgKind.DEPARTMENT: _l("Department"),
    OrgKind.OTHER: _l("Other organisation"),
}


class Role(enum.StrEnum):
    """Roles held through a membership; every user is an official of their own organisation."""

    OFFICIAL = "official"
    TRAINER = "trainer"
    REVIEWER = "reviewer"
    ADMIN = "admin"

    @property
    def title(self) -> str:
        return str(_ROLE_TITLES[self])


_ROLE_TITLES = {
    Role.OFFICIAL: _l("Official"),
    Role.TRAINER: _l("Trainer"),
    Role.REVIEWER: _l("Reviewer"),
    Role.ADMIN: _l("Administrator"),
}

#: Roles that are stored as memberships; "official" follows from User.organisation.
GRANTED_ROLES = (Role.TRAINER, Role.REVIEWER, Role.ADMIN)


class Organisation(db.Model):
    """A member of the network, or a part of one; the tree is network > state > city > dept."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    #: Materialised path of ids, "/1/4/9/": a subtree is one indexed prefix match.
    path: Mapped[str] = mapped_column(String(500), index=True, default="")
    #: IANA name ("America/Lima"); None inherits the parent's, at the top DEFAULT_TIME_ZONE.
    time_zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Organisation]] = relationship(
        back_populates="parent", order_by="Organisation.name"
    )

    @property
    def kind_enum(self) -> OrgKind:
        return OrgKind(self.kind)

    @property
    def depth(self) -> int:
        return self.path.count("/") - 2

    def ancestor_ids(self) -> list[int]:
        """Ids from the root down to this organisation, inclusive."""
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def contains(self, other: Organisation) -> bool:
        """True when other is this organisation or lies below it."""
        return other.path.startswith(self.path)

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class User(UserMixin, db.Model):
    """Anyone who signs in: officials, trainers, reviewers and admins alike."""

    __tablename__ = "users"
    #: Covers "the active people of these organisations", the start of every report.
    __table_args__ = (
        Index("ix_users_org_active", "organisation_id", "is_active_account", "id"),
        # Headcount and "active in the last 30 days" per organisation, from the index alone.
        Index("ix_users_org_active_login", "organisation_id", "is_active_account", "last_login_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased, which makes the unique constraint case-insensitive.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: None until the person accepts an invitation or resets their password.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(10), default="es")
    #: IANA name chosen in the profile; None follows the organisation's (accounts/zones.py).
    time_zone: Mapped[str | None] = mapped_column(String(64))
    #: Time allowed on timed quizzes, in percent of their limit: an accommodation a reviewer
    #: grants (WCAG 2.2.1); 100 for everyone else.
    quiz_time_percent: Mapped[int] = mapped_column(default=100, server_default="100")
    #: The most specific unit the person works in: a department, else a city or other member.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    job_title: Mapped[str] = mapped_column(String(200), default="")
    is_active_account: Mapped[bool] = mapped_column(default=True)
    #: Changes on password change, which signs out every other session of this user.
    session_nonce: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(8))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    #: Set when the person's data was erased on request; the row stays, anonymised, so
    #: reports keep their counts and certificates still verify.
    erased_at: Mapped[datetime | None]
    #: Name and e-mail in search form (app/search.py), so search forgives accents and case.
    search_key: Mapped[str] = mapped_column(Text, default=search.default_from("name", "email"))

    organisation: Mapped[Organisation] = relationship()
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.is_active_account

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None

    def get_id(self) -> str:
        return f"{self.id}:{self.session_nonce}"

    @property
    def department(self) -> Organisation | None:
        org = self.organisation
        return org if org is not None and org.kind == OrgKind.DEPARTMENT else None

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Membership(db.Model):
    """A role a user holds over an organisation and everything below it."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship()

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


Index("ix_users_name", User.name)
# Infix LIKE on the search key: a trigram index on PostgreSQL, a plain one elsewhere.
Index(
    "ix_users_search_key",
    User.search_key,
    postgresql_using="gin",
    postgresql_ops={"search_key": "gin_trgm_ops"},
)
# Counts the active people of a scope whose key matches from the index alone (officials list).
Index("ix_users_org_active_search", User.organisation_id, User.is_active_account, User.search_key)


@event.listens_for(User, "before_update")
def _rekey_user(_mapper, _connection, user: User) -> None:
    """A renamed person (or one erased on request) is found by their new name only."""
    user.search_key = search.key_of(user.name, user.email)
