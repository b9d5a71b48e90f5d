"""Readiness rules: the indicator catalogue, importing values (dry run, all-or-nothing,
idempotent), computing the index for village municipalities or rayons, weight sets,
sensitivity, profiles and export. The computation itself is :mod:`.compute`."""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core import tables
from ..core import time as clock
from ..core.errors import DomainError
from ..core.imports import ImportPlan, RowResult, RowStatus
from ..core.params import to_int
from ..extensions import db
from ..municipalities import services as municipalities
from .compute import DIMENSIONS, Indicator, changes, compute, equal_weights
from .labels import DIMENSION_LABELS  # noqa: F401 - for other domains (plans)
from .models import IndicatorValue, WeightSet

DATA = Path(__file__).parent / "data"
KINDS = ("village", "rayon")
COLUMNS = ("area", "indicator", "value", "year", "source")
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 50_000
DEMO_SOURCE = "Synthetic demo data (not real)"


class ReadinessError(DomainError):
    """A rule of the index refused an import or a weight set."""


@dataclass(frozen=True)
class CatalogueEntry:
    number: int
    dimension: str
    category: dict
    criterion: dict
    source: dict
    measurement: dict
    higher_is_better: bool

    def as_indicator(self) -> Indicator:
        return Indicator(self.number, self.dimension, self.higher_is_better)


@cache
def catalogue() -> tuple[CatalogueEntry, ...]:
    """The 53 indicators of Annex I, in order."""
    with open(DATA / "indicators.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(CatalogueEntry(
        number=int(r["number"]), dimension=r["dimension"],
        category={"az": r["category_az"], "en": r["category_en"]},
        criterion={"az": r["criterion_az"], "en": r["criterion_en"]},
        source={"az": r["source_az"], "en": r["source_en"]},
        measurement={"az": r["measurement_az"], "en": r["measurement_en"]},
        higher_is_better=r["direction"] == "higher") for r in rows)


@cache
def classes() -> dict:
    """Label, typical gaps and recommended interventions of each class (Table 6)."""
    return yaml.safe_load((DATA / "classes.yml").read_text(encoding="utf-8"))


def areas(kind: str) -> dict[str, dict]:
    """The areas of ``kind``: code → names (village municipalities or rayons)."""
    if kind == "village":
        return municipalities.village_areas()
    return municipalities.rayon_areas()


def _area_kind(code: str, villages: set, rayons: set) -> str | None:
    if code in villages:
        return "village"
    if code in rayons:
        return "rayon"
    return None


# ---------------------------------------------------------------- import


def read_table(filename: str, content: bytes) -> list[dict]:
    try:
        return tables.read_table(filename, content, required=COLUMNS[:4], allowed=COLUMNS,
                                 max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_ROWS)
    except tables.TableError as error:
        raise ReadinessError(error.message) from error


def plan_import(rows: list[dict]) -> ImportPlan:
    """The dry run: what each row would do, or why it is rejected. Writes nothing."""
    numbers = {entry.number for entry in catalogue()}
    villages, rayons = set(areas("village")), set(areas("rayon"))
    existing = {(v.area_kind, v.area_code, v.indicator, v.year): v
                for v in db.session.scalars(select(IndicatorValue))}
    seen, plan = {}, ImportPlan()
    this_year = clock.today().year
    for line, row in enumerate(rows, start=2):
        reasons = []
        code = row.get("area", "")
        kind = _area_kind(code, villages, rayons)
        if kind is None:
            reasons.append(_("area %(code)s is not a village municipality or a rayon of the "
                             "register", code=tables.shown(code or "—")))
        number = to_int(row.get("indicator", ""))
        if number not in numbers:
            reasons.append(_("unknown indicator number %(value)s (1–53)",
                             value=tables.shown(row.get("indicator")) or "—"))
        try:
            value = float(row.get("value", "").replace(",", "."))
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError
        except ValueError:
            value = None
            reasons.append(_("value %(value)s is not a number",
                             value=tables.shown(row.get("value")) or "—"))
        if value is not None and value < 0:
            reasons.append(_("value %(value)s is negative", value=tables.shown(row.get("value"))))
        year = to_int(row.get("year", "").removesuffix(".0"), minimum=1990, maximum=this_year)
        if year is None:
            reasons.append(_("year %(value)s is not a year",
                             value=tables.shown(row.get("year")) or "—"))
        key = (kind, code, number, year)
        if not reasons and key in seen:
            reasons.append(_("duplicate of line %(line)d (same area, indicator and year)",
                             line=seen[key]))
        seen.setdefault(key, line)
        current = existing.get(key)
        data = {"value": value, "source": row.get("source", "")[:200]}
        plan.rows.append(RowResult.judge(
            line, reasons, after=data, key=key, data=data, code=tables.shown(code),
            name=f"{tables.shown(row.get('indicator'))} · {tables.shown(row.get('year'))}",
            existing={"value": current.value, "source": current.source} if current else None))
    return plan


def apply_import(plan: ImportPlan) -> ImportPlan:
    """Write a plan without errors; refuses otherwise (nothing written)."""
    plan.check_writable(ReadinessError)
    existing = {(v.area_kind, v.area_code, v.indicator, v.year): v
                for v in db.session.scalars(select(IndicatorValue))}
    for row in plan.to_write(RowStatus.NEW):
        kind, code, number, year = row.key
        db.session.add(IndicatorValue(area_kind=kind, area_code=code, indicator=number,
                                      year=year, **row.data))
    for row in plan.to_write(RowStatus.CHANGED):
        current = existing[row.key]
        current.value, current.source, current.is_demo = (row.data["value"],
                                                          row.data["source"], False)
    db.session.flush()
    return plan


