"""Demo data of monitoring (loaded by `flask demo load`, idempotent): Urva's demo plan,
approved, with an accepted monitoring report for the 2025 demo round and a draft for 2026.
Every text says it is demo data; the figures are invented, not Urva's."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..extensions import db
from . import blockform, services
from .models import Cycle

DEMO = "(demo)"
TARGETS = [
    {"indicator": "Qonaq evlərində çarpayı sayı (demo)", "unit": "çarpayı", "baseline": "40",
     "baseline_year": "2024", "target_value": "120", "year": "2029"},
    {"indicator": "Yerli brendlə satılan məhsul növləri (demo)", "unit": "növ",
     "baseline": "3", "baseline_year": "2024", "target_value": "15", "year": "2028"},
]
ACTIONS = [
    {"action": "Qonaq evləri üçün kiçik qrantlar (demo)",
     "target": "Qonaq evlərində çarpayı sayı (demo)", "responsible": "Turizm üzrə əməkdaş",
     "start": "2025-02-01", "end": "2025-11-30", "budget_azn": "60000",
     "funding_source": "donor", "sdgs": "8", "status": "planned"},
    {"action": "Yerli brendin qablaşdırılması (demo)",
     "target": "Yerli brendlə satılan məhsul növləri (demo)",
     "responsible": "İcma mərkəzi", "start": "2025-03-01", "end": "2026-12-31",
     "budget_azn": "40000", "funding_source": "municipal_budget", "sdgs": "8, 12",
     "status": "planned"},
]
LINES = [
    {"action": "Yerli brendin qablaşdırılması (demo)", "funding_source": "municipal_budget",
     "budget_azn": "15000"},
    {"action": "Yerli brendin qablaşdırılması (demo)", "funding_source": "private",
     "budget_azn": "25000"},
]


def _filler(field: dict):
    """A valid demo value for a field or column the demo does not spell out."""
    if field["type"] == "text":
        return f"Nümunə mətn {DEMO}."
    if field["type"] == "number":
        return str(field.get("min") or 1) if not field.get("year") else "2024"
    if field["type"] == "choice":
        return field["choices"][0]["key"]
    if field["type"] == "date":
        return "2025-01-01"
    if field["type"] == "sdgs":
        return "8"
    return [{c["key"]: _filler(c) for c in field["columns"]}]


def _fill(plan, user) -> None:
    for block in plan.template.blocks:
        values = {f["key"]: _filler(f) for f in block["fields"]}
        if block["key"] == "vision":
            values.update(vision=f"Urva 2035: qonaqpərvər və yaşıl kənd {DEMO}.",
                          targets=TARGETS)
        elif block["key"] == "actions":
            values.update(action_plan=ACTIONS, funding_lines=LINES)
        version = plan.block_version(block["key"])
        services.save_block(plan, block["key"], blockform.encode(block, values, version), user,
                            version=version, lang="az")


def _report(plan, round_, focal, *, statuses, done, spent, actuals, changed):
    report = services.start_report(plan, round_, focal)
    report.is_demo = True
    data = {"version": str(report.version), "n-changed": changed,
            "n-learnt": f"Qrant müraciətləri üçün daha çox vaxt lazımdır {DEMO}.",
            "n-help": f"Qablaşdırma avadanlığı üçün birgə maliyyələşmə {DEMO}."}
    for row, status in enumerate(statuses):
        data.update({f"a-{row}-status": status, f"a-{row}-done": done[row]})
    data.update(spent)
    for row, (actual, day) in enumerate(actuals):
        data.update({f"t-{row}-actual": actual, f"t-{row}-date": day})
    services.save_report(report, data, focal, version=report.version, lang="az")
    return report


def ensure_demo_monitoring() -> None:
    """Urva's approved demo plan with an accepted 2025 report and a 2026 draft (once)."""
    from ..accounts.services import get_by_email
    from ..municipalities.services import get_by_slug

    urva = get_by_slug("urva")
    focal = get_by_email("focal.urva@example.org")
    coordinator = get_by_email("coordinator@example.org")
    cycle = db.session.scalar(select(Cycle).where(Cycle.name == "2025–2027 (demo)"))
    if urva is None or focal is None or coordinator is None or cycle is None \
            or services.plans_of(urva.id):
        return
    plan = services.start_plan(urva.id, cycle, focal, services.latest_template())
    plan.is_demo = True
    _fill(plan, focal)
    services.submit(plan, focal)
    services.start_review(plan, coordinator)
    services.approve(plan, coordinator)
    first = services.save_round(cycle, name="2025 (demo)", starts_on=date(2025, 1, 1),
                                ends_on=date(2025, 12, 31), deadline=date(2026, 2, 28))
    second = services.save_round(cycle, name="2026 (demo)", starts_on=date(2026, 1, 1),
                                 ends_on=date(2026, 12, 31), deadline=date(2027, 2, 28))
    first.is_demo = second.is_demo = True
    accepted = _report(
        plan, first, focal, statuses=("completed", "ongoing"), done=("100", "35"),
        spent={"a-0-spent-donor": "58000", "a-1-spent-municipal_budget": "6000",
               "a-1-spent-private": "9000"},
        actuals=(("72", "2025-12-15"), ("6", "2025-11-30")),
        changed=f"12 qonaq evi açıldı, 32 yeni çarpayı {DEMO}.")
    services.submit_report(accepted, focal)
    services.start_report_review(accepted, coordinator)
    services.accept_report(accepted, coordinator)
    _report(plan, second, focal, statuses=("completed", "ongoing"), done=("100", "60"),
            spent={"a-1-spent-private": "8000"}, actuals=(("80", "2026-06-30"),),
            changed=f"Brend üçün iki yeni məhsul {DEMO}.")
    db.session.flush()


def ensure_demo_round_extension() -> None:
    """A pending demo request for more time on Urva's 2026 demo report, so that the
    coordinators' list shows a round's request beside a plan's (once; skipped when the
    round's deadline is too long past to ask)."""
    from ..accounts.services import get_by_email
    from ..municipalities.services import get_by_slug
    from . import extensions
    from .monitoring_models import MonitoringRound

    urva, focal = get_by_slug("urva"), get_by_email("focal.urva@example.org")
    round_ = db.session.scalar(select(MonitoringRound).where(
        MonitoringRound.name == "2026 (demo)"))
    plan = next(iter(services.plans_of(urva.id)), None) if urva is not None else None
    if focal is None or round_ is None or plan is None \
            or extensions.request_for(plan.municipality_id, round_) is not None:
        return
    try:
        request = extensions.ask(plan, focal, f"Demo request {DEMO}: the figures of the "
                                 "guesthouse grants come from the district only in March.",
                                 round_=round_)
    except services.PlanError:
        return
    request.is_demo = True
