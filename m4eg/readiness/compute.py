"""The Smart Village Readiness (SVR) index, computed from indicator values.

A pure function of its inputs (no database, no request). What the World Bank paper "Smart
Villages in Azerbaijan" defines is used as it stands: the 53 indicators of its Annex I, their
five thematic areas (dimensions) and the five classes, Amplify to Activate (its section 5).
The paper does not publish how it scaled, weighted or cut its index (it scored 100 m cells
across the whole country), so every step below is the platform's own choice, described on
the method page (``/<lang>/readiness/method``) and, where it makes sense, set by coordinators:

1. each indicator is scaled to 0–1 against a *reference*: the lowest and highest value of a
   fixed reference (the platform's areas in a base year, or national bounds a coordinator
   imported), a value beyond them counting as 0 or 1; without a fixed reference, against the
   lowest and highest value among the areas computed together (then adding an area changes
   the others' scores). The scale is inverted where the platform reads a higher value as less
   readiness; an indicator whose reference has one value only scores 0.5 (it tells nothing
   apart), one the reference has no value for is not scored;
2. a dimension's score is the mean of the area's scaled indicators in it;
3. the index is the weighted mean of the dimension scores (weights renormalised over the
   dimensions the area has data for; equal weights by default);
4. missing values are left out of the means; the share of indicators an area has is its
   coverage, and an area below the minimum coverage is flagged and not classed;
5. classes are cut by five equal-width bands of the index (the default: an area's class
   then depends on its own index only, so under a fixed reference adding an area changes no
   other area's class), by four fixed thresholds, or by quintiles of the areas computed
   together (an area's class is fixed by how many areas score strictly higher, so tied areas
   share a class, and one area moving up can move another down);
6. an indicator is counted as *lagging* when its scaled value is below the scaled reference
   median (the paper does not define "lagging"); an area's gap in a dimension is the share
   of its indicators there that lag, counted per area, and a class's gap the same share over
   its areas: an approximation of the paper's footnote 36, which divides the lagging
   indicators of a thematic area "by the total area of SV index classification groups".

The paper scored 100 m² grid cells and aggregated them (its section 4, step 3); here an area
is scored whole, from one value per indicator, and a cluster takes the plain mean of its
areas' values.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median

DIMENSIONS = ("economic_sources", "infrastructure_services", "human_capital",
              "economic_potential", "governance")
CLASSES = ("amplify", "accelerate_high", "accelerate_medium", "accelerate_low", "activate")
CUT_METHODS = ("equal_width", "fixed", "quintiles")
DEFAULT_CUTS = "equal_width"
EQUAL_WIDTH = (0.8, 0.6, 0.4, 0.2)
DEFAULT_MIN_COVERAGE = 0.6


@dataclass(frozen=True)
class Indicator:
    number: int
    dimension: str
    higher_is_better: bool = True


@dataclass(frozen=True)
class Bound:
    """The reference of one indicator: its lowest and highest value and, when known, its
    median (else the midpoint stands for it)."""

    low: float
    high: float
    median: float | None = None

    def scale(self, value: float) -> float:
        """``value`` on the reference's 0–1 scale (capped at both ends)."""
        if self.high == self.low:
            return 0.5
        return min(1.0, max(0.0, (value - self.low) / (self.high - self.low)))


@dataclass(frozen=True)
class Cuts:
    """How the index is cut into the five classes: ``equal_width`` bands (the default),
    ``fixed`` thresholds (the lowest index of Amplify, Accelerate-high, Accelerate-medium and
    Accelerate-low, falling, each between 0 and 1) or ``quintiles`` of the areas computed
    together (the only cut where an area's class depends on the others)."""

    method: str = DEFAULT_CUTS
    thresholds: tuple[float, ...] = ()

    def __post_init__(self):
        if self.method not in CUT_METHODS:
            raise ValueError(f"unknown cut method {self.method!r}")
        if self.method == "fixed" and not valid_thresholds(self.thresholds):
            raise ValueError("four falling thresholds between 0 and 1 are needed")

    @property
    def edges(self) -> tuple[float, ...]:
        return EQUAL_WIDTH if self.method == "equal_width" else tuple(self.thresholds)


def valid_thresholds(thresholds) -> bool:
    """Four thresholds, each strictly between 0 and 1, strictly falling."""
    values = list(thresholds)
    return (len(values) == 4 and all(0 < t < 1 for t in values)
            and all(a > b for a, b in zip(values, values[1:], strict=False)))


@dataclass
class AreaResult:
    area: Hashable
    index: float | None
    dimensions: dict[str, float | None]
    normalised: dict[int, float]
    coverage: float
    flagged: bool
    gaps: dict[str, float | None] = field(default_factory=dict)
    lagging: frozenset[int] = frozenset()
    klass: str | None = None
    rank: int | None = None


@dataclass
class Result:
    areas: list[AreaResult]
    medians: dict[str, float | None] = field(default_factory=dict)
    class_gaps: dict[str, dict[str, float | None]] = field(default_factory=dict)

    def by_area(self) -> dict:
        return {a.area: a for a in self.areas}


def equal_weights() -> dict[str, float]:
    return dict.fromkeys(DIMENSIONS, 1.0)


def valid_weights(weights: Mapping[str, float]) -> bool:
    """Weights of the five dimensions: none negative, and their sum above zero."""
    values = [weights.get(d) for d in DIMENSIONS]
    return all(w is not None and w >= 0 for w in values) and sum(values) > 0