# ---------------------------------------------------------------- computing


def latest_values(kind: str) -> dict[str, dict[int, float]]:
    """Each area's latest value of each indicator."""
    values, years = defaultdict(dict), {}
    for v in db.session.scalars(select(IndicatorValue).where(IndicatorValue.area_kind == kind)):
        key = (v.area_code, v.indicator)
        if key not in years or v.year > years[key]:
            years[key] = v.year
            values[v.area_code][v.indicator] = v.value
    return dict(values)


def has_demo_values(kind: str) -> bool:
    return db.session.scalar(select(IndicatorValue.id).where(
        IndicatorValue.area_kind == kind, IndicatorValue.is_demo.is_(True)).limit(1)) is not None


def weight_sets() -> list[WeightSet]:
    return list(db.session.scalars(select(WeightSet).order_by(WeightSet.name)))


def get_weight_set(weight_set_id) -> WeightSet | None:
    """The weight set with this id (any text from a URL is accepted), or None."""
    number = to_int(weight_set_id, minimum=1)
    return db.session.get(WeightSet, number) if number else None


def save_weight_set(name: str, weights: dict[str, float]) -> WeightSet:
    """Save named dimension weights (non-negative, not all zero)."""
    name = (name or "").strip()
    if not name:
        raise ReadinessError(_l("Give the weight set a name."), field="name")
    if db.session.scalar(select(WeightSet.id).where(WeightSet.name == name)) is not None:
        raise ReadinessError(_l("A weight set with this name exists."), field="name")
    if any(weights.get(d) is None or weights[d] < 0 for d in DIMENSIONS) or not any(
            weights[d] > 0 for d in DIMENSIONS):
        raise ReadinessError(_l("Weights must be zero or more, and not all zero."))
    weight_set = WeightSet(name=name, weights={d: float(weights[d]) for d in DIMENSIONS})
    db.session.add(weight_set)
    db.session.flush()
    return weight_set


def ranking(kind: str, weight_set: WeightSet | None = None):
    """The computed index for every area of ``kind`` that has values."""
    indicators = [entry.as_indicator() for entry in catalogue()]
    return compute(indicators, latest_values(kind),
                   weight_set.weights if weight_set else equal_weights())


def sensitivity(kind: str, first: WeightSet | None, second: WeightSet | None):
    """Areas whose class changes between two weight sets."""
    return changes(ranking(kind, first), ranking(kind, second))


def profile(kind: str, code: str, weight_set: WeightSet | None = None):
    """One area's result, the network medians and the indicators pulling it up and down."""
    result = ranking(kind, weight_set)
    area = result.by_area().get(code)
    if area is None:
        return None
    entries = {entry.number: entry for entry in catalogue()}
    ordered = sorted(area.normalised.items(), key=lambda item: item[1])
    return {"area": area, "medians": result.medians,
            "weakest": [(entries[n], v) for n, v in ordered[:5]],
            "strongest": [(entries[n], v) for n, v in reversed(ordered[-5:])]}


def profile_for_municipality(code: str):
    """The readiness profile of a village municipality, or None when there is no data."""
    return profile("village", code)


def export_rows(kind: str, weight_set: WeightSet | None = None, lang: str = "en"
                ) -> list[list]:
    """The ranking as a table for people: headers, names and classes in ``lang``; scores as
    numbers (the spreadsheet formats them). The API keeps the keys."""
    result = ranking(kind, weight_set)
    names, labels = areas(kind), classes()
    table = [[_("Code"), _("Name"), _("Rank"), _("Class"), _("Index"), _("Data coverage"),
              _("Not classed: too little data"), *[str(DIMENSION_LABELS[d]) for d in DIMENSIONS]]]
    for r in result.areas:
        table.append([r.area, names.get(r.area, {}).get(lang, ""), r.rank or "",
                      labels[r.klass]["label"][lang] if r.klass in labels else "",
                      "" if r.index is None else round(r.index, 4), round(r.coverage, 3),
                      _("Yes") if r.flagged else _("No"),
                      *["" if r.dimensions[d] is None else round(r.dimensions[d], 4)
                        for d in DIMENSIONS]])
    return table


# ---------------------------------------------------------------- demo data


def ensure_demo_values(seed: int = 2026) -> int:
    """A synthetic, clearly labelled data set for every village municipality and rayon, so
    the pages show something on `make run` (idempotent). Never real data."""
    if db.session.scalar(select(IndicatorValue.id).limit(1)) is not None:
        return 0
    rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
    count = 0
    for kind in KINDS:
        for code in sorted(areas(kind)):
            strength = rng.uniform(0.2, 0.9)
            for entry in catalogue():
                if rng.random() < 0.08:  # some gaps, as real data would have
                    continue
                base = strength if entry.higher_is_better else 1 - strength
                value = round(max(0.0, rng.gauss(base, 0.2)) * 100, 2)
                db.session.add(IndicatorValue(area_kind=kind, area_code=code,
                                              indicator=entry.number, year=2024, value=value,
                                              source=DEMO_SOURCE, is_demo=True))
                count += 1
    db.session.flush()
    return count


