"""Workshop sessions and registrations (tables ``workshops`` and ``workshop_registrations``)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabelledEnum
from ..core.i18n import localized
from ..core.time import as_utc, utcnow
from ..extensions import db


class RegistrationStatus(LabelledEnum):
    """Where a registration stands; the value is what the ``status`` column stores."""

    CONFIRMED = "confirmed", _l("confirmed")
    WAITLISTED = "waitlisted", _l("waitlisted")
    CANCELLED = "cancelled", _l("cancelled")


class Attendance(LabelledEnum):
    """What the attendance register records of a confirmed participant."""

    PRESENT = "present", _l("Present")
    ABSENT = "absent", _l("Absent")
    EXCUSED = "excused", _l("Excused")


class DatePrecision(LabelledEnum):
    """How exactly a session's day is known: a report of past sessions may give only the
    month ("November 2023"); the pages then show no more than that."""

    DAY = "day"
    MONTH = "month"


class Workshop(db.Model):
    """An in-person session of a course. ``seats_taken`` is changed only by a conditional
    UPDATE, so two people can never take the last seat at once."""

    __tablename__ = "workshops"
    __table_args__ = (CheckConstraint("seats_taken >= 0 AND seats_taken <= capacity",
                                      name="seats_within_capacity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    course_slug: Mapped[str] = mapped_column(String(80), index=True)
    city_az: Mapped[str] = mapped_column(String(120))
    city_en: Mapped[str] = mapped_column(String(120))
    venue: Mapped[str] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    capacity: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    registration_deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=1)
    date_precision: Mapped[str] = mapped_column(String(8), default=DatePrecision.DAY,
                                                server_default=DatePrecision.DAY.value)

    @property
    def city(self) -> str:
        return localized(self, "city")

    @property
    def day_known(self) -> bool:
        return self.date_precision != DatePrecision.MONTH

    @property
    def has_started(self) -> bool:
        return as_utc(self.starts_at) <= utcnow()

    @property
    def registration_open(self) -> bool:
        """Open until the deadline, and never once the session has started."""
        now = utcnow()
        return as_utc(self.registration_deadline) >= now and as_utc(self.starts_at) > now


class WorkshopRegistration(db.Model):
    __tablename__ = "workshop_registrations"
    __table_args__ = (UniqueConstraint("workshop_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    status: Mapped[str] = mapped_column(String(12))  # a RegistrationStatus
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attendance: Mapped[str | None] = mapped_column(String(8))  # an Attendance

    user = relationship("User", lazy="joined")


class WorkshopGuest(db.Model):
    """Someone without an account who came to a session (a walk-in, a partner's
    representative), recorded at the door by a coordinator; counted in attendance."""

    __tablename__ = "workshop_guests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshops.id"), index=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    organisation: Mapped[str] = mapped_column(String(200), default="")
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipalities.id"))
    sex: Mapped[str] = mapped_column(String(12))  # an accounts Sex value
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
