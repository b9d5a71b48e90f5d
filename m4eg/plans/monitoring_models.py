"""Monitoring of approved plans: reporting rounds of a cycle and each plan's monitoring
reports with their frozen revisions. A report's comment threads and history are rows of the
plan's own tables (``plan_comments``, ``plan_events``) marked with the report's id."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .models import Cycle, FrozenRevision, Plan, UnderReview, _Stored


class ReportStatus(_Stored):
    """Where a monitoring report is in its review (``monitoring_reports.status``)."""

    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Submitted")
    IN_REVIEW = "in_review", _l("In review")
    CHANGES_REQUESTED = "changes_requested", _l("Returned for changes")
    ACCEPTED = "accepted", _l("Accepted")


# The statuses in which the municipality may still write in its report.
REPORT_EDITABLE = frozenset({ReportStatus.DRAFT, ReportStatus.CHANGES_REQUESTED})


class ActionProgress(_Stored):
    """An action's status as a monitoring report states it."""

    NOT_STARTED = "not_started", _l("Not started")
    ONGOING = "ongoing", _l("Ongoing")
    COMPLETED = "completed", _l("Completed")
    POSTPONED = "postponed", _l("Postponed")
    CANCELLED = "cancelled", _l("Cancelled")


# The statuses that need a reason.
NEEDS_REASON = frozenset({ActionProgress.POSTPONED, ActionProgress.CANCELLED})


class MonitoringRound(db.Model):
    """A reporting round of a cycle: the period its reports cover, their deadline and how
    many days before it the focal points are reminded (``flask plans remind``)."""

    __tablename__ = "monitoring_rounds"
    __table_args__ = (UniqueConstraint("cycle_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("plan_cycles.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    reminder_days: Mapped[int] = mapped_column(Integer, default=14, server_default="14")
    is_demo: Mapped[bool] = mapped_column(default=False)
    # Optimistic locking of the round's edit form (core/versions.py).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    cycle: Mapped[Cycle] = relationship(lazy="joined")


class MonitoringReport(UnderReview, db.Model):
    """A plan's monitoring report for one round. ``content`` holds, per action of the plan
    as approved (``revision_id``: its rows never change), the status, share done, money spent
    by funding source and a note; per target the actual value and its date; the narrative.
    ``version`` is the optimistic-concurrency counter of the content and the status."""

    __tablename__ = "monitoring_reports"
    __table_args__ = (UniqueConstraint("plan_id", "round_id"),)

    STATUSES = ReportStatus

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("monitoring_rounds.id"), index=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("plan_revisions.id"))
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    plan: Mapped[Plan] = relationship(lazy="joined")
    round: Mapped[MonitoringRound] = relationship(lazy="joined")
    revision = relationship("Revision", lazy="select")
    updated_by = relationship("User", lazy="select")

    @property
    def municipality_id(self) -> int:
        """The plan's municipality: the plan policies decide on a report as on its plan."""
        return self.plan.municipality_id


class MonitoringRevision(FrozenRevision, db.Model):
    """A monitoring report as submitted: frozen, never changed."""

    __tablename__ = "monitoring_revisions"
    __table_args__ = (UniqueConstraint("report_id", "number"),)

    report_id: Mapped[int] = mapped_column(ForeignKey("monitoring_reports.id"), index=True)
