"""The one import shape both imports (roster, indicator values) share: rows with their line,
status and messages; a plan with a rejected row is written not at all."""

import pytest

from m4eg.core.errors import DomainError
from m4eg.core.imports import ImportPlan, RowResult, RowStatus

pytestmark = pytest.mark.usefixtures("english")


def _plan():
    return ImportPlan([
        RowResult.judge(2, [], existing=None, after={"value": 1}),
        RowResult.judge(3, [], existing={"value": 1, "source": "A"},
                        after={"value": 2, "source": "A"}),
        RowResult.judge(4, [], existing={"value": 1}, after={"value": 1}),
        RowResult.judge(5, ["value x is not a number"], existing={"value": 1},
                        after={"value": None}),
    ])


def test_each_row_is_new_changed_unchanged_or_an_error_with_its_line():
    plan = _plan()
    assert [(row.line, row.status) for row in plan.rows] == [
        (2, RowStatus.NEW), (3, RowStatus.CHANGED), (4, RowStatus.UNCHANGED),
        (5, RowStatus.ERROR)]
    assert plan.rows[1].changes == {"value": [1, 2]}  # only what differs
    assert [(row.line, row.messages) for row in plan.errors] == [
        (5, ["value x is not a number"])]
    assert plan.counts == dict.fromkeys(RowStatus, 1)
    # What the dry run lists: every row that does something, or only the rejected ones.
    assert [row.line for row in plan.preview()] == [2, 3, 5]
    assert [row.line for row in plan.preview(changes=False)] == [5]


def test_a_plan_with_a_rejected_row_is_refused_as_a_whole():
    plan = _plan()
    assert not plan.ok
    with pytest.raises(DomainError) as refused:
        plan.check_writable()
    assert str(refused.value.message) == "Nothing was imported: correct the rejected rows first."
    ImportPlan(plan.rows[:3]).check_writable()  # without it, the plan may be written


def test_counting_a_status_that_does_not_exist_is_an_error_not_zero():
    with pytest.raises(ValueError):
        _plan().count("create")
    assert _plan().count("unchanged") == 1


def test_row_statuses_are_labelled_in_the_page_language():
    assert [str(status.label) for status in RowStatus] == [
        "create", "update", "unchanged", "rejected"]
    assert [str(status.total_label) for status in RowStatus] == [
        "to create", "to update", "unchanged", "rejected"]
