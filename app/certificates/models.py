"""A certificate: issued once per completed enrolment, its content frozen at issue."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import search
from app.accounts.models import Organisation, User
from app.catalog.models import Course, CourseVersion
from app.clock import utcnow
from app.extensions import db


class Certificate(db.Model):
    __tablename__ = "certificates"
    __table_args__ = (
        # Infix LIKE on the holder's name: a trigram index on PostgreSQL, a plain one elsewhere.
        Index(
            "ix_certificates_search_key",
            "search_key",
            postgresql_using="gin",
            postgresql_ops={"search_key": "gin_trgm_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored without separators; see codes.display() for the printed form.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    #: Unique: two requests completing the same enrolment at once still make one certificate.
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("enrolments.id"), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: The holder's organisation at issue; reviewers see certificates of their subtree.
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("course_versions.id"))
    language: Mapped[str] = mapped_column(String(10))
    # Frozen copies: later renames of the person, course or city change nothing here.
    holder_name: Mapped[str] = mapped_column(String(200))
    #: The holder's name in search form (app/search.py), frozen with it.
    search_key: Mapped[str] = mapped_column(Text, default=search.default_from("holder_name"))
    course_title: Mapped[str] = mapped_column(String(300))
    hours: Mapped[float]
    issuer_names: Mapped[list] = mapped_column(JSON)
    issued_at: Mapped[datetime] = mapped_column(index=True)
    expires_at: Mapped[datetime | None] = mapped_column(index=True)
    #: The signed OpenBadgeCredential (JSON) and the same credential as a VC-JWT.
    credential: Mapped[str] = mapped_column(Text)
    credential_jwt: Mapped[str] = mapped_column(Text)
    #: Whether the verification page shows the holder's name (the holder decides).
    show_name: Mapped[bool] = mapped_column(default=True)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    organisation: Mapped[Organisation] = relationship()
    course: Mapped[Course] = relationship()
    version: Mapped[CourseVersion] = relationship()

    def status(self, now: datetime) -> str:
        """ "revoked", "expired" or "valid", in that order of precedence."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "valid"