def relative_reference(indicators, values) -> dict[int, Bound]:
    """The reference of the areas themselves: each indicator's lowest, highest and median
    value among ``values`` (what scaling falls back on without a fixed reference)."""
    reference = {}
    for indicator in indicators:
        present = [v[indicator.number] for v in values.values()
                   if v.get(indicator.number) is not None]
        if present:
            reference[indicator.number] = Bound(min(present), max(present), median(present))
    return reference


def _scaled(indicator: Indicator, bound: Bound, value: float) -> float:
    score = bound.scale(value)
    return score if indicator.higher_is_better else 1.0 - score


def _class(cuts: Cuts, index: float, higher: int, count: int) -> str:
    if cuts.method == "quintiles":
        return CLASSES[min(4, (5 * higher) // count)]
    for klass, edge in zip(CLASSES, cuts.edges, strict=False):
        if index >= edge:
            return klass
    return CLASSES[-1]


def compute(indicators: Sequence[Indicator], values: Mapping[Hashable, Mapping[int, float]],
            weights: Mapping[str, float] | None = None,
            min_coverage: float = DEFAULT_MIN_COVERAGE,
            reference: Mapping[int, Bound] | None = None, cuts: Cuts | None = None,
            area_references: Mapping[Hashable, Mapping[int, Bound]] | None = None) -> Result:
    """Index, dimension scores, coverage, gaps, rank and class for every area in ``values``,
    scaled against ``reference`` (by default: the areas of ``values`` themselves), or for an
    area of ``area_references`` against its own (a cluster of rayons against the rayons')."""
    weights = dict(weights or equal_weights())
    if not valid_weights(weights):
        raise ValueError("weights must be non-negative and not sum to zero")
    cuts = cuts or Cuts()
    reference = relative_reference(indicators, values) if reference is None else reference
    by_dimension = {d: [i for i in indicators if i.dimension == d] for d in DIMENSIONS}
    results = []
    for area, area_values in values.items():
        area_reference = (area_references or {}).get(area, reference)
        normalised, lagging, scores, gaps = {}, set(), {}, {}
        for dimension, members in by_dimension.items():
            present = []
            for indicator in members:
                value = area_values.get(indicator.number)
                bound = area_reference.get(indicator.number)
                if value is None or bound is None:
                    continue
                score = _scaled(indicator, bound, value)
                normalised[indicator.number] = score
                present.append(indicator.number)
                middle = 0.5 if bound.median is None else _scaled(indicator, bound, bound.median)
                if score < middle:
                    lagging.add(indicator.number)
            scores[dimension] = (sum(normalised[n] for n in present) / len(present)
                                 if present else None)
            gaps[dimension] = (sum(n in lagging for n in present) / len(present)
                               if present else None)
        usable = [(weights.get(d, 0.0), s) for d, s in scores.items() if s is not None]
        total_weight = sum(w for w, _ in usable)
        index = sum(w * s for w, s in usable) / total_weight if total_weight else None
        coverage = len(normalised) / len(indicators) if indicators else 0.0
        flagged = coverage < min_coverage or index is None
        results.append(AreaResult(area, index, scores, normalised, coverage, flagged, gaps,
                                  frozenset(lagging)))
    ranked = sorted((r for r in results if not r.flagged), key=lambda r: -r.index)
    count = len(ranked)
    for result in ranked:
        higher = sum(1 for other in ranked if other.index > result.index)
        result.rank = higher + 1
        result.klass = _class(cuts, result.index, higher, count)
    medians = {}
    for dimension in DIMENSIONS:
        present = [r.dimensions[dimension] for r in ranked if r.dimensions[dimension] is not None]
        medians[dimension] = median(present) if present else None
    results.sort(key=lambda r: (r.flagged, -(r.index or 0)))
    return Result(results, medians, _class_gaps(ranked, by_dimension))


def _class_gaps(ranked, by_dimension) -> dict:
    """Per class and dimension: lagging indicators over all the indicators its areas have."""
    gaps = {}
    for klass in CLASSES:
        members = [r for r in ranked if r.klass == klass]
        if not members:
            continue
        gaps[klass] = {}
        for dimension, indicators in by_dimension.items():
            numbers = [i.number for i in indicators]
            present = sum(n in r.normalised for r in members for n in numbers)
            behind = sum(n in r.lagging for r in members for n in numbers)
            gaps[klass][dimension] = behind / present if present else None
    return gaps


def changes(first: Result, second: Result) -> list[tuple[Hashable, str | None, str | None]]:
    """Areas whose class differs between two computations: (area, before, after)."""
    before = {r.area: r.klass for r in first.areas}
    return [(r.area, before.get(r.area), r.klass) for r in second.areas
            if before.get(r.area) != r.klass]


@dataclass
class Movement:
    """Areas classed in both of two computations, by the direction their class moved."""

    up: list = field(default_factory=list)
    down: list = field(default_factory=list)
    same: list = field(default_factory=list)


def movement(before: Result, after: Result) -> Movement:
    """Which areas moved up (towards Amplify) or down a class, or kept it, from ``before`` to
    ``after``; areas not classed in one of them are left out."""
    earlier = {r.area: r.klass for r in before.areas if r.klass}
    moved = Movement()
    for r in after.areas:
        if not r.klass or r.area not in earlier:
            continue
        step = CLASSES.index(earlier[r.area]) - CLASSES.index(r.klass)
        target = moved.up if step > 0 else moved.down if step < 0 else moved.same
        target.append((r.area, earlier[r.area], r.klass))
    return moved
