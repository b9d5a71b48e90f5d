"""The revision diff of the history page: what changed, found within bounded work."""

import pytest

from m4eg.extensions import db
from m4eg.plans import services
from m4eg.plans.models import PlanTemplate
from m4eg.plans.workflow import DIFF_MAX_LINES
from tests.hang import completes


@pytest.fixture
def template(app_ctx, plan_setup):
    return db.session.get(PlanTemplate, plan_setup["template_id"])


def _rows(template, count, note):
    block = template.block("actions")
    table = next(f for f in block["fields"] if f["key"] == "action_plan")
    rows = []
    for index in range(count):
        row = {}
        for column in table["columns"]:
            if column["type"] == "text":
                row[column["key"]] = (f"Fəaliyyət {index}: bazar yerinin yenidən qurulması, "
                                      f"kiçik sahibkarlar üçün dəstək proqramı {note}") * 3
            elif column["type"] == "number":
                row[column["key"]] = 1000 + index
        rows.append(row)
    return rows


def _by_block(result):
    return {item["block"]["key"]: item for item in result}


def test_many_similar_rows_that_differ_slightly_are_compared_line_by_line(template):
    old = {"actions": {"action_plan": _rows(template, 120, "A")}}
    new = {"actions": {"action_plan": _rows(template, 120, "B")}}
    new["actions"]["action_plan"][7] = old["actions"]["action_plan"][7]  # one row unchanged
    result = _by_block(completes(lambda: services.diff(template, old, new, "az")))
    lines = result["actions"]["lines"]
    assert result["actions"]["changed"] and not result["vision"]["changed"]
    assert sum(kind == "removed" for kind, _ in lines) == 119
    assert sum(kind == "added" for kind, _ in lines) == 119
    assert any(kind == "same" and line.startswith("  8. ") and "Fəaliyyət 7:" in line
               for kind, line in lines)


@pytest.mark.parametrize("lines", [2000, 3000])
def test_long_texts_report_the_changed_lines(template, lines):
    text = [f"Sətir {n}: turizm və sənətkarlıq mərkəzi" for n in range(lines)]
    edited = [*text]
    for n in range(0, lines, 3):
        edited[n] += " (yeniləndi)"
    old, new = {"vision": {"vision": "\n".join(text)}}, {"vision": {"vision": "\n".join(edited)}}
    result = _by_block(completes(lambda: services.diff(template, old, new, "az")))
    found = result["vision"]["lines"]
    assert ("removed", "  Sətir 3: turizm və sənətkarlıq mərkəzi") in found
    assert ("added", "  Sətir 3: turizm və sənətkarlıq mərkəzi (yeniləndi)") in found
    # Up to DIFF_MAX_LINES lines the unchanged ones are matched; beyond, the text is shown
    # as replaced whole (the reviewer still sees every line, old and new).
    kept = ("same", "  Sətir 4: turizm və sənətkarlıq mərkəzi")
    if lines <= DIFF_MAX_LINES:
        assert kept in found
    else:
        assert kept not in found and len(found) == 2 * lines


def test_an_edit_in_a_long_text_keeps_the_rest_as_it_was(template):
    text = [f"Sətir {n}" for n in range(5000)]
    edited = [*text[:2500], "Yeni sətir", *text[2500:]]
    old, new = {"vision": {"vision": "\n".join(text)}}, {"vision": {"vision": "\n".join(edited)}}
    lines = _by_block(completes(lambda: services.diff(template, old, new, "az")))[
        "vision"]["lines"]
    assert [line for line in lines if line[0] != "same"] == [("added", "  Yeni sətir")]
