"""An approved plan to monitor, a round and filled-in report forms, for the monitoring
tests (service, HTTP, figures, permissions and browser)."""

from __future__ import annotations

from datetime import date

from m4eg.extensions import db
from m4eg.plans import blockform, services
from m4eg.plans.models import Cycle, Plan
from tests.plans.conftest import block_form

TARGETS = [
    {"indicator": "Beds in registered guesthouses", "unit": "beds", "baseline": "40",
     "baseline_year": "2024", "target_value": "120", "year": "2029"},
    {"indicator": "Households affected by flooding", "unit": "households", "baseline": "300",
     "baseline_year": "2024", "target_value": "100", "year": "2030"},
]
ACTIONS = [
    {"action": "Guesthouse grants", "target": "Beds in registered guesthouses",
     "responsible": "Tourism officer", "start": "2025-02-01", "end": "2026-11-30",
     "budget_azn": "400000", "funding_source": "donor", "sdgs": "8", "status": "planned"},
    {"action": "Drain the lower streets", "target": "Households affected by flooding",
     "responsible": "Public works", "start": "2025-03-01", "end": "2025-12-31",
     "budget_azn": "250000", "funding_source": "municipal_budget", "sdgs": "11",
     "status": "planned"},
]
LINES = [
    {"action": "Drain the lower streets", "funding_source": "municipal_budget",
     "budget_azn": "50000"},
    {"action": "Drain the lower streets", "funding_source": "central_government",
     "budget_azn": "200000"},
]


def fill_plan(plan: Plan, user, *, targets=None, actions=None, lines=None) -> None:
    """Save every block of ``plan`` with valid values (the vision and action blocks with the
    targets, actions and funding lines above), typed as on an English page."""
    for block in plan.template.blocks:
        key = block["key"]
        if key == "vision":
            data = blockform.encode(block, {"vision": "A green town.",
                                            "targets": targets or TARGETS},
                                    plan.block_version(key))
        elif key == "actions":
            values = {"action_plan": actions or ACTIONS}
            if any(f["key"] == "funding_lines" for f in block["fields"]):
                values["funding_lines"] = LINES if lines is None else lines
            data = blockform.encode(block, values, plan.block_version(key))
        else:
            data = block_form(plan.template, key, version=plan.block_version(key))
        services.save_block(plan, key, data, user, version=plan.block_version(key),
                            lang="en")
        db.session.flush()


def approve_plan(plan: Plan, focal, coordinator) -> None:
    """Fill, submit, review and approve ``plan``."""
    fill_plan(plan, focal)
    services.submit(plan, focal)
    services.start_review(plan, coordinator)
    services.approve(plan, coordinator)
    db.session.flush()


def make_round(name="2025", starts_on=date(2025, 1, 1), ends_on=date(2025, 12, 31),
               deadline=date(2026, 2, 28)):
    cycle = db.session.scalar(db.select(Cycle).order_by(Cycle.id).limit(1))
    return services.save_round(cycle, name=name, starts_on=starts_on, ends_on=ends_on,
                               deadline=deadline)


def report_form(version, *, statuses=("completed", "ongoing"), done=("100", "40"),
                spent=None, actuals=(("75", "2025-11-30"), ("220", "2025-10-15")),
                narrative="Guesthouses opened in the old town."):
    """Form data of a complete monitoring report of the plan of :func:`fill_plan` (English
    numbers without grouping: read alike in both languages)."""
    spent = spent if spent is not None else {"a-0-spent-donor": "380000",
                                             "a-1-spent-municipal_budget": "10000",
                                             "a-1-spent-central_government": "60000"}
    data = {"version": str(version), "n-changed": narrative, "n-learnt": "Start early.",
            "n-help": "Co-financing."}
    for index, status in enumerate(statuses):
        data[f"a-{index}-status"] = status
        data[f"a-{index}-done"] = done[index]
        data[f"a-{index}-note"] = ""
    for index, (actual, day) in enumerate(actuals):
        data[f"t-{index}-actual"] = actual
        data[f"t-{index}-date"] = day
    data.update(spent)
    return data
