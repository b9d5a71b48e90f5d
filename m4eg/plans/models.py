"""P4EG plans: versioned templates, cycles with deadlines, plans, frozen revisions, review
comments and the plan's event history."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import (
    Mapped,
    attribute_keyed_dict,
    declared_attr,
    mapped_column,
    relationship,
)

from ..core.enums import LabelledEnum
from ..core.i18n import localized
from ..core.time import utcnow
from ..extensions import db


class _Stored(LabelledEnum):
    """A value a column stores, declared with its translated label (the columns stay
    String)."""

    @classmethod
    def parse(cls, value):
        """The member stored or typed as ``value``, or None for anything else (a stale filter
        in an address, an event without a status)."""
        try:
            return cls(value)
        except ValueError:
            return None


class PlanStatus(_Stored):
    """Where a plan is in its review cycle (``plans.status``); the labels are read by the
    pages, the queue export, the PDF, the mail and the history."""

    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Submitted")
    IN_REVIEW = "in_review", _l("In review")
    CHANGES_REQUESTED = "changes_requested", _l("Changes requested")
    APPROVED = "approved", _l("Approved")


class PlanAction(_Stored):
    """What an entry of a plan's history records (``plan_events.action``); the label reads
    as "<person> approved the plan"."""

    STARTED = "started", _l("started the plan")
    SAVED = "saved", _l("saved")
    SUBMITTED = "submitted", _l("submitted the plan")
    REVIEW_STARTED = "review_started", _l("took the plan into review")
    CHANGES_REQUESTED = "changes_requested", _l("asked for changes")
    APPROVED = "approved", _l("approved the plan")
    COMMENTED = "commented", _l("commented on")
    REPLIED = "replied", _l("replied on")
    RESOLVED = "resolved", _l("marked a comment resolved on")
    # A monitoring report's history (events with a report_id).
    REPORT_STARTED = "report_started", _l("started the monitoring report")
    REPORT_SAVED = "report_saved", _l("saved the monitoring report")
    REPORT_SUBMITTED = "report_submitted", _l("submitted the monitoring report")
    REPORT_REVIEW_STARTED = "report_review_started", _l("took the monitoring report into review")
    REPORT_RETURNED = "report_returned", _l("returned the monitoring report for changes")
    REPORT_ACCEPTED = "report_accepted", _l("accepted the monitoring report")


# The statuses in which the municipality may still write in its plan.
EDITABLE = frozenset({PlanStatus.DRAFT, PlanStatus.CHANGES_REQUESTED})


# ---------------------------------------------------------------- shapes shared with monitoring


class StatusLabelled:
    """A row with a ``status`` column whose translated label ``STATUSES`` (a :class:`_Stored`
    enum) gives; an unknown stored value reads as itself."""

    STATUSES: ClassVar[type[_Stored]]

    @property
    def status_label(self) -> str:
        status = self.STATUSES.parse(self.status)
        return str(status.label) if status else self.status


class UnderReview(StatusLabelled):
    """The columns of a record the municipality hands in and coordinators review (a plan, a
    monitoring report): its status, the counter a status move claims (a conditional UPDATE:
    two reviewers acting at once cannot both move it, see :mod:`.workflow`), its dates."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    is_demo: Mapped[bool] = mapped_column(default=False)


