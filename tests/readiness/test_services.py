"""Readiness data: the catalogue, imports, weight sets and sensitivity."""

import pytest
from sqlalchemy import func, select

from m4eg.core.imports import RowStatus
from m4eg.extensions import db
from m4eg.readiness import services
from m4eg.readiness.compute import CLASSES, DIMENSIONS
from m4eg.readiness.models import IndicatorValue

pytestmark = pytest.mark.usefixtures("english")


def test_catalogue_matches_annex_one():
    entries = services.catalogue()
    assert [e.number for e in entries] == list(range(1, 54))
    assert {e.dimension for e in entries} == set(DIMENSIONS)
    for entry in entries:
        for text in (entry.category, entry.criterion, entry.source, entry.measurement):
            assert text["az"] and text["en"]
    lower = {e.number for e in entries if not e.higher_is_better}
    # Travel times and crime counts mean less readiness (Annex I: 3, 9, 17, 25, 42, 43, 45…).
    assert {3, 9, 17, 25, 42, 43, 45} <= lower


def test_every_class_has_gaps_and_interventions_in_both_languages():
    classes = services.classes()
    assert list(classes) == list(CLASSES)
    for data in classes.values():
        for key in ("label", "gaps", "interventions"):
            assert data[key]["az"] and data[key]["en"]


def test_catalogue_and_classes_use_the_glossary_terms():
    """/work/shared/GLOSSARY.md: heat map, gap and the water users' associations."""
    texts = [text["az"] for entry in services.catalogue()
             for text in (entry.category, entry.criterion, entry.source, entry.measurement)]
    texts += [data[key]["az"] for data in services.classes().values()
              for key in ("label", "gaps", "interventions")]
    joined = " ".join(texts)
    for wrong in ("istilik xəritəsi", "boşluq", "Su İstifadəçiləri Assosiasiya", "SİA"):
        assert wrong not in joined, wrong
    assert "Sudan İstifadəedənlər Birlikləri" in joined and "sıxlıq xəritəsi" in joined
    assert "çatışmazlıq" in services.classes()["accelerate_medium"]["gaps"]["az"]


def _rows(*lines):
    header = "area,indicator,value,year,source\n"
    return services.read_table("values.csv", (header + "\n".join(lines) + "\n").encode())


def test_bad_rows_are_listed_and_nothing_is_written(app_ctx, roster):
    plan = services.plan_import(_rows(
        "AZ-036,1,12.5,2023,AZStat",
        "AZ-999,1,3,2023,",
        "AZ-036,54,3,2023,",
        "AZ-036,2,many,2023,",
        "AZ-036,3,-4,2023,",
        "AZ-036,1,13,2023,",
        "guba,5,7,1800,"))
    reasons = {row.line: " ".join(str(r) for r in row.messages) for row in plan.errors}
    assert "area AZ-999 is not a village municipality or a rayon" in reasons[3]
    assert "unknown indicator number 54" in reasons[4]
    assert "value many is not a number" in reasons[5]
    assert "value -4 is outside the range of indicator 3 (0 or more, minutes)" in reasons[6]
    assert "duplicate of line 2" in reasons[7]
    assert "year 1800 is not a year" in reasons[8]
    assert 2 not in reasons
    with pytest.raises(services.ReadinessError):
        services.apply_import(plan)
    assert db.session.scalar(select(func.count()).select_from(IndicatorValue)) == 0


def test_city_municipalities_are_not_areas_of_the_index(app_ctx, roster):
    plan = services.plan_import(_rows("AZ-002,1,5,2023,"))  # Khirdalan is a city
    assert not plan.ok


def test_importing_twice_changes_nothing(app_ctx, roster):
    rows = _rows("AZ-036,1,12.5,2023,AZStat", "guba,1,40,2023,AZStat")
    services.apply_import(services.plan_import(rows))
    db.session.commit()
    again = services.plan_import(rows)
    assert again.count(RowStatus.UNCHANGED) == 2 and again.count(RowStatus.NEW) == 0
    changed = services.plan_import(_rows("AZ-036,1,13,2023,AZStat"))
    [row] = changed.rows
    assert row.status is RowStatus.CHANGED and row.changes == {"value": [12.5, 13.0]}


def test_values_are_kept_per_year_and_the_latest_year_is_shown(app_ctx, roster):
    services.apply_import(services.plan_import(_rows("AZ-036,1,10,2021,", "AZ-036,1,30,2023,",
                                                     "AZ-036,1,20,2022,")))
    assert services.years("village") == [2021, 2022, 2023]
    assert services.values_for("village", 2022) == {"AZ-036": {1: 20.0}}
    assert services.ranking("village").year == 2023


def test_weight_sets_and_sensitivity(app_ctx, roster):
    services.ensure_demo_values()
    governance_only = services.save_weight_set(
        "Governance only", dict.fromkeys(DIMENSIONS, 0.0) | {"governance": 1.0})
    moved = services.sensitivity("village", None, governance_only)
    assert moved, "a one-dimension weighting moves some village between classes"
    before = services.ranking("village").result.by_area()
    after = services.ranking("village", governance_only).result.by_area()
    assert all(before[a].klass == b and after[a].klass == c for a, b, c in moved)
    with pytest.raises(services.ReadinessError):
        services.save_weight_set("Governance only", dict.fromkeys(DIMENSIONS, 1.0))
    with pytest.raises(services.ReadinessError):
        services.save_weight_set("Nothing", dict.fromkeys(DIMENSIONS, 0.0))


def test_demo_values_cover_all_village_municipalities_and_rayons(app_ctx, roster):
    assert services.ensure_demo_values() > 0
    assert services.years("village") == list(services.DEMO_YEARS)
    assert len(services.values_for("village", 2024)) == 24
    assert len(services.values_for("rayon", 2022)) == len(services.areas("rayon"))
    assert services.has_demo_values("village")
    assert services.ensure_demo_values() == 0
