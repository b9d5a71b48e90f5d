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
    from .monitoring_demo import ensure_demo_monitoring

    ensure_demo_monitoring()
