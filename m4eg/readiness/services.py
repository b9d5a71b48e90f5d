"""Readiness rules: the indicator catalogue, imports (values, village clusters, national
bounds, official classes: dry run, all-or-nothing, idempotent), the coordinators' method
settings and the fixed reference, computing the index for village municipalities, rayons or
clusters in any year with data, progress since the base year, weight sets, sensitivity,
profiles and export. The computation itself is :mod:`.compute`."""

from __future__ import annotations

import csv
import math
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from statistics import median

import yaml
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from ..core import tables, versions
from ..core import time as clock
from ..core.errors import DomainError
from ..core.i18n import current_language
from ..core.imports import ImportPlan, RowResult, RowStatus
from ..core.params import to_int
from ..extensions import db
from ..municipalities import services as municipalities
from .compute import (
    CLASSES,
    CUT_METHODS,
    DEFAULT_CUTS,
    DIMENSIONS,
    Bound,
    Cuts,
    Indicator,
    Result,
    changes,
    compute,
    equal_weights,
    movement,
    valid_thresholds,
    valid_weights,
)
from .labels import (
    DIMENSION_LABELS,  # noqa: F401 - for other domains (plans)
    KIND_NOUNS,
    PAPER_SOURCE,
    source_label,
)
from .models import Cluster, IndicatorValue, OfficialClass, ReferenceBound, Settings, WeightSet

DATA = Path(__file__).parent / "data"
AREA_KINDS = ("village", "rayon")  # kinds that carry values
KINDS = (*AREA_KINDS, "cluster")  # kinds the index is computed for
REFERENCES = ("none", "base_year", "national")
COLUMNS = ("area", "indicator", "value", "year", "source")
MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 50_000
PREVIEW_ROWS = 500  # rows of a values dry run listed with their old and new value
FIRST_YEAR = 1990
DEMO_SOURCE = "Synthetic demo data (not real)"
# The paper leaves "the capital city of Baku and its surrounding metropolitan area" out of
# its analysis (section 5.2, para. 40) without listing the areas: the platform reads it as
# the twelve districts of Baku (economic region BAK), Absheron and Sumgayit.
METRO_REGION = "BAK"
METRO_EXTRA = ("absheron", "sumgayit")


class ReadinessError(DomainError):
    """A rule of the index refused an import, a weight set or a setting."""


class SettingsConflict(ReadinessError, versions.Conflict):
    """The settings were saved by someone else after the form was opened."""


@dataclass(frozen=True)
class CatalogueEntry:
    number: int
    dimension: str
    category: dict
    criterion: dict
    source: dict
    measurement: dict
    higher_is_better: bool
    unit: dict = field(default_factory=dict)
    minimum: float | None = None
    maximum: float | None = None
    note: dict = field(default_factory=dict)

    def as_indicator(self) -> Indicator:
        return Indicator(self.number, self.dimension, self.higher_is_better)

    def allows(self, value: float) -> bool:
        """Whether ``value`` lies in the indicator's allowed range."""
        return ((self.minimum is None or value >= self.minimum)
                and (self.maximum is None or value <= self.maximum))

    @property
    def range_text(self) -> str:
        """The allowed range as a person reads it: "0–100", "0 or more", "−100 or more"."""
        low = None if self.minimum is None else _number(self.minimum)
        high = None if self.maximum is None else _number(self.maximum)
        if low is not None and high is not None:
            return f"{low}–{high}"
        if low is not None:
            return _("%(low)s or more", low=low)
        return _("%(high)s or less", high=high) if high is not None else _("any number")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _bound(text: str) -> float | None:
    return float(text) if text.strip() else None


@cache
def catalogue() -> tuple[CatalogueEntry, ...]:
    """The 53 indicators of Annex I, in order, with the unit and allowed range the platform
    gives each (Annex I gives neither)."""
    with open(DATA / "indicators.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(CatalogueEntry(
        number=int(r["number"]), dimension=r["dimension"],
        category={"az": r["category_az"], "en": r["category_en"]},
        criterion={"az": r["criterion_az"], "en": r["criterion_en"]},
        source={"az": r["source_az"], "en": r["source_en"]},
        measurement={"az": r["measurement_az"], "en": r["measurement_en"]},
        higher_is_better=r["direction"] == "higher",
        unit={"az": r["unit_az"], "en": r["unit_en"]},
        minimum=_bound(r["min"]), maximum=_bound(r["max"]),
        note={"az": r["note_az"], "en": r["note_en"]}) for r in rows)


def entries() -> dict[int, CatalogueEntry]:
    return {entry.number: entry for entry in catalogue()}


@cache
def classes() -> dict:
    """Label, typical gaps and the kinds of intervention of each class (Table 6)."""
    return yaml.safe_load((DATA / "classes.yml").read_text(encoding="utf-8"))


@cache
def method_text() -> dict:
    """The method page's prose in both languages (data/method.yml)."""
    return yaml.safe_load((DATA / "method.yml").read_text(encoding="utf-8"))


