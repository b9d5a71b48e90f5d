"""Records the key figures count that no other domain keeps: communications reach per
channel and period (``communications_reach``) and which activity kinds the programme counts
as events (``activity_kinds``)."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import Boolean, CheckConstraint, Date, DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.enums import LabelledEnum
from ..core.time import utcnow
from ..extensions import db


class Channel(LabelledEnum):
    """Where people were reached (the ``channel`` column)."""

    WEBSITE = "website", _l("Website")
    FACEBOOK = "facebook", _l("Facebook")
    INSTAGRAM = "instagram", _l("Instagram")
    PRESS = "press", _l("Press")
    NEWSLETTER = "newsletter", _l("Newsletter")
    ALL_CHANNELS = "all_channels", _l("Communications channels (total as reported, no split "
                                      "given)")
    OTHER = "other", _l("Other")


class ReachRecord(db.Model):
    """People reached through one channel over a date range, as a source reports it.

    A record counts in a period when its last day (``ends_on``) falls in the period: reach is
    reported as a total for its range and cannot be split between months, so it is counted
    once, in the period that contains the end of its range."""

    __tablename__ = "communications_reach"
    __table_args__ = (
        CheckConstraint("reach >= 0", name="reach_not_negative"),
        CheckConstraint("ends_on >= starts_on", name="range_in_order"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))  # a Channel
    reach: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date, index=True)
    source: Mapped[str] = mapped_column(String(300))
    note: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def channel_label(self) -> str:
        return Channel.label_of(self.channel)


class ActivityKindRule(db.Model):
    """Whether activities of a kind (``portfolios.ActivityKind``) count toward the key figure
    "events". A kind with no row takes the programme's definition (``services.EVENT_KINDS``)."""

    __tablename__ = "activity_kinds"

    key: Mapped[str] = mapped_column(String(16), primary_key=True)
    counts_as_event: Mapped[bool] = mapped_column(Boolean, default=False)
