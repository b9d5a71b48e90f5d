"""The SVR index computation: a small hand-computed example, then properties."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from m4eg.readiness.compute import CLASSES, DIMENSIONS, Cuts, Indicator, changes, compute

QUINTILES = Cuts("quintiles")

# Two indicators in one dimension (one where lower is better), one in another dimension.
INDICATORS = [Indicator(1, "economic_sources"), Indicator(2, "economic_sources", False),
              Indicator(3, "governance")]


def test_hand_computed_example():
    values = {"A": {1: 10, 2: 30, 3: 5}, "B": {1: 20, 2: 10, 3: 5}, "C": {1: 0, 2: 20}}
    result = compute(INDICATORS, values, min_coverage=0.5, cuts=QUINTILES).by_area()
    # Indicator 1 (higher better): A 0.5, B 1, C 0. Indicator 2 (lower better): A 0, B 1,
    # C 0.5. Indicator 3: A and B equal → 0.5 each; C has no value.
    assert result["A"].normalised == {1: 0.5, 2: 0.0, 3: 0.5}
    assert result["B"].dimensions["economic_sources"] == 1.0
    assert result["C"].dimensions["governance"] is None
    # Index: mean over the dimensions the area has (equal weights).
    assert result["A"].index == pytest.approx((0.25 + 0.5) / 2)
    assert result["B"].index == pytest.approx((1.0 + 0.5) / 2)
    assert result["C"].index == pytest.approx(0.25)  # economic sources only
    assert result["C"].coverage == pytest.approx(2 / 3)
    assert [result[a].rank for a in "BAC"] == [1, 2, 3]
    # Quintiles of three areas: 0 higher → class 0, 1 higher → 5//3 = 1, 2 higher → 3.
    assert [result[a].klass for a in "BAC"] == ["amplify", "accelerate_high", "accelerate_low"]


def test_weights_change_the_index():
    values = {"A": {1: 10, 2: 30, 3: 5}, "B": {1: 20, 2: 10, 3: 9}}
    weights = dict.fromkeys(DIMENSIONS, 0.0) | {"governance": 1.0}
    result = compute(INDICATORS, values, weights).by_area()
    assert result["A"].index == 0.0 and result["B"].index == 1.0


def test_low_coverage_is_flagged_not_classed():
    values = {"A": {1: 1, 2: 1, 3: 1}, "B": {1: 2, 2: 2, 3: 2}, "C": {1: 3}}
    result = compute(INDICATORS, values, min_coverage=0.6).by_area()
    assert result["C"].flagged and result["C"].klass is None and result["C"].rank is None
    assert not result["A"].flagged and result["A"].klass is not None


def test_quintile_edges_with_ten_areas_and_ties():
    indicators = [Indicator(1, "governance")]
    values = {f"area{i}": {1: i} for i in range(10)}
    result = compute(indicators, values, cuts=QUINTILES).by_area()
    expected = {9: "amplify", 8: "amplify", 7: "accelerate_high", 6: "accelerate_high",
                5: "accelerate_medium", 4: "accelerate_medium", 3: "accelerate_low",
                2: "accelerate_low", 1: "activate", 0: "activate"}
    assert {i: result[f"area{i}"].klass for i in range(10)} == expected
    tied = compute(indicators, {"a": {1: 1}, "b": {1: 1}, "c": {1: 0}},
                   cuts=QUINTILES).by_area()
    assert tied["a"].klass == tied["b"].klass == "amplify" and tied["a"].rank == 1


def test_bad_weights_are_refused():
    with pytest.raises(ValueError):
        compute(INDICATORS, {"A": {1: 1}}, dict.fromkeys(DIMENSIONS, 0.0))


def test_changes_lists_areas_that_move_class():
    values = {"A": {1: 10, 2: 30, 3: 5}, "B": {1: 20, 2: 10, 3: 1}}
    equal = compute(INDICATORS, values, cuts=QUINTILES)
    governance = compute(INDICATORS, values,
                         dict.fromkeys(DIMENSIONS, 0.0) | {"governance": 1.0}, cuts=QUINTILES)
    # Equal weights tie A and B (0.5 each: both amplify); governance alone separates them.
    assert changes(equal, governance) == [("B", "amplify", "accelerate_medium")]


area_values = st.dictionaries(
    st.sampled_from("ABCDEFGH"),
    st.fixed_dictionaries({}, optional={1: st.floats(0, 100), 2: st.floats(0, 100),
                                        3: st.floats(0, 100)}),
    min_size=1, max_size=8)


@settings(max_examples=150, deadline=None)
@given(area_values, st.sampled_from("ABCDEFGH"), st.floats(0.01, 50))
def test_raising_a_higher_is_better_value_never_lowers_the_index(values, area, increase):
    if area not in values or 1 not in values[area]:
        return
    before = compute(INDICATORS, values, min_coverage=0).by_area()[area].index
    raised = {a: dict(v) for a, v in values.items()}
    raised[area][1] = values[area][1] + increase
    after = compute(INDICATORS, raised, min_coverage=0).by_area()[area].index
    assert after >= before - 1e-12


@settings(max_examples=150, deadline=None)
@given(area_values)
def test_classes_always_partition_the_ranked_areas(values):
    result = compute(INDICATORS, values, min_coverage=0.5, cuts=QUINTILES)
    ranked = [r for r in result.areas if not r.flagged]
    assert all(r.klass in CLASSES for r in ranked)
    assert all(r.klass is None for r in result.areas if r.flagged)
    assert len(ranked) + sum(r.flagged for r in result.areas) == len(values)
    order = [CLASSES.index(r.klass) for r in sorted(ranked, key=lambda r: -r.index)]
    assert order == sorted(order)  # a better index never gets a worse class