def clusters(of: str | None = None) -> list[Cluster]:
    """The village clusters, or only those built from areas of kind ``of``."""
    query = select(Cluster).order_by(Cluster.code)
    if of is not None:
        query = query.where(Cluster.area_kind == of)
    return list(db.session.scalars(query))


def cluster_groups() -> list[str]:
    """The kinds of area (village, rayon) the clusters are built from. Clusters of village
    municipalities and clusters of rayons are ranked separately: their values are means
    over different units, so one scale would mix them."""
    present = set(db.session.scalars(select(Cluster.area_kind).distinct()))
    return [kind for kind in AREA_KINDS if kind in present]


def cluster_group(text) -> str | None:
    """The group of clusters a request asks for (``of``): that kind when clusters are built
    from it, else the first kind they are built from (None without clusters)."""
    groups = cluster_groups()
    if text in groups:
        return text
    return groups[0] if groups else None


def _group(kind: str, of: str | None) -> str | None:
    return cluster_group(of) if kind == "cluster" else None


def areas(kind: str) -> dict[str, dict]:
    """The areas of ``kind``: code → names (village municipalities, rayons or clusters)."""
    if kind == "village":
        return municipalities.village_areas()
    if kind == "rayon":
        return municipalities.rayon_areas()
    return {c.code: {"az": c.name_az, "en": c.name_en, "slug": None, "kind": c.area_kind,
                     "areas": list(c.areas), "demo": c.is_demo} for c in clusters()}


def metro_codes() -> set[str]:
    """The rayon codes of Baku and its metropolitan area (left out of the rayon ranking by
    default, as in the paper)."""
    return {code for code, names in municipalities.rayon_areas().items()
            if names.get("region") == METRO_REGION} | set(METRO_EXTRA)


def _area_kind(code: str, villages: set, rayons: set) -> str | None:
    if code in villages:
        return "village"
    if code in rayons:
        return "rayon"
    return None


