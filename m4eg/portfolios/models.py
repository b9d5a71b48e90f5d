"""Deep-demonstrator portfolios: options (interventions) and their status pipeline,
milestones, activities, sensemaking sessions and stories."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Table,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.enums import LabelledEnum
from ..core.i18n import localized
from ..core.time import utcnow
from ..extensions import db


class OptionStatus(LabelledEnum):
    """Where an option stands in the pipeline; the value is what the ``status`` column (and
    a status change's ``from_status`` and ``to_status``) stores."""

    IDEA = "idea", _l("Idea")
    DESIGNED = "designed", _l("Designed")
    PROCUREMENT = "procurement", _l("Procurement")
    IMPLEMENTING = "implementing", _l("Implementing")
    COMPLETED = "completed", _l("Completed")
    PAUSED = "paused", _l("Paused")
    DROPPED = "dropped", _l("Dropped")
    # A reported option whose stage the source does not give: shown as such, not guessed.
    NOT_STATED = "not_stated", _l("Not stated in the report")


class GrantPhase(LabelledEnum):
    """The grant an option is financed by; ``NONE`` (stored as "") is no grant."""

    NONE = "", _l("No grant")
    SEED = "seed", _l("Seed")
    GROWTH = "growth", _l("Growth")
    SCALE = "scale", _l("Scale")


class ActivityKind(LabelledEnum):
    """What kind of event an activity is (the ``kind`` column)."""

    STUDY_TOUR = "study_tour", _l("Study tour")
    WORKSHOP = "workshop", _l("Workshop")
    FORUM = "forum", _l("Forum")
    SENSEMAKING = "sensemaking", _l("Sensemaking session")
    FAIR = "fair", _l("Fair")
    MEETING = "meeting", _l("Meeting")
    OTHER = "other", _l("Other")


class DatePrecision(LabelledEnum):
    """How exactly an activity's date is known (reports of past events often give only the
    month, the year or a period): the page shows no more than that."""

    DAY = "day"
    MONTH = "month"
    YEAR = "year"
    PERIOD = "period"


class Bilingual:
    """Fields stored as ``<name>_az`` and ``<name>_en``, read in the page's language."""

    def text(self, field: str) -> str:
        return localized(self, field)


class Portfolio(Bilingual, db.Model):
    __tablename__ = "portfolios"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipalities.id"), index=True)
    track: Mapped[str] = mapped_column(String(24), index=True)
    title_az: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    intent_az: Mapped[str] = mapped_column(Text, default="")
    intent_en: Mapped[str] = mapped_column(Text, default="")
    theme_az: Mapped[str] = mapped_column(String(200), default="")
    theme_en: Mapped[str] = mapped_column(String(200), default="")
    start_date: Mapped[date | None] = mapped_column(Date)
    sdgs: Mapped[list] = mapped_column(JSON, default=list)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    last_update_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    municipality = relationship("Municipality", lazy="joined")
    options: Mapped[list[Option]] = relationship(
        back_populates="portfolio", order_by="Option.id", lazy="selectin")


class Option(Bilingual, db.Model):
    __tablename__ = "portfolio_options"
    __table_args__ = (CheckConstraint("budget_azn IS NULL OR budget_azn >= 0",
                                      name="budget_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id"), index=True)
    title_az: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    description_az: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=OptionStatus.IDEA, index=True)
    status_reason: Mapped[str] = mapped_column(String(500), default="")
    responsible: Mapped[str] = mapped_column(String(200), default="")
    budget_azn: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    grant_phase: Mapped[str] = mapped_column(String(8), default="")
    partners: Mapped[str] = mapped_column(String(500), default="")
    internal_notes: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    portfolio: Mapped[Portfolio] = relationship(back_populates="options")
    milestones: Mapped[list[Milestone]] = relationship(
        back_populates="option", order_by="Milestone.due_date", lazy="selectin")

    @property
    def status_label(self) -> str:
        return OptionStatus.label_of(self.status)

    @property
    def grant_phase_label(self) -> str:
        return GrantPhase.label_of(self.grant_phase)


class StatusChange(db.Model):
    __tablename__ = "option_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("portfolio_options.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(500), default="")
    on_date: Mapped[date] = mapped_column(Date)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    actor = relationship("User", lazy="joined")

    @property
    def from_label(self) -> str:
        return OptionStatus.label_of(self.from_status)

    @property
    def to_label(self) -> str:
        return OptionStatus.label_of(self.to_status)


class Milestone(Bilingual, db.Model):
    __tablename__ = "portfolio_milestones"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    option_id: Mapped[int] = mapped_column(ForeignKey("portfolio_options.id"), index=True)
    title_az: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    due_date: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)

    option: Mapped[Option] = relationship(back_populates="milestones")


class Activity(Bilingual, db.Model):
    """An event of a portfolio; feeds the key figures (events, people reached, by sex)."""

    __tablename__ = "portfolio_activities"
    __table_args__ = (CheckConstraint(
        "men >= 0 AND women >= 0 AND not_stated >= 0 AND "
        "(people_reached IS NULL OR people_reached >= 0)", name="counts_not_negative"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int | None] = mapped_column(ForeignKey("portfolios.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title_az: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    on_date: Mapped[date] = mapped_column(Date, index=True)
    date_precision: Mapped[str] = mapped_column(String(8), default=DatePrecision.DAY)
    place_az: Mapped[str] = mapped_column(String(200), default="")
    place_en: Mapped[str] = mapped_column(String(200), default="")
    description_az: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    men: Mapped[int] = mapped_column(Integer, default=0)
    women: Mapped[int] = mapped_column(Integer, default=0)
    not_stated: Mapped[int] = mapped_column(Integer, default=0)
    people_reached: Mapped[int | None] = mapped_column(Integer)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    portfolio: Mapped[Portfolio | None] = relationship(lazy="joined")

    @property
    def kind_label(self) -> str:
        return ActivityKind.label_of(self.kind)

    @property
    def participants(self) -> int:
        return self.men + self.women + self.not_stated


session_options = Table(
    "sensemaking_session_options", db.metadata,
    Column("session_id", ForeignKey("sensemaking_sessions.id"), primary_key=True),
    Column("option_id", ForeignKey("portfolio_options.id"), primary_key=True),
)


class SensemakingSession(Bilingual, db.Model):
    __tablename__ = "sensemaking_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id"), index=True)
    on_date: Mapped[date] = mapped_column(Date)
    participants: Mapped[str] = mapped_column(String(500), default="")
    questions_az: Mapped[str] = mapped_column(Text, default="")
    questions_en: Mapped[str] = mapped_column(Text, default="")
    insights_az: Mapped[str] = mapped_column(Text, default="")
    insights_en: Mapped[str] = mapped_column(Text, default="")
    decisions_az: Mapped[str] = mapped_column(Text, default="")
    decisions_en: Mapped[str] = mapped_column(Text, default="")

    options: Mapped[list[Option]] = relationship(secondary=session_options, lazy="selectin")


class Story(Bilingual, db.Model):
    __tablename__ = "portfolio_stories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    portfolio_id: Mapped[int] = mapped_column(ForeignKey("portfolios.id"), index=True)
    quote_az: Mapped[str] = mapped_column(Text)
    quote_en: Mapped[str] = mapped_column(Text)
    # The name as the person spells it in each language (Orxan Musayev / Orkhan Musayev).
    person_name_az: Mapped[str] = mapped_column(String(120), default="", server_default="")
    person_name_en: Mapped[str] = mapped_column(String(120))
    person_role_az: Mapped[str] = mapped_column(String(200), default="")
    person_role_en: Mapped[str] = mapped_column(String(200), default="")
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
