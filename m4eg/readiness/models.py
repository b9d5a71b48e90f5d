"""Indicator values per area and saved weight sets of the SVR index."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.time import utcnow
from ..extensions import db


class IndicatorValue(db.Model):
    """One value of one indicator for one area (a village municipality or a rayon) and
    year. Areas are referred to by their register codes."""

    __tablename__ = "readiness_values"
    __table_args__ = (UniqueConstraint("area_kind", "area_code", "indicator", "year"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_kind: Mapped[str] = mapped_column(String(12), index=True)  # village, rayon
    area_code: Mapped[str] = mapped_column(String(40), index=True)
    indicator: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200), default="")
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)
    imported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class WeightSet(db.Model):
    """Alternative dimension weights a coordinator saved (equal weights are the default)."""

    __tablename__ = "readiness_weight_sets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    weights: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