def _parse_number(text) -> float | None:
    try:
        value = float(str(text or "").strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _judge(line: int, reasons: list, **fields) -> RowResult:
    """:meth:`RowResult.judge` with each reason once (a row naming the same unknown area
    three times is told so once)."""
    unique = list({str(reason): reason for reason in reasons}.values())
    return RowResult.judge(line, unique, **fields)


def class_names(keys=CLASSES) -> str:
    """The classes of ``keys`` as a list for a sentence in the page's language: on an
    Azerbaijani page each Azerbaijani name with the paper's English term in brackets."""
    labels, lang = classes(), current_language()
    names = []
    for key in keys:
        english = labels[key]["label"]["en"]
        if lang == "en":
            names.append(english)
        else:
            own = labels[key]["label"][lang].removesuffix(f" ({english})")
            names.append(f"{own} ({english})")
    return ", ".join(names)


def _blank(text) -> bool:
    return not str(text or "").strip()


def _parse_year(text) -> int | None:
    return to_int(str(text or "").removesuffix(".0"), minimum=FIRST_YEAR,
                  maximum=clock.today().year)


# ---------------------------------------------------------------- settings


def settings() -> Settings:
    """The method settings (their defaults until a coordinator saves them)."""
    current = db.session.get(Settings, 1)
    if current is None:
        current = Settings(id=1, reference="none", base_year=None, cuts=DEFAULT_CUTS,
                           thresholds=[], include_metro=False, version=0)
    return current


def cuts() -> Cuts:
    current = settings()
    return Cuts(current.cuts, tuple(current.thresholds or ())) if current.cuts in CUT_METHODS \
        else Cuts()


def save_settings(data: dict, version: int | None) -> Settings:
    """Save the coordinators' method choices. Fixing the reference to a base year takes the
    lowest, highest and median value of every indicator among the platform's areas of that
    year (of each kind) and keeps them: later values, areas added, do not move it. It is
    taken again only when the base year changes. Refused: a base year without values,
    national bounds not yet imported, fixed thresholds that do not fall between 0 and 1."""
    current = settings()
    if db.session.get(Settings, 1) is None:
        db.session.add(current)
        db.session.flush()
    reference, base_year = data.get("reference"), data.get("base_year")
    method, thresholds = data.get("cuts"), [float(t) for t in data.get("thresholds") or []]
    if reference not in REFERENCES:
        raise ReadinessError(_l("Choose a reference."), field="reference")
    if method not in CUT_METHODS:
        raise ReadinessError(_l("Choose how the classes are cut."), field="cuts")
    if method == "fixed" and not valid_thresholds(thresholds):
        raise ReadinessError(_("Give four thresholds between 0 and 1, each lower than the "
                               "one before: the lowest index of %(classes)s.",
                               classes=class_names(CLASSES[:4])), field="amplify")
    if base_year is not None and base_year not in all_years():
        raise ReadinessError(_l("There are no indicator values for %(year)d: choose a year "
                                "with data.", year=base_year), field="base_year")
    if reference == "base_year" and base_year is None:
        raise ReadinessError(_l("Choose the base year the reference is taken from."),
                             field="base_year")
    if reference == "national" and not _has_bounds("national"):
        raise ReadinessError(_l("Import national bounds first."), field="reference")
    versions.claim(current, version, SettingsConflict(_l(
        "Someone changed the method settings after you opened this page. They are shown as "
        "they are now: make your change again.")))
    refix = reference == "base_year" and (base_year != current.base_year
                                          or not _has_bounds("base_year"))
    current.reference, current.base_year = reference, base_year
    current.cuts, current.thresholds = method, thresholds if method == "fixed" else []
    current.include_metro = bool(data.get("include_metro"))
    if refix:
        _fix_base_year(base_year, current.include_metro)
        current.reference_fixed_at = clock.utcnow()
    db.session.flush()
    return current


def _has_bounds(origin: str) -> bool:
    return db.session.scalar(select(ReferenceBound.id).where(
        ReferenceBound.origin == origin).limit(1)) is not None


def _fix_base_year(year: int, include_metro: bool) -> None:
    db.session.execute(delete(ReferenceBound).where(ReferenceBound.origin == "base_year"))
    left_out = set() if include_metro else metro_codes()
    for kind in AREA_KINDS:
        present = defaultdict(list)
        for code, area_values in _year_values(kind, year).items():
            if kind == "rayon" and code in left_out:
                continue
            for number, value in area_values.items():
                present[number].append(value)
        for number, found in present.items():
            db.session.add(ReferenceBound(
                origin="base_year", area_kind=kind, indicator=number, low=min(found),
                high=max(found), median=median(found), source=str(year)))
    db.session.flush()


def reference_bounds(kind: str) -> dict[int, Bound] | None:
    """The fixed reference of ``kind`` (village or rayon) under the current settings, or
    None when scores are relative to the areas computed together."""
    origin = settings().reference
    if origin == "none":
        return None
    return {b.indicator: Bound(b.low, b.high, b.median) for b in db.session.scalars(
        select(ReferenceBound).where(ReferenceBound.origin == origin,
                                     ReferenceBound.area_kind == kind))}


def bounds(origin: str) -> list[ReferenceBound]:
    return list(db.session.scalars(select(ReferenceBound).where(
        ReferenceBound.origin == origin).order_by(ReferenceBound.area_kind,
                                                  ReferenceBound.indicator)))


# ---------------------------------------------------------------- values by year


def _year_values(kind: str, year: int) -> dict[str, dict[int, float]]:
    values = defaultdict(dict)
    for v in db.session.scalars(select(IndicatorValue).where(
            IndicatorValue.area_kind == kind, IndicatorValue.year == year)):
        values[v.area_code][v.indicator] = v.value
    return dict(values)


def all_years() -> list[int]:
    """Every year any area has values for."""
    return sorted(db.session.scalars(select(IndicatorValue.year).distinct()))


def years(kind: str, of: str | None = None) -> list[int]:
    """The years with values for areas of ``kind`` (for clusters: of the areas of the
    clusters built from kind ``of``)."""
    if kind in AREA_KINDS:
        return sorted(db.session.scalars(select(IndicatorValue.year).distinct().where(
            IndicatorValue.area_kind == kind)))
    found = set()
    for cluster in clusters(_group(kind, of)):
        found |= set(db.session.scalars(select(IndicatorValue.year).distinct().where(
            IndicatorValue.area_kind == cluster.area_kind,
            IndicatorValue.area_code.in_(cluster.areas))))
    return sorted(found)


def values_for(kind: str, year: int, of: str | None = None) -> dict[str, dict[int, float]]:
    """Each area's values of ``year`` (values are not carried over from other years). A
    cluster's value of an indicator is the plain mean of its areas' values, so a cluster is
    read on the same scale as its areas; only the clusters built from kind ``of``."""
    if kind in AREA_KINDS:
        return _year_values(kind, year)
    group = _group(kind, of)
    by_area = _year_values(group, year) if group else {}
    values = {}
    for cluster in clusters(group):
        found = defaultdict(list)
        for code in cluster.areas:
            for number, value in by_area.get(code, {}).items():
                found[number].append(value)
        if found:
            values[cluster.code] = {n: sum(v) / len(v) for n, v in found.items()}
    return values


def has_demo_values(kind: str) -> bool:
    kinds = AREA_KINDS if kind == "cluster" else (kind,)
    return db.session.scalar(select(IndicatorValue.id).where(
        IndicatorValue.area_kind.in_(kinds), IndicatorValue.is_demo.is_(True)).limit(1)) \
        is not None


def parse_year(kind: str, text, of: str | None = None) -> int | None:
    """The year a request asks for: None when it asks for none (the latest is shown);
    refused when it is no year with data for ``kind`` (clusters: built from ``of``)."""
    if text is None or str(text).strip() == "":
        return None
    year = to_int(text, minimum=FIRST_YEAR, maximum=9999)
    if year is None or year not in years(kind, of):
        raise ReadinessError(_("%(value)s is not a year with indicator values.",
                               value=tables.shown(text, 20)), field="year")
    return year


# ---------------------------------------------------------------- weights


def weight_sets() -> list[WeightSet]:
    return list(db.session.scalars(select(WeightSet).order_by(WeightSet.name)))


def get_weight_set(weight_set_id) -> WeightSet | None:
    """The weight set with this id (any text from a URL is accepted), or None."""
    number = to_int(weight_set_id, minimum=1)
    return db.session.get(WeightSet, number) if number else None


def save_weight_set(name: str, weights: dict[str, float]) -> WeightSet:
    """Save named dimension weights (none negative, their sum above zero)."""
    name = (name or "").strip()
    if not name:
        raise ReadinessError(_l("Give the weight set a name."), field="name")
    if db.session.scalar(select(WeightSet.id).where(WeightSet.name == name)) is not None:
        raise ReadinessError(_l("A weight set with this name exists."), field="name")
    if not valid_weights(weights):
        raise ReadinessError(_l("Weights must be zero or more, and their sum above zero."))
    weight_set = WeightSet(name=name, weights={d: float(weights[d]) for d in DIMENSIONS})
    db.session.add(weight_set)
    db.session.flush()
    return weight_set


# ---------------------------------------------------------------- computing


@dataclass
class Ranking:
    """The index of one kind of area in one year, and what it was computed with."""

    kind: str
    year: int | None
    result: Result
    left_out: list[str] = field(default_factory=list)
    relative: bool = True
    group: str | None = None


def ranking(kind: str, weight_set: WeightSet | None = None, year: int | None = None,
            include_metro: bool | None = None, of: str | None = None) -> Ranking:
    """The computed index for every area of ``kind`` with values in ``year`` (by default the
    latest year with data); Baku and its metropolitan area are left out of the rayon
    ranking unless the settings (or ``include_metro``) include them. Clusters are ranked
    within one group, those built from kind ``of``, against that kind's reference."""
    group = _group(kind, of)
    known = years(kind, group)
    year = year if year is not None else (known[-1] if known else None)
    values = values_for(kind, year, group) if year is not None else {}
    left_out = []
    if include_metro is None:
        include_metro = settings().include_metro
    if kind == "rayon" and not include_metro:
        metro = metro_codes()
        left_out = sorted(code for code in values if code in metro)
        values = {code: v for code, v in values.items() if code not in metro}
    reference = reference_bounds(group or kind) if group or kind in AREA_KINDS else None
    result = compute([entry.as_indicator() for entry in catalogue()], values,
                     weight_set.weights if weight_set else equal_weights(),
                     reference=reference, cuts=cuts())
    return Ranking(kind, year, result, left_out, reference is None, group)


def sensitivity(kind: str, first: WeightSet | None, second: WeightSet | None,
                year: int | None = None, of: str | None = None):
    """Areas whose class changes between two weight sets."""
    return changes(ranking(kind, first, year, of=of).result,
                   ranking(kind, second, year, of=of).result)


def base_year(kind: str, of: str | None = None) -> int | None:
    """The year progress is counted from: the settings' base year when ``kind`` has values
    for it, else the first year with values."""
    known = years(kind, of)
    chosen = settings().base_year
    if chosen in known:
        return chosen
    return known[0] if known else None


def class_movement(kind: str, year: int | None, weight_set: WeightSet | None = None,
                   of: str | None = None):
    """How many areas moved up or down a class between the base year and ``year``: a
    :class:`~.compute.Movement`, or None when there is no earlier year to compare with.
    Under quintile cuts the count says little (a class is a rank among the areas)."""
    start = base_year(kind, of)
    shown = ranking(kind, weight_set, year, of=of)
    if start is None or shown.year is None or shown.year <= start:
        return None
    return start, movement(ranking(kind, weight_set, start, of=of).result, shown.result)


def official_classes(kind: str) -> dict[str, OfficialClass]:
    return {o.area_code: o for o in db.session.scalars(
        select(OfficialClass).where(OfficialClass.area_kind == kind))}


def profile(kind: str, code: str, weight_set: WeightSet | None = None,
            year: int | None = None):
    """One area's result in ``year``, the network medians, the indicators pulling it up and
    down, its gaps per dimension, its official class and its progress: index and dimension
    scores in every year with data, and the change of each since the base year."""
    include = kind == "rayon" and code in metro_codes() and not settings().include_metro
    cluster = db.session.scalar(select(Cluster).where(Cluster.code == code)) \
        if kind == "cluster" else None
    of = cluster.area_kind if cluster else None
    shown = ranking(kind, weight_set, year, include_metro=True if include else None, of=of)
    area = shown.result.by_area().get(code)
    if area is None:
        return None
    catalogue_entries = entries()
    ordered = sorted(area.normalised.items(), key=lambda item: (item[1], item[0]))
    # Up to five each way, and never the same indicator in both lists.
    each_way = min(5, len(ordered) // 2)
    history = []
    for each in years(kind, of):
        found = ranking(kind, weight_set, each, True if include else None, of).result.by_area()
        if code in found:
            history.append((each, found[code]))
    start = base_year(kind, of)
    official = official_classes(kind).get(code)
    before = dict(history).get(start)
    change = None
    if before is not None and shown.year != start:
        change = {d: _difference(area.dimensions[d], before.dimensions[d]) for d in DIMENSIONS}
        change["index"] = _difference(area.index, before.index)
    return {"area": area, "medians": shown.result.medians, "year": shown.year,
            "years": years(kind, of), "relative": shown.relative, "left_out": include,
            "group": of,
            "weakest": [(catalogue_entries[n], v) for n, v in ordered[:each_way]],
            "strongest": [(catalogue_entries[n], v)
                          for n, v in reversed(ordered[len(ordered) - each_way:])],
            "official": official, "history": history,
            "official_source": source_label(official.source) if official else "",
            "base_year": start, "change": change,
            "prefaces": {key: method_text()[key] for key in ("gaps_preface",
                                                             "interventions_preface")}}


def _difference(now, then):
    return None if now is None or then is None else now - then


def profile_for_municipality(code: str):
    """The readiness profile of a village municipality, or None when there is no data."""
    return profile("village", code)


def export_rows(kind: str, weight_set: WeightSet | None = None, lang: str = "en",
                year: int | None = None, of: str | None = None) -> list[list]:
    """The ranking as a table for people: headers, names and classes in ``lang``; scores as
    numbers (the spreadsheet formats them). The API keeps the keys."""
    shown = ranking(kind, weight_set, year, of=of)
    names, labels = areas(kind), classes()
    official = official_classes(kind)
    table = [[_("Code"), _("Name"), _("Year"), _("Rank"), _("Class"), _("Official class"),
              _("Index"), _("Data coverage"), _("Not classed: too little data"),
              *[str(DIMENSION_LABELS[d]) for d in DIMENSIONS]]]
    for r in shown.result.areas:
        given = official.get(r.area)
        table.append([r.area, names.get(r.area, {}).get(lang, ""), shown.year, r.rank or "",
                      labels[r.klass]["label"][lang] if r.klass in labels else "",
                      labels[given.klass]["label"][lang] if given else "",
                      "" if r.index is None else round(r.index, 4), round(r.coverage, 3),
                      _("Yes") if r.flagged else _("No"),
                      *["" if r.dimensions[d] is None else round(r.dimensions[d], 4)
                        for d in DIMENSIONS]])
    return table


# ---------------------------------------------------------------- imports


def _read(filename: str, content: bytes, columns, required) -> list[dict]:
    try:
        return tables.read_table(filename, content, required=required, allowed=columns,
                                 max_bytes=MAX_IMPORT_BYTES, max_rows=MAX_IMPORT_ROWS)
    except tables.TableError as error:
        raise ReadinessError(error.message) from error


def read_table(filename: str, content: bytes) -> list[dict]:
    return _read(filename, content, COLUMNS, COLUMNS[:4])


def plan_import(rows: list[dict]) -> ImportPlan:
    """The dry run of indicator values: what each row would do, or why it is rejected
    (among others a value outside the indicator's allowed range). Writes nothing."""
    catalogue_entries = entries()
    villages, rayons = set(areas("village")), set(areas("rayon"))
    existing = {(v.area_kind, v.area_code, v.indicator, v.year): v
                for v in db.session.scalars(select(IndicatorValue))}
    seen, plan = {}, ImportPlan()
    for line, row in enumerate(rows, start=2):
        reasons = []
        code = row.get("area", "")
        kind = _area_kind(code, villages, rayons)
        if not code.strip():
            reasons.append(_("the area code is missing"))
        elif kind is None:
            reasons.append(_("area %(code)s is not a village municipality or a rayon of the "
                             "register", code=tables.shown(code)))
        number = to_int(row.get("indicator", ""))
        entry = catalogue_entries.get(number)
        if entry is None:
            reasons.append(_("the indicator number is missing") if _blank(row.get("indicator"))
                           else _("unknown indicator number %(value)s (1–53)",
                                  value=tables.shown(row.get("indicator"))))
        value = _parse_number(row.get("value"))
        if value is None:
            reasons.append(_("the value is missing") if _blank(row.get("value"))
                           else _("value %(value)s is not a number",
                                  value=tables.shown(row.get("value"))))
        elif entry is not None and not entry.allows(value):
            reasons.append(_("value %(value)s is outside the range of indicator %(number)d "
                             "(%(range)s, %(unit)s)", value=tables.shown(row.get("value")),
                             number=number, range=entry.range_text,
                             unit=entry.unit[current_language()]))
        year = _parse_year(row.get("year"))
        if year is None:
            reasons.append(_("the year is missing") if _blank(row.get("year"))
                           else _("year %(value)s is not a year from %(first)d to %(last)d",
                                  value=tables.shown(row.get("year")), first=FIRST_YEAR,
                                  last=clock.today().year))
        key = (kind, code, number, year)
        if not reasons and key in seen:
            reasons.append(_("duplicate of line %(line)d (same area, indicator and year)",
                             line=seen[key]))
        seen.setdefault(key, line)
        current = existing.get(key)
        data = {"value": value, "source": row.get("source", "")[:200]}
        plan.rows.append(_judge(
            line, reasons, after=data, key=key, data=data, code=tables.shown(code),
            name=f"{tables.shown(row.get('indicator'))} · {tables.shown(row.get('year'))}",
            existing={"value": current.value, "source": current.source} if current else None))
    return plan


def apply_import(plan: ImportPlan) -> ImportPlan:
    """Write a plan of values without errors; refuses otherwise (nothing written)."""
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


CLUSTER_COLUMNS = ("code", "name_az", "name_en", "areas")


def plan_clusters(rows: list[dict]) -> ImportPlan:
    """The dry run of village clusters: one row per cluster, its areas separated by ``;``
    (all village municipality codes or all rayon codes). Rejected: an unknown area, an area
    named twice (in one cluster or in two of the file), an area of a cluster that stays as
    it is (one the file does not redefine), a cluster of both kinds, a code twice."""
    villages, rayons = set(areas("village")), set(areas("rayon"))
    existing = {c.code: c for c in clusters()}
    redefined = {row.get("code", "").strip() for row in rows}
    held = {member: c.code for c in existing.values() if c.code not in redefined
            for member in c.areas}
    lang = current_language()
    codes, owners, plan = {}, {}, ImportPlan()
    for line, row in enumerate(rows, start=2):
        reasons = []
        code = row.get("code", "").strip()
        names = {"name_az": row.get("name_az", "").strip()[:120],
                 "name_en": row.get("name_en", "").strip()[:120]}
        if not code or len(code) > 40:
            reasons.append(_("give the cluster a code of at most 40 characters"))
        elif code in codes:
            reasons.append(_("cluster %(code)s is also on line %(line)d",
                             code=tables.shown(code), line=codes[code]))
        codes.setdefault(code, line)
        if not names["name_az"] or not names["name_en"]:
            reasons.append(_("give the cluster a name in both languages"))
        members = [part.strip() for part in row.get("areas", "").split(";") if part.strip()]
        if not members:
            reasons.append(_("name the areas of the cluster, separated by ;"))
        kinds = set()
        for member in members:
            kind = _area_kind(member, villages, rayons)
            if kind is None:
                reasons.append(_("area %(code)s is not a village municipality or a rayon of "
                                 "the register", code=tables.shown(member)))
            kinds.add(kind)
            if member in owners and owners[member][1] != line:
                reasons.append(_("area %(code)s is named twice (also on line %(line)d)",
                                 code=tables.shown(member), line=owners[member][1]))
            elif member in held:
                reasons.append(_("area %(code)s is already in cluster %(cluster)s",
                                 code=tables.shown(member), cluster=held[member]))
            owners.setdefault(member, (code, line))
        duplicates = sorted({m for m in members if members.count(m) > 1})
        for member in duplicates:
            reasons.append(_("area %(code)s is named twice in this cluster",
                             code=tables.shown(member)))
        kinds.discard(None)
        if len(kinds) > 1:
            reasons.append(_("a cluster's areas are all village municipalities or all rayons"))
        current = existing.get(code)
        data = {**names, "area_kind": next(iter(kinds), "rayon"), "areas": members}
        plan.rows.append(_judge(
            line, reasons, after=data, key=code, data=data, code=tables.shown(code),
            name=tables.shown(names[f"name_{lang}"] or names["name_az"] or names["name_en"]),
            existing={"name_az": current.name_az, "name_en": current.name_en,
                      "area_kind": current.area_kind, "areas": list(current.areas)}
            if current else None))
    return plan


def apply_clusters(plan: ImportPlan) -> ImportPlan:
    """Write a plan of clusters without errors; refuses otherwise (nothing written)."""
    plan.check_writable(ReadinessError)
    existing = {c.code: c for c in clusters()}
    for row in plan.to_write(RowStatus.NEW):
        db.session.add(Cluster(code=row.key, **row.data))
    for row in plan.to_write(RowStatus.CHANGED):
        cluster = existing[row.key]
        for key, value in row.data.items():
            setattr(cluster, key, value)
        cluster.is_demo = False
    db.session.flush()
    return plan


BOUND_COLUMNS = ("kind", "indicator", "min", "max", "median", "source")


def plan_bounds(rows: list[dict]) -> ImportPlan:
    """The dry run of national bounds: per kind (village or rayon) and indicator the lowest
    and highest value in the country, optionally the median. Rejected: min above (or equal
    to) max, a median outside them, a bound outside the indicator's allowed range."""
    catalogue_entries = entries()
    existing = {(b.area_kind, b.indicator): b for b in bounds("national")}
    seen, plan = {}, ImportPlan()
    for line, row in enumerate(rows, start=2):
        reasons = []
        kind = row.get("kind", "").strip().lower()
        if kind not in AREA_KINDS:
            reasons.append(_("the kind is missing") if _blank(row.get("kind"))
                           else _("kind %(value)s is not one of the codes village, rayon",
                                  value=tables.shown(row.get("kind"))))
        number = to_int(row.get("indicator", ""))
        entry = catalogue_entries.get(number)
        if entry is None:
            reasons.append(_("the indicator number is missing") if _blank(row.get("indicator"))
                           else _("unknown indicator number %(value)s (1–53)",
                                  value=tables.shown(row.get("indicator"))))
        found = {}
        for column in ("min", "max", "median"):
            text = row.get(column, "")
            if column == "median" and not text.strip():
                found[column] = None
                continue
            found[column] = _parse_number(text)
            if found[column] is None:
                reasons.append(_("%(column)s is missing", column=column) if _blank(text)
                               else _("%(column)s %(value)s is not a number", column=column,
                                      value=tables.shown(text)))
            elif entry is not None and not entry.allows(found[column]):
                reasons.append(_("%(column)s %(value)s is outside the range of indicator "
                                 "%(number)d (%(range)s)", column=column,
                                 value=tables.shown(text), number=number,
                                 range=entry.range_text))
        low, high, middle = found.get("min"), found.get("max"), found.get("median")
        if low is not None and high is not None:
            if low >= high:
                reasons.append(_("the minimum %(low)s is not below the maximum %(high)s",
                                 low=tables.shown(row.get("min")),
                                 high=tables.shown(row.get("max"))))
            elif middle is not None and not low <= middle <= high:
                reasons.append(_("the median is not between min and max"))
        key = (kind, number)
        if not reasons and key in seen:
            reasons.append(_("duplicate of line %(line)d (same kind and indicator)",
                             line=seen[key]))
        seen.setdefault(key, line)
        current = existing.get(key)
        data = {"low": low, "high": high, "median": middle,
                "source": row.get("source", "")[:200]}
        plan.rows.append(_judge(
            line, reasons, after=data, key=key, data=data,
            code=str(KIND_NOUNS[kind]) if kind in AREA_KINDS else tables.shown(kind),
            name=tables.shown(row.get("indicator")),
            existing={"low": current.low, "high": current.high, "median": current.median,
                      "source": current.source} if current else None))
    return plan


def apply_bounds(plan: ImportPlan) -> ImportPlan:
    """Write a plan of national bounds without errors; refuses otherwise."""
    plan.check_writable(ReadinessError)
    existing = {(b.area_kind, b.indicator): b for b in bounds("national")}
    for row in plan.to_write(RowStatus.NEW):
        kind, number = row.key
        db.session.add(ReferenceBound(origin="national", area_kind=kind, indicator=number,
                                      **row.data))
    for row in plan.to_write(RowStatus.CHANGED):
        for key, value in row.data.items():
            setattr(existing[row.key], key, value)
    db.session.flush()
    return plan


OFFICIAL_COLUMNS = ("kind", "area", "class", "source")


def _class_key(text: str) -> str | None:
    wanted = text.strip().casefold().replace(" ", "").replace("_", "-")
    for key, data in classes().items():
        names = {key.replace("_", "-"), data["label"]["en"].casefold().replace(" ", ""),
                 data["label"]["az"].casefold().replace(" ", "")}
        if wanted in names:
            return key
    return None


def plan_official(rows: list[dict]) -> ImportPlan:
    """The dry run of official classes: the class a source gives a village municipality,
    a rayon or a cluster (``amplify``… or the class's name)."""
    known = {kind: set(areas(kind)) for kind in KINDS}
    existing = {(o.area_kind, o.area_code): o for o in db.session.scalars(
        select(OfficialClass))}
    seen, plan = {}, ImportPlan()
    for line, row in enumerate(rows, start=2):
        reasons = []
        kind, code = row.get("kind", "").strip().lower(), row.get("area", "").strip()
        if kind not in KINDS:
            reasons.append(_("the kind is missing") if _blank(row.get("kind"))
                           else _("kind %(value)s is not one of the codes village, rayon, "
                                  "cluster", value=tables.shown(row.get("kind"))))
        elif not code:
            reasons.append(_("the area code is missing"))
        elif code not in known[kind]:
            reasons.append(_("no %(kind)s has the code %(code)s", kind=KIND_NOUNS[kind],
                             code=tables.shown(code)))
        klass = _class_key(row.get("class", ""))
        if klass is None:
            reasons.append(_("the class is missing") if _blank(row.get("class"))
                           else _("class %(value)s is none of: %(classes)s",
                                  value=tables.shown(row.get("class")),
                                  classes=class_names()))
        key = (kind, code)
        if not reasons and key in seen:
            reasons.append(_("duplicate of line %(line)d (same area)", line=seen[key]))
        seen.setdefault(key, line)
        current = existing.get(key)
        data = {"klass": klass, "source": row.get("source", "")[:200]}
        plan.rows.append(_judge(
            line, reasons, after=data, key=key, data=data, code=tables.shown(code),
            name=classes()[klass]["label"][current_language()] if klass
            else tables.shown(row.get("class")),
            existing={"klass": current.klass, "source": current.source} if current else None))
    return plan


def apply_official(plan: ImportPlan) -> ImportPlan:
    """Write a plan of official classes without errors; refuses otherwise."""
    plan.check_writable(ReadinessError)
    existing = {(o.area_kind, o.area_code): o for o in db.session.scalars(
        select(OfficialClass))}
    for row in plan.to_write(RowStatus.NEW):
        kind, code = row.key
        db.session.add(OfficialClass(area_kind=kind, area_code=code, **row.data))
    for row in plan.to_write(RowStatus.CHANGED):
        for key, value in row.data.items():
            setattr(existing[row.key], key, value)
    db.session.flush()
    return plan


@dataclass(frozen=True)
class TableImport:
    """One of the readiness imports besides values: its columns and its two steps."""

    columns: tuple
    required: tuple
    plan: object
    apply: object

    def read(self, filename: str, content: bytes) -> ImportPlan:
        return self.plan(_read(filename, content, self.columns, self.required))


IMPORTS = {
    "clusters": TableImport(CLUSTER_COLUMNS, CLUSTER_COLUMNS, plan_clusters, apply_clusters),
    "bounds": TableImport(BOUND_COLUMNS, BOUND_COLUMNS[:4], plan_bounds, apply_bounds),
    "classes": TableImport(OFFICIAL_COLUMNS, OFFICIAL_COLUMNS[:3], plan_official,
                           apply_official),
}


# ---------------------------------------------------------------- demo data

DEMO_YEARS = (2022, 2023, 2024)
# The two clusters the paper chose for deeper analysis (section 5.6), both rated Amplify.
# The paper draws them on 100 m cells; here they are approximated by whole rayons (demo).
DEMO_CLUSTERS = (
    ("guba-gusar-khachmaz", "Quba–Qusar–Xaçmaz klasteri (demo)",
     "Guba–Gusar–Khachmaz cluster (demo)", ["guba", "gusar", "khachmaz"]),
    ("shamkir-tovuz", "Şəmkir–Tovuz klasteri (demo)", "Shamkir–Tovuz cluster (demo)",
     ["shamkir", "tovuz"]),
)


def _demo_scale(entry: CatalogueEntry) -> tuple[float, float]:
    """A plausible span of demo values for an indicator (within its allowed range)."""
    if entry.number == 36:
        return -4.0, 4.0
    if entry.maximum is not None:
        return entry.minimum or 0.0, entry.maximum
    return (0.0, 90.0) if "minute" in entry.unit["en"] else (0.0, 500.0)


def ensure_demo_values(seed: int = 2026) -> int:
    """A synthetic, clearly labelled data set for every village municipality and rayon in
    three years (each area drifts a little from year to year), two demo clusters with the
    class the paper gives them, and a reference fixed on the first year, so the pages and
    the progress views show something on `make run` (idempotent). Never real data."""
    import random

    count = 0
    if db.session.scalar(select(IndicatorValue.id).limit(1)) is None:
        rng = random.Random(seed)  # noqa: S311 - reproducible demo data, not security
        for kind in AREA_KINDS:
            for code in sorted(areas(kind)):
                strength, drift = rng.uniform(0.2, 0.9), rng.uniform(-0.06, 0.08)
                for entry in catalogue():
                    if rng.random() < 0.08:  # some gaps, as real data would have
                        continue
                    low, high = _demo_scale(entry)
                    base = rng.gauss(strength if entry.higher_is_better else 1 - strength, 0.2)
                    for step, year in enumerate(DEMO_YEARS):
                        move = drift * step if entry.higher_is_better else -drift * step
                        share = min(1.0, max(0.0, base + move + rng.gauss(0, 0.02)))
                        db.session.add(IndicatorValue(
                            area_kind=kind, area_code=code, indicator=entry.number, year=year,
                            value=round(low + share * (high - low), 2), source=DEMO_SOURCE,
                            is_demo=True))
                        count += 1
        db.session.flush()
    if not clusters():
        for code, name_az, name_en, members in DEMO_CLUSTERS:
            db.session.add(Cluster(code=code, name_az=name_az, name_en=name_en,
                                   area_kind="rayon", areas=members, is_demo=True))
            db.session.add(OfficialClass(area_kind="cluster", area_code=code, klass="amplify",
                                         source=PAPER_SOURCE))
        db.session.flush()
    if db.session.get(Settings, 1) is None and DEMO_YEARS[0] in all_years():
        save_settings({"reference": "base_year", "base_year": DEMO_YEARS[0],
                       "cuts": DEFAULT_CUTS}, 0)
    return count
