"""A notification of one person, and their choice per kind of also getting it by email."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.enums import LabelledEnum
from ..core.i18n import localized
from ..core.time import utcnow
from ..extensions import db


class Kind(LabelledEnum):
    """What a notification is about (``notifications.kind``); the label names the kind on
    the preferences page."""

    PLAN_STATUS = "plan_status", _l("A P4EG plan changes status")
    PLAN_COMMENT = "plan_comment", _l("A new comment or reply on a P4EG plan")
    PLAN_REMINDER = "plan_reminder", _l("A P4EG plan's deadline is near")
    PLAN_EXTENSION = "plan_extension", _l("More time for a P4EG plan is asked, granted or "
                                          "refused")
    ROLE_GRANTED = "role_granted", _l("My role on the platform changes")
    MEMBERSHIP_CONFIRMED = "membership_confirmed", _l("My municipality confirms that I work "
                                                      "there")
    WORKSHOP_SEAT = "workshop_seat", _l("A workshop seat is confirmed or becomes free for me")


class Notification(db.Model):
    """Something that happened that concerns ``user``. The title is kept in both languages
    (written when it happened) and the link as an endpoint with its arguments, so that the
    reader gets both in the language they read the site in."""

    __tablename__ = "notifications"
    # The header's counter and the list read "this person's unread, newest first".
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Erasing an account erases its notifications with it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32))
    title_az: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300))
    endpoint: Mapped[str] = mapped_column(String(80))
    link_args: Mapped[dict] = mapped_column(JSON, default=dict)
    anchor: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def kind_label(self) -> str:
        return Kind.label_of(self.kind)


class MailPreference(db.Model):
    """A person's choice for one kind; without a row the mail goes (the default is on)."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    email: Mapped[bool] = mapped_column(Boolean, default=True)
