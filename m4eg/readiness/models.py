"""Indicator values per area and year, weight sets, the method settings and fixed reference,
village clusters and official classes of the SVR index."""

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


class Settings(db.Model):
    """The coordinators' choices of method (one row): the reference scores are scaled
    against, the base year, how classes are cut, and whether Baku and its metropolitan area
    enter the rayon ranking. Versioned: a stale form is refused."""

    __tablename__ = "readiness_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), default="none")  # none, base_year, national
    base_year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    cuts: Mapped[str] = mapped_column(String(16), default="equal_width")
    thresholds: Mapped[list] = mapped_column(JSON, default=list)
    include_metro: Mapped[bool] = mapped_column(Boolean, default=False)
    reference_fixed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                                nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class ReferenceBound(db.Model):
    """The fixed reference of one indicator for one kind of area: its lowest, highest and
    median value, taken from the platform's areas in the base year (``origin`` base_year) or
    imported as national bounds (``national``)."""

    __tablename__ = "readiness_reference"
    __table_args__ = (UniqueConstraint("origin", "area_kind", "indicator"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    origin: Mapped[str] = mapped_column(String(12))
    area_kind: Mapped[str] = mapped_column(String(12))
    indicator: Mapped[int] = mapped_column(Integer)
    low: Mapped[float] = mapped_column(Float)
    high: Mapped[float] = mapped_column(Float)
    median: Mapped[float | None] = mapped_column(Float, nullable=True)
    source: Mapped[str] = mapped_column(String(200), default="")


class Cluster(db.Model):
    """A village cluster, the paper's unit: a name and the areas it covers (all village
    municipalities or all rayons, possibly across rayon boundaries)."""

    __tablename__ = "readiness_clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_az: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    area_kind: Mapped[str] = mapped_column(String(12))
    areas: Mapped[list] = mapped_column(JSON)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class OfficialClass(db.Model):
    """The class a source (the World Bank paper, a ministry) gives an area or a cluster,
    shown beside the computed one."""

    __tablename__ = "readiness_official_classes"
    __table_args__ = (UniqueConstraint("area_kind", "area_code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    area_kind: Mapped[str] = mapped_column(String(12))  # village, rayon, cluster
    area_code: Mapped[str] = mapped_column(String(40))
    klass: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(200), default="")
