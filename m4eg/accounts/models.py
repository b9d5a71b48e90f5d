"""Users, their sign-in sessions and password-reset tokens."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabelledEnum
from ..core.time import utcnow
from ..extensions import db

ROLE_LABELS = {
    "staff": _l("Municipal staff"),
    "focal_point": _l("Focal point"),
    "coordinator": _l("Coordinator"),
    "admin": _l("Administrator"),
}


class Sex(LabelledEnum):
    """What a person says of their sex (the ``sex`` column): the key figures count by it."""

    FEMALE = "female", _l("Female")
    MALE = "male", _l("Male")
    NOT_STATED = "not_stated", _l("Prefer not to say")


SEX_LABELS = dict(Sex.choices())  # in this order on forms and in the key figures
# The same groups as counts name them: "Prefer not to say" is the person's own words on their
# account form; a figure, a CSV or an attendance register says "Sex not stated".
SEX_COUNT_LABELS = {**SEX_LABELS, Sex.NOT_STATED.value: _l("Sex not stated")}


class User(UserMixin, db.Model):
    __tablename__ = "users"
    # Covers the key figures' "registered at the ULC in the period, by sex" count: the
    # database answers it from the index alone, without reading 200,000 user rows.
    # Only confirmed members count, so the confirmation is part of the index too.
    __table_args__ = (Index("ix_users_ulc_registered", "ulc_registered_at", "sex",
                            "municipality_id", "municipality_confirmed_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="staff", index=True)
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipalities.id"), index=True
    )
    # Choosing a municipality is only a claim: until its focal point or a coordinator
    # confirms it, the person reads none of the municipality's plans. A change of
    # municipality makes it unconfirmed again.
    municipality_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    municipality_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    position: Mapped[str] = mapped_column(String(120), default="")
    sex: Mapped[str] = mapped_column(String(12), default=Sex.NOT_STATED)
    preferred_language: Mapped[str] = mapped_column(String(2), default="az")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the person first enrolled in a ULC course (kept by courses.services.enrol), so the
    # key figures count registered learners without grouping every enrolment.
    ulc_registered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The owner opened the single-use link mailed to the address (accounts registered before
    # the confirmation existed, and demo accounts, count as confirmed). Until then the person
    # may read but not act (core.permissions refuses their POSTs).
    email_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # A deactivated account cannot sign in and has no live session; an erased one is also
    # deactivated, its personal data replaced by a pseudonym (accounts.services.erase_user).
    deactivated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deactivated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Incremented on every profile save; a form that carries an older value was edited by
    # someone else in the meantime and is refused instead of overwriting.
    version: Mapped[int] = mapped_column(Integer, default=1)

    # Named, not imported: accounts reads municipalities only through its services.
    municipality: Mapped[Municipality | None] = relationship(  # noqa: F821
        "Municipality", lazy="joined")

    @property
    def affiliation_confirmed(self) -> bool:
        """Whether the person's municipality has been confirmed by its focal point or a
        coordinator (never true without a municipality)."""
        return self.municipality_id is not None and self.municipality_confirmed_at is not None

    @property
    def email_confirmed(self) -> bool:
        """Whether the owner has confirmed the email address (read by core.permissions)."""
        return self.email_confirmed_at is not None

    @property
    def is_active(self) -> bool:
        """Flask-Login's notion: a deactivated (or erased) account is not signed in."""
        return self.deactivated_at is None

    @property
    def erased(self) -> bool:
        return self.erased_at is not None

    # The raw token of the sign-in session this object was loaded for (never stored).
    session_token = None

    def get_id(self) -> str | None:
        return self.session_token

    @property
    def role_label(self) -> str:
        return str(ROLE_LABELS.get(self.role, self.role))

    @property
    def sex_label(self) -> str:
        return Sex.label_of(self.sex)

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserSession(db.Model):
    """One signed-in browser. Logging out or changing the password deletes the row, so a
    copied session cookie stops working; so does a session left idle too long or older than
    the absolute lifetime (checked on the server, whatever the cookie says)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Written at most once a minute (see services.SEEN_EVERY), so browsing costs no write
    # per page; indexed for the purge of idle sessions.
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                   index=True)
    ip: Mapped[str] = mapped_column(String(45), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")


class PasswordResetToken(db.Model):
    """A single-use, expiring password-reset link; only the token's hash is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class EmailConfirmationToken(db.Model):
    """A single-use, expiring link that confirms an account's email address; only the
    token's hash is stored."""

    __tablename__ = "email_confirmation_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
