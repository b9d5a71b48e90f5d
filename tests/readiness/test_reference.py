"""The index as the paper's instrument: a fixed reference, years and progress, clusters,
Baku left out, official classes, and values checked against each indicator's range."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from m4eg.extensions import db
from m4eg.readiness import services
from m4eg.readiness.compute import Bound, Cuts, Indicator, compute
from m4eg.readiness.models import Cluster, IndicatorValue, ReferenceBound

pytestmark = pytest.mark.usefixtures("english")

INDICATORS = [Indicator(1, "economic_sources"), Indicator(2, "governance", False)]
REFERENCE = {1: Bound(0, 100, 50), 2: Bound(10, 20)}
value = st.floats(-50, 150, allow_nan=False)
area_values = st.dictionaries(st.sampled_from("ABCDEFG"),
                              st.fixed_dictionaries({1: value, 2: value}), min_size=1)


@settings(max_examples=100, deadline=None)
@given(area_values, st.fixed_dictionaries({1: value, 2: value}))
def test_under_a_fixed_reference_adding_an_area_changes_no_other_score(values, newcomer):
    before = compute(INDICATORS, values, reference=REFERENCE).by_area()
    after = compute(INDICATORS, {**values, "new": newcomer}, reference=REFERENCE).by_area()
    for area, result in before.items():
        assert after[area].index == result.index
        assert after[area].dimensions == result.dimensions and after[area].gaps == result.gaps


def test_a_fixed_reference_caps_scales_inverts_and_measures_gaps():
    result = compute(INDICATORS, {"A": {1: 150, 2: 12}, "B": {1: 25, 2: 25}},
                     reference=REFERENCE, min_coverage=0).by_area()
    assert result["A"].normalised == {1: 1.0, 2: pytest.approx(0.8)}
    assert result["B"].normalised == {1: 0.25, 2: 0.0}  # beyond the bound: capped
    # B lags on both (below the median 50, and below the midpoint 15 read inverted).
    assert result["B"].gaps == {"economic_sources": 1.0, "infrastructure_services": None,
                                "human_capital": None, "economic_potential": None,
                                "governance": 1.0}
    assert result["A"].gaps["economic_sources"] == 0.0


def test_equal_width_and_fixed_cuts_do_not_depend_on_the_other_areas():
    values = {"A": {1: 85}, "B": {1: 61}, "C": {1: 10}}
    one = [Indicator(1, "economic_sources")]
    bands = compute(one, values, reference={1: Bound(0, 100)}, cuts=Cuts("equal_width"),
                    min_coverage=0).by_area()
    assert [bands[a].klass for a in "ABC"] == ["amplify", "accelerate_high", "activate"]
    fixed = compute(one, values, reference={1: Bound(0, 100)}, min_coverage=0,
                    cuts=Cuts("fixed", (0.9, 0.6, 0.3, 0.05))).by_area()
    assert [fixed[a].klass for a in "ABC"] == ["accelerate_high", "accelerate_high",
                                               "accelerate_low"]
    with pytest.raises(ValueError):
        Cuts("fixed", (0.3, 0.6, 0.7, 0.8))


def _rows(*lines, header="area,indicator,value,year,source"):
    return services.read_table("values.csv", (header + "\n" + "\n".join(lines) + "\n").encode())


def _load(*lines):
    plan = services.plan_import(_rows(*lines))
    assert plan.ok, [row.messages for row in plan.errors]
    services.apply_import(plan)


THREE_YEARS = (
    # Indicator 1 (enterprises, higher is better), indicator 3 (travel time, lower is better).
    "guba,1,10,2021,", "gusar,1,30,2021,", "guba,3,60,2021,", "gusar,3,20,2021,",
    "guba,1,20,2022,", "gusar,1,40,2022,",
    "guba,1,25,2023,", "gusar,1,5,2023,", "guba,3,40,2023,", "gusar,3,20,2023,",
)


def _base_year_2021():
    services.save_settings({"reference": "base_year", "base_year": 2021,
                            "cuts": "quintiles"}, 0)


def test_a_hand_worked_three_year_example_of_change(app_ctx, roster):
    _load(*THREE_YEARS)
    _base_year_2021()
    # The reference of 2021: indicator 1 from 10 to 30 (median 20), indicator 3 from 20 to 60.
    bound = db.session.scalar(select(ReferenceBound).where(
        ReferenceBound.area_kind == "rayon", ReferenceBound.indicator == 1))
    assert (bound.low, bound.high, bound.median, bound.origin) == (10, 30, 20, "base_year")
    guba = services.profile("rayon", "guba", year=2023)
    # 2021: (10−10)/20 = 0 and travel time at the top of its range, read inverted: 0 → 0.
    # 2022: (20−10)/20 = 0.5, no travel time that year → 0.5.
    # 2023: (25−10)/20 = 0.75 and 1 − (40−20)/40 = 0.5 → 0.625.
    history = {year: r.dimensions["economic_sources"] for year, r in guba["history"]}
    assert history == {2021: 0.0, 2022: 0.5, 2023: pytest.approx(0.625)}
    assert guba["base_year"] == 2021 and guba["year"] == 2023
    assert guba["change"]["economic_sources"] == pytest.approx(0.625)
    assert guba["change"]["index"] == pytest.approx(0.625)
    assert guba["change"]["governance"] is None
    # Gusar's 40 in 2022 and 5 in 2023 lie beyond the reference: capped at 1 and 0.
    gusar = dict(services.profile("rayon", "gusar")["history"])
    assert gusar[2022].normalised[1] == 1.0 and gusar[2023].normalised[1] == 0.0
    # Gaps: in 2021 both of Guba's indicators were below the reference median, in 2023 none.
    assert dict(guba["history"])[2021].gaps["economic_sources"] == 1.0
    assert guba["area"].gaps["economic_sources"] == 0.0


def test_fixed_reference_adding_an_area_and_the_same_value_in_two_years(app_ctx, roster):
    _load(*THREE_YEARS)
    _base_year_2021()
    before = services.ranking("rayon", year=2023).result.by_area()["guba"]
    # A new area, even with values for the base year, moves no other score.
    _load("khachmaz,1,90,2021,", "khachmaz,1,20,2022,", "khachmaz,1,20,2023,",
          "khachmaz,3,5,2023,")
    after = services.ranking("rayon", year=2023).result.by_area()
    assert after["guba"].index == before.index and after["guba"].normalised == \
        before.normalised
    # The same value in two years gives the same score.
    in_2022 = services.ranking("rayon", year=2022).result.by_area()["khachmaz"]
    assert in_2022.normalised[1] == after["khachmaz"].normalised[1] == 0.5
    # Without a fixed reference the newcomer would have moved Guba's score.
    services.save_settings({"reference": "none", "base_year": 2021, "cuts": "quintiles"}, 1)
    relative = services.ranking("rayon", year=2023).result.by_area()["guba"]
    assert relative.index != before.index


def test_the_reference_is_taken_again_only_when_the_base_year_changes(app_ctx, roster):
    _load(*THREE_YEARS)
    _base_year_2021()
    _load("khachmaz,1,1000,2021,")
    services.save_settings({"reference": "base_year", "base_year": 2021,
                            "cuts": "equal_width"}, 1)
    assert services.reference_bounds("rayon")[1].high == 30
    services.save_settings({"reference": "base_year", "base_year": 2022,
                            "cuts": "equal_width"}, 2)
    assert services.reference_bounds("rayon")[1] == Bound(20, 40, 30)


def test_settings_refuse_what_cannot_be_used(app_ctx, roster):
    _load(*THREE_YEARS)
    refused = [
        ({"reference": "base_year", "base_year": 2019, "cuts": "quintiles"}, "no indicator"),
        ({"reference": "base_year", "base_year": None, "cuts": "quintiles"}, "base year"),
        ({"reference": "national", "base_year": None, "cuts": "quintiles"}, "national bounds"),
        ({"reference": "none", "base_year": None, "cuts": "fixed",
          "thresholds": [0.2, 0.4, 0.6, 0.8]}, "four thresholds"),
    ]
    for data, reason in refused:
        with pytest.raises(services.ReadinessError) as error:
            services.save_settings(data, 0)
        assert reason in str(error.value.message)
    services.save_settings({"reference": "none", "base_year": None, "cuts": "quintiles"}, 0)
    with pytest.raises(services.SettingsConflict):
        services.save_settings({"reference": "none", "base_year": None, "cuts": "quintiles"}, 0)


def test_negative_population_change_is_accepted_and_values_out_of_range_refused(app_ctx,
                                                                                roster):
    plan = services.plan_import(_rows("guba,36,-2.5,2023,AZStat", "guba,16,120,2023,",
                                      "guba,1,-1,2023,", "guba,35,100,2023,",
                                      "guba,36,-140,2023,"))
    reasons = {row.line: " ".join(str(m) for m in row.messages) for row in plan.errors}
    assert set(reasons) == {3, 4, 6}
    assert "value 120 is outside the range of indicator 16 (0–100" in reasons[3]
    assert "value -1 is outside the range of indicator 1 (0 or more, number)" in reasons[4]
    assert "value -140 is outside the range of indicator 36 (-100 or more" in reasons[6]
    with pytest.raises(services.ReadinessError):
        services.apply_import(plan)
    assert db.session.scalar(select(func.count()).select_from(IndicatorValue)) == 0
    _load("guba,36,-2.5,2023,AZStat")
    assert services.values_for("rayon", 2023) == {"guba": {36: -2.5}}


def test_clusters_are_imported_with_a_dry_run_and_computed(app_ctx, roster):
    header = "code,name_az,name_en,areas"
    table = services.IMPORTS["clusters"]
    bad = table.read("c.csv", "\n".join([
        header, "gg,Quba–Qusar,Guba–Gusar,guba;gusar", "x1,X,X,guba;nowhere",
        "x2,Y,Y,shamkir;shamkir", "x3,Z,Z,AZ-036;tovuz", "x4,W,W,gusar"]).encode())
    reasons = {row.line: " ".join(str(m) for m in row.messages) for row in bad.errors}
    assert "area nowhere is not a village municipality or a rayon" in reasons[3]
    assert "area guba is named twice (also on line 2)" in reasons[3]
    assert "area shamkir is named twice in this cluster" in reasons[4]
    assert "all village municipalities or all rayons" in reasons[5]
    assert "area gusar is named twice (also on line 2)" in reasons[6]
    with pytest.raises(services.ReadinessError):
        table.apply(bad)
    assert db.session.scalar(select(func.count()).select_from(Cluster)) == 0
    good = table.read("c.csv", f"{header}\ngg,Quba–Qusar,Guba–Gusar,guba;gusar\n".encode())
    table.apply(good)
    assert table.read("c.csv", f"{header}\ngg,Quba–Qusar,Guba–Gusar,guba;gusar\n"
                      .encode()).count("unchanged") == 1
    _load(*THREE_YEARS)
    _base_year_2021()
    # 2023: indicator 1 = mean(25, 5) = 15 → (15−10)/20 = 0.25; indicator 3 = mean(40, 20) =
    # 30 → 1 − (30−20)/40 = 0.75; scaled against the rayons' reference.
    cluster = services.ranking("cluster", year=2023).result.by_area()["gg"]
    assert cluster.normalised == {1: 0.25, 3: 0.75}
    assert cluster.dimensions["economic_sources"] == pytest.approx(0.5)
    assert services.years("cluster") == [2021, 2022, 2023]
    # 2021: mean(10, 30) = 20 → 0.5 and mean(60, 20) = 40 → 0.5: no change since then.
    assert services.profile("cluster", "gg")["change"]["economic_sources"] == \
        pytest.approx(0.0)


def test_baku_and_its_metropolitan_area_are_left_out_of_the_rayon_ranking(app_ctx, roster):
    services.ensure_demo_values()
    metro = services.metro_codes()
    assert len(metro) == 14 and {"sabail", "absheron", "sumgayit"} <= metro
    shown = services.ranking("rayon")
    assert sorted(shown.left_out) == sorted(metro)
    assert not metro & set(shown.result.by_area())
    assert len(shown.result.areas) == len(services.areas("rayon")) - 14
    included = services.ranking("rayon", include_metro=True)
    assert metro <= set(included.result.by_area()) and included.left_out == []
    services.save_settings({"reference": "base_year", "base_year": 2022, "cuts": "quintiles",
                            "include_metro": True}, services.settings().version)
    assert metro <= set(services.ranking("rayon").result.by_area())
    assert services.profile("rayon", "sabail")["left_out"] is False


def test_national_bounds_and_official_classes(app_ctx, roster):
    bounds = services.IMPORTS["bounds"]
    header = "kind,indicator,min,max,median,source"
    bad = bounds.read("b.csv", f"{header}\nrayon,1,50,10,,AZStat\nrayon,16,0,140,,\n"
                      "town,2,0,1,,\nrayon,1,0,100,200,\n".encode())
    reasons = {row.line: " ".join(str(m) for m in row.messages) for row in bad.errors}
    assert "the minimum 50 is not below the maximum 10" in reasons[2]
    assert "max 140 is outside the range of indicator 16" in reasons[3]
    assert "kind town is not one of the codes village, rayon" in reasons[4]
    assert "the median is not between min and max" in reasons[5]
    with pytest.raises(services.ReadinessError):
        bounds.apply(bad)
    bounds.apply(bounds.read("b.csv", f"{header}\nrayon,1,0,100,,AZStat 2020\n".encode()))
    _load("guba,1,25,2023,")
    services.save_settings({"reference": "national", "base_year": None,
                            "cuts": "equal_width"}, 0)
    guba = services.ranking("rayon").result.by_area()["guba"]
    assert guba.normalised == {1: 0.25}
    official = services.IMPORTS["classes"]
    plan = official.read("o.csv", b"kind,area,class,source\nrayon,guba,Accelerate-high,MoA\n"
                         b"rayon,nowhere,amplify,\nrayon,gusar,best,\n")
    reasons = {row.line: " ".join(str(m) for m in row.messages) for row in plan.errors}
    assert "no rayon has the code nowhere" in reasons[3]
    assert "class best is none of: Amplify" in reasons[4]
    official.apply(official.read("o.csv", b"kind,area,class,source\nrayon,guba,"
                                 b"Accelerate-high,MoA\n"))
    assert services.profile("rayon", "guba")["official"].klass == "accelerate_high"


def test_demo_data_shows_progress_and_a_cluster(app_ctx, roster):
    services.ensure_demo_values()
    assert services.settings().reference == "base_year" and services.settings().base_year == 2022
    assert [c.code for c in services.clusters()] == ["guba-gusar-khachmaz", "shamkir-tovuz"]
    assert all(c.is_demo for c in services.clusters())
    cluster = services.profile("cluster", "guba-gusar-khachmaz")
    assert cluster["year"] == 2024 and cluster["change"]["index"] is not None
    assert cluster["official"].klass == "amplify"
    start, moves = services.class_movement("village", 2024)
    assert start == 2022 and len(moves.up) + len(moves.down) + len(moves.same) == 24
