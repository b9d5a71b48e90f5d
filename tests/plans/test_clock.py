"""Plan deadlines count Baku's days: at 00:30 Baku a UTC server is still on the day before.

The cycle of ``plan_setup`` is due on 31 March 2030 and reminds 14 days before."""

from datetime import date

import pytest

from m4eg.extensions import db
from m4eg.plans import services
from m4eg.plans.models import Plan
from tests.clock import baku_half_past_midnight

pytestmark = pytest.mark.usefixtures("english")

DEADLINE = date(2030, 3, 31)


@pytest.fixture
def plan(app_ctx, make_plan, member_id, make_user):
    make_user(role="focal_point", municipality_id=member_id("khirdalan"),
              email="khirdalan.focal@test.example")
    plan = db.session.get(Plan, make_plan("khirdalan"))
    assert plan.cycle.deadline == DEADLINE
    return plan


def test_days_left_count_from_baku_today(plan):
    with baku_half_past_midnight(DEADLINE):
        assert services.days_left(plan) == 0  # the UTC date would still say 1


def test_a_plan_is_overdue_from_the_first_minutes_of_the_baku_day_after_the_deadline(plan):
    with baku_half_past_midnight(date(2030, 4, 1)):
        assert plan.id in [p.id for p in services.queue(overdue=True)]
        assert services.queue_count(overdue=True) >= 1
    with baku_half_past_midnight(DEADLINE):
        assert plan.id not in [p.id for p in services.queue(overdue=True)]


def test_the_reminder_command_counts_days_from_baku_today(app, plan, outbox):
    # 17 March 00:30 Baku: 14 days to the deadline, the day reminders start (UTC says 15).
    with baku_half_past_midnight(date(2030, 3, 17)):
        result = app.test_cli_runner().invoke(args=["plans", "remind"])
        delivered = outbox.wait_for(1)  # the worker, at the same moment
    assert result.exit_code == 0, result.output
    assert "0 reminder(s)" not in result.output
    assert "khirdalan.focal@test.example" in {m["To"] for m in delivered}
