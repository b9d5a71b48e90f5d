"""A period's annual report: the coordinators' texts, and once final, what it showed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.time import utcnow
from ..extensions import db

# The report's sections that carry a note, in the report's order.
SECTIONS = ("figures", "municipalities", "events", "quotes", "ulc", "p4eg")


class AnnualReport(db.Model):
    """The texts written for the report of ``period_from``–``period_to`` (months, inclusive,
    ``YYYY-MM``). ``notes`` maps a section of :data:`SECTIONS` to ``{"az": …, "en": …}``
    (Markdown). A final report keeps in ``snapshot`` everything it shows, in both languages,
    so that later changes of the records do not alter it."""

    __tablename__ = "annual_reports"
    __table_args__ = (UniqueConstraint("period_from", "period_to"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    period_from: Mapped[str] = mapped_column(String(7))
    period_to: Mapped[str] = mapped_column(String(7))
    intro_az: Mapped[str] = mapped_column(Text, default="")
    intro_en: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finalised_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finalised_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The name as it was when the report was finalised (a later change of name does not
    # rewrite a published report).
    finalised_by_name: Mapped[str] = mapped_column(String(120), default="")
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer, default=1)

    @property
    def is_final(self) -> bool:
        return self.finalised_at is not None

    def note(self, section: str, lang: str) -> str:
        return (self.notes or {}).get(section, {}).get(lang, "")
