"""`flask plans load-template FILE` and `flask plans remind` (for cron)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from ..core import time as clock
from ..extensions import db
from . import services

plans_cli = AppGroup("plans", help="P4EG plans.")
# Every shipped version, oldest first: plans keep the version they started on, new plans
# start on the newest (latest_template()), which is also the default of load-template.
TEMPLATE_FILES = sorted(services.DATA.glob("p4eg-v*.yml"),
                        key=lambda path: int(path.stem.rsplit("-v", 1)[1]))
DEFAULT_TEMPLATE = TEMPLATE_FILES[-1]


@plans_cli.command("load-template")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path),
                default=DEFAULT_TEMPLATE)
def load_template(path: Path):
    """Load a template version (an existing code and version is left unchanged)."""
    try:
        template, created = services.load_template(path)
    except (ValueError, KeyError) as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    state = "loaded" if created else "already loaded, unchanged"
    click.echo(f"{template.code} version {template.version}: {state}")


@plans_cli.command("remind")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Pretend today is this date (YYYY-MM-DD).")
def remind(today):
    """Email focal points whose plan is not submitted as a deadline nears (once each)."""
    sent = services.remind(today.date() if today else clock.today())
    db.session.commit()
    click.echo(f"{sent} reminder(s) sent")


def ensure_demo_plans() -> None:
    """Every shipped template version, a demo cycle and a draft for Khirdalan started on the
    newest version (idempotent; a draft started earlier keeps its version)."""
    from ..accounts.services import get_by_email
    from ..municipalities.services import get_by_slug
    from .models import Cycle

    for path in TEMPLATE_FILES:
        services.load_template(path)
    template = services.latest_template()
    cycle = db.session.scalar(db.select(Cycle).where(Cycle.name == "2025–2027 (demo)"))
    if cycle is None:
        cycle = services.save_cycle(None, name="2025–2027 (demo)", deadline=date(2027, 3, 31),
                                    reminder_days=14)
        cycle.is_demo = True
    khirdalan = get_by_slug("khirdalan")
    if not services.plans_of(khirdalan.id):
        plan = services.start_plan(khirdalan.id, cycle, get_by_email("focal@example.org"),
                                   template)
        plan.is_demo = True
        # A reviewer's question, so that the focal point's home and notifications show an
        # open comment (the demo's own words, no real review).
        reviewer = get_by_email("coordinator@example.org")
        if reviewer is not None:
            services.add_comment(plan, "vision", "(Demo) Could the vision name the two or three "
                                 "sectors the municipality wants to grow first?", reviewer)

    from .monitoring_demo import ensure_demo_monitoring, ensure_demo_round_extension

    ensure_demo_monitoring()
    ensure_demo_round_extension()


def _demo_value(item: dict):
    """A valid placeholder for a template field or column (the demo plan is an example)."""
    kind = item["type"]
    if kind == "text":
        return "Demo example — not a real plan. / Nümunə mətn — real plan deyil."
    if kind == "number":
        return "2030" if item.get("key") == "year" or item.get("year") else str(
            max(item.get("min", 1) or 1, 1))
    if kind == "choice":
        return item["choices"][0]["key"]
    if kind == "date":
        return "2026-01-01"
    if kind == "sdgs":
        return "8, 11"
    return [{column["key"]: _demo_value(column) for column in item["columns"]}]


def ensure_demo_open_plan_and_extension() -> None:
    """Urva's demo plan approved (public on its member page) and a pending demo request for
    more time on Khirdalan's draft (idempotent; both labelled demo)."""
    from ..accounts.services import get_by_email
    from ..municipalities.services import get_by_slug
    from . import blockform, extensions
    from .models import Cycle, PlanStatus

    cycle = db.session.scalar(db.select(Cycle).where(Cycle.name == "2025–2027 (demo)"))
    coordinator = get_by_email("coordinator@example.org")
    urva, focal = get_by_slug("urva"), get_by_email("focal.urva@example.org")
    if cycle is None or coordinator is None or focal is None or urva is None:
        return
    if not services.plans_of(urva.id):
        plan = services.start_plan(urva.id, cycle, focal, services.latest_template())
        plan.is_demo = True
        for block in plan.template.blocks:
            values = {f["key"]: _demo_value(f) for f in block["fields"]}
            services.save_block(plan, block["key"], blockform.encode(block, values), focal,
                                version=plan.block_version(block["key"]), lang="en")
        services.submit(plan, focal)
        services.start_review(plan, coordinator)
        services.approve(plan, coordinator)
    khirdalan_plan = next(iter(services.plans_of(get_by_slug("khirdalan").id)), None)
    khirdalan_focal = get_by_email("focal@example.org")
    if (khirdalan_plan is not None and khirdalan_focal is not None
            and khirdalan_plan.status == PlanStatus.DRAFT
            and extensions.request_for(khirdalan_plan.municipality_id, cycle) is None):
        request = extensions.ask(khirdalan_plan, khirdalan_focal,
                                 "Demo request: the municipal meeting that approves the plan "
                                 "meets after the deadline.")
        request.is_demo = True