class FrozenRevision:
    """The columns of a version as submitted (of a plan, of a monitoring report): numbered
    per record, frozen, never changed."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict] = mapped_column(JSON)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @declared_attr
    def submitted_by(cls):
        return relationship("User", lazy="joined")


class PlanTemplate(db.Model):
    """One version of a plan template; its definition never changes once loaded."""

    __tablename__ = "plan_templates"
    __table_args__ = (UniqueConstraint("code", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    version: Mapped[int] = mapped_column(Integer)
    title_az: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    definition: Mapped[dict] = mapped_column(JSON)
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    @property
    def title(self) -> str:
        return localized(self, "title")

    @property
    def blocks(self) -> list[dict]:
        return self.definition["blocks"]

    def block(self, key: str) -> dict | None:
        return next((b for b in self.blocks if b["key"] == key), None)


class Cycle(db.Model):
    """A planning cycle (e.g. 2025–2027) with its submission deadline."""

    __tablename__ = "plan_cycles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    deadline: Mapped[date] = mapped_column(Date)
    reminder_days: Mapped[int] = mapped_column(Integer, default=14)
    is_demo: Mapped[bool] = mapped_column(default=False)
    # Optimistic locking of the cycle's edit form (core/versions.py).
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class Plan(UnderReview, db.Model):
    __tablename__ = "plans"
    __table_args__ = (
        UniqueConstraint("municipality_id", "cycle_id"),
        # The review queue's order (submitted first, oldest first, then by id) and the figures'
        # date ranges both read this index.
        Index("ix_plans_submitted_at_id", "submitted_at", "id"),
    )

    STATUSES = PlanStatus

    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("plan_cycles.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("plan_templates.id"))
    # (``version`` counts status changes; block contents carry versions of their own.)
    approved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)

    municipality = relationship("Municipality", lazy="joined")
    cycle: Mapped[Cycle] = relationship(lazy="joined")
    template: Mapped[PlanTemplate] = relationship(lazy="joined")
    blocks: Mapped[dict[str, PlanBlock]] = relationship(
        collection_class=attribute_keyed_dict("block_key"), lazy="selectin",
        cascade="all, delete-orphan", back_populates="plan")

    @property
    def content(self) -> dict:
        """The plan's content, block key → field values (read-only: blocks are saved one by
        one through ``services.save_block``)."""
        return {key: block.content for key, block in self.blocks.items() if block.content}

    def block_version(self, key: str) -> int:
        """The version of block ``key`` that a form opened now is based on (0: never saved)."""
        block = self.blocks.get(key)
        return block.version if block is not None else 0


class PlanBlock(db.Model):
    """One block of a plan's draft with its own version: saving a block changes only its own
    row (``UPDATE … WHERE version = :seen``), so people editing different blocks never
    conflict and two saves of the same block never silently overwrite each other."""

    __tablename__ = "plan_blocks"
    __table_args__ = (UniqueConstraint("plan_id", "block_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    block_key: Mapped[str] = mapped_column(String(40))
    content: Mapped[dict] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    plan: Mapped[Plan] = relationship(back_populates="blocks")
    updated_by = relationship("User", lazy="select")


class Revision(FrozenRevision, db.Model):
    """The plan as submitted: frozen, never changed."""

    __tablename__ = "plan_revisions"
    __table_args__ = (UniqueConstraint("plan_id", "number"),)

    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)


class Comment(db.Model):
    __tablename__ = "plan_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    revision_id: Mapped[int | None] = mapped_column(ForeignKey("plan_revisions.id"))
    block_key: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A reply belongs to the comment that opened the thread; only that one is resolved.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("plan_comments.id"), index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Set on a comment about a monitoring report of the plan (None: about the plan itself).
    report_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_reports.id"),
                                                  index=True)

    author = relationship("User", lazy="joined", foreign_keys=[author_id])
    resolved_by = relationship("User", lazy="joined", foreign_keys=[resolved_by_id])
    revision: Mapped[Revision | None] = relationship(lazy="joined")

    @property
    def is_open(self) -> bool:
        return self.parent_id is None and self.resolved_at is None


class PlanEvent(db.Model):
    """Who did what to a plan and when (started, saved, submitted, reviewed…)."""

    __tablename__ = "plan_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Set on an event of a monitoring report of the plan (None: of the plan itself).
    report_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_reports.id"),
                                                  index=True)

    actor = relationship("User", lazy="joined")


class ReminderSent(db.Model):
    """A deadline reminder already sent to a municipality for a cycle: `flask plans remind`
    never sends the same one twice."""

    __tablename__ = "plan_reminders"
    __table_args__ = (UniqueConstraint("municipality_id", "cycle_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"))
    cycle_id: Mapped[int] = mapped_column(ForeignKey("plan_cycles.id"))
    kind: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


# ---------------------------------------------------------------- open plans, deadline extensions
# (issue 21: m4eg/plans/openplans.py and m4eg/plans/extensions.py hold their rules)


class Withholding(db.Model):
    """A coordinator kept an approved plan, or one accepted monitoring report of it
    (``report_id``), off the public pages, with the reason; undoing it stamps
    ``released_at`` (rows are never deleted, so every decision and its reason stay on
    record). The plan (the report) is withheld while a row of it without ``released_at``
    exists; a row with a ``report_id`` withholds that report only, never the plan."""

    __tablename__ = "plan_withholdings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"), index=True)
    report_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_reports.id"),
                                                  index=True)
    reason: Mapped[str] = mapped_column(Text)
    withheld_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    withheld_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    withheld_by = relationship("User", lazy="joined", foreign_keys=[withheld_by_id])
    released_by = relationship("User", lazy="joined", foreign_keys=[released_by_id])


class ExtensionStatus(_Stored):
    """Where a request for more time stands (``plan_deadline_extensions.status``)."""

    PENDING = "pending", _l("Waiting for a decision")
    GRANTED = "granted", _l("Granted")
    REFUSED = "refused", _l("Refused")


class DeadlineExtension(StatusLabelled, db.Model):
    """A municipality's request to hand in later than a deadline, and the coordinator's
    decision: the deadline of its plan for a cycle (``cycle_id``) or of its monitoring report
    for a reporting round (``round_id``), exactly one of the two. One request per
    municipality and cycle, and one per municipality and round."""

    __tablename__ = "plan_deadline_extensions"
    STATUSES = ExtensionStatus
    __table_args__ = (
        UniqueConstraint("cycle_id", "municipality_id"),
        UniqueConstraint("round_id", "municipality_id"),
        CheckConstraint("(cycle_id IS NULL) <> (round_id IS NULL)", name="cycle_or_round"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    cycle_id: Mapped[int | None] = mapped_column(ForeignKey("plan_cycles.id"), index=True)
    round_id: Mapped[int | None] = mapped_column(ForeignKey("monitoring_rounds.id"),
                                                 index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The deadline in force when the request was made (what the decision extends).
    previous_deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default=ExtensionStatus.PENDING.value,
                                        index=True)
    new_deadline: Mapped[date | None] = mapped_column(Date)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str] = mapped_column(Text, default="")
    is_demo: Mapped[bool] = mapped_column(default=False)

    cycle: Mapped[Cycle | None] = relationship(lazy="joined")
    round = relationship("MonitoringRound", lazy="joined")
    municipality = relationship("Municipality", lazy="joined")
    requested_by = relationship("User", lazy="joined", foreign_keys=[requested_by_id])
    decided_by = relationship("User", lazy="joined", foreign_keys=[decided_by_id])

    @property
    def subject(self) -> str:
        """What the request is about, in words: the cycle's plan or the round's report."""
        if self.round is not None:
            return _("monitoring report %(round)s (cycle %(cycle)s)", round=self.round.name,
                     cycle=self.round.cycle.name)
        return _("plan of the cycle %(cycle)s", cycle=self.cycle.name)
