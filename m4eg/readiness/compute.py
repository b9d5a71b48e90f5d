"""The Smart Village Readiness (SVR) index, computed from indicator values.

A pure function of its inputs (no database, no request), following section 5 of the World
Bank paper "Smart Villages in Azerbaijan":

1. each indicator is normalised to 0–1 across the areas that have a value for it
   (min–max; inverted where a higher value means less readiness; 0.5 when every area has
   the same value, since the indicator then tells the areas nothing apart);
2. a dimension's score is the mean of the area's normalised indicators in it;
3. the index is the weighted mean of the dimension scores (weights renormalised over the
   dimensions the area has data for; equal weights by default);
4. missing values are left out of the means; the share of indicators an area has is its
   coverage, and an area below the minimum coverage is flagged and not classed;
5. the classed areas are put into five classes by quintiles of the index: an area's class is
   fixed by how many areas score strictly higher, so tied areas share a class.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import median

DIMENSIONS = ("economic_sources", "infrastructure_services", "human_capital",
              "economic_potential", "governance")
CLASSES = ("amplify", "accelerate_high", "accelerate_medium", "accelerate_low", "activate")
DEFAULT_MIN_COVERAGE = 0.6


@dataclass(frozen=True)
class Indicator:
    number: int
    dimension: str
    higher_is_better: bool = True


@dataclass
class AreaResult:
    area: Hashable
    index: float | None
    dimensions: dict[str, float | None]
    normalised: dict[int, float]
    coverage: float
    flagged: bool
    klass: str | None = None
    rank: int | None = None


@dataclass
class Result:
    areas: list[AreaResult]
    medians: dict[str, float | None] = field(default_factory=dict)

    def by_area(self) -> dict:
        return {a.area: a for a in self.areas}


def equal_weights() -> dict[str, float]:
    return dict.fromkeys(DIMENSIONS, 1.0)


def _normalise(indicators, values) -> dict:
    normalised = {area: {} for area in values}
    for indicator in indicators:
        present = {area: v[indicator.number] for area, v in values.items()
                   if v.get(indicator.number) is not None}
        if not present:
            continue
        low, high = min(present.values()), max(present.values())
        for area, value in present.items():
            score = 0.5 if high == low else (value - low) / (high - low)
            normalised[area][indicator.number] = score if indicator.higher_is_better \
                else 1.0 - score
    return normalised


def compute(indicators: Sequence[Indicator], values: Mapping[Hashable, Mapping[int, float]],
            weights: Mapping[str, float] | None = None,
            min_coverage: float = DEFAULT_MIN_COVERAGE) -> Result:
    """Index, dimension scores, coverage, rank and class for every area in ``values``."""
    weights = dict(weights or equal_weights())
    if any(w < 0 for w in weights.values()) or not any(weights.get(d, 0) > 0
                                                        for d in DIMENSIONS):
        raise ValueError("weights must be non-negative and not all zero")
    normalised = _normalise(indicators, values)
    by_dimension = {d: [i.number for i in indicators if i.dimension == d] for d in DIMENSIONS}
    results = []
    for area in values:
        scores = {}
        for dimension, numbers in by_dimension.items():
            present = [normalised[area][n] for n in numbers if n in normalised[area]]
            scores[dimension] = sum(present) / len(present) if present else None
        usable = [(weights.get(d, 0.0), s) for d, s in scores.items() if s is not None]
        total_weight = sum(w for w, _ in usable)
        index = sum(w * s for w, s in usable) / total_weight if total_weight else None
        coverage = len(normalised[area]) / len(indicators) if indicators else 0.0
        flagged = coverage < min_coverage or index is None
        results.append(AreaResult(area, index, scores, normalised[area], coverage, flagged))
    ranked = sorted((r for r in results if not r.flagged), key=lambda r: -r.index)
    count = len(ranked)
    for result in ranked:
        higher = sum(1 for other in ranked if other.index > result.index)
        result.rank = higher + 1
        result.klass = CLASSES[min(4, (5 * higher) // count)]
    medians = {}
    for dimension in DIMENSIONS:
        present = [r.dimensions[dimension] for r in ranked if r.dimensions[dimension] is not None]
        medians[dimension] = median(present) if present else None
    results.sort(key=lambda r: (r.flagged, -(r.index or 0)))
    return Result(results, medians)


def changes(first: Result, second: Result) -> list[tuple[Hashable, str | None, str | None]]:
    """Areas whose class differs between two computations: (area, before, after)."""
    before = {r.area: r.klass for r in first.areas}
    return [(r.area, before.get(r.area), r.klass) for r in second.areas
            if before.get(r.area) != r.klass]
