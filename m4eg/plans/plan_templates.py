"""Plan templates (versioned YAML files: a plan stays on the version it started on) and
planning cycles with their deadlines."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core import time as clock
from ..extensions import db
from . import checks, extensions
from .errors import PlanError
from .models import Cycle, Plan, PlanTemplate

DATA = Path(__file__).parent / "data"


def load_template(path: Path) -> tuple[PlanTemplate, bool]:
    """Load a template file; an already loaded code and version is left unchanged (plans
    stay on the version they started on). Returns the template and whether it is new."""
    definition = yaml.safe_load(path.read_text(encoding="utf-8"))
    _check_template(definition, path)
    existing = db.session.scalar(select(PlanTemplate).where(
        PlanTemplate.code == definition["code"],
        PlanTemplate.version == definition["version"]))
    if existing is not None:
        return existing, False
    template = PlanTemplate(code=definition["code"], version=definition["version"],
                            title_az=definition["title"]["az"],
                            title_en=definition["title"]["en"], definition=definition)
    db.session.add(template)
    db.session.flush()
    return template, True


def _check_template(definition, path) -> None:
    def bilingual(value, where):
        if not isinstance(value, dict) or not all(str(value.get(k) or "").strip()
                                                  for k in ("az", "en")):
            raise ValueError(f"{path}: {where} needs az and en texts")

    if not isinstance(definition, dict) or not definition.get("blocks"):
        raise ValueError(f"{path}: a template needs blocks")
    bilingual(definition.get("title"), "title")
    keys = set()
    for block in definition["blocks"]:
        if block["key"] in keys:
            raise ValueError(f"{path}: duplicate block {block['key']}")
        keys.add(block["key"])
        bilingual(block.get("title"), f"block {block['key']} title")
        for field in block["fields"]:
            bilingual(field.get("label"), f"{block['key']}.{field['key']} label")
            if field["type"] not in ("text", "number", "choice", "table"):
                raise ValueError(f"{path}: {field['key']}: unknown type {field['type']}")
    checks.validate(definition, path)


def latest_template(code: str = "p4eg") -> PlanTemplate | None:
    return db.session.scalar(select(PlanTemplate).where(PlanTemplate.code == code)
                             .order_by(PlanTemplate.version.desc()).limit(1))


def cycles() -> list[Cycle]:
    return list(db.session.scalars(select(Cycle).order_by(Cycle.deadline.desc())))


def get_cycle(cycle_id: int) -> Cycle | None:
    return db.session.get(Cycle, cycle_id)


def save_cycle(cycle: Cycle | None, *, name: str, deadline: date, reminder_days: int) -> Cycle:
    """Create or change a cycle and its submission deadline."""
    taken = db.session.scalar(select(Cycle.id).where(Cycle.name == name.strip()))
    if taken is not None and (cycle is None or taken != cycle.id):
        raise PlanError(_l("Another cycle already has this name."), field="name")
    cycle = cycle or Cycle()
    cycle.name, cycle.deadline, cycle.reminder_days = name.strip(), deadline, reminder_days
    db.session.add(cycle)
    db.session.flush()
    return cycle


def deadline_for(plan: Plan) -> date:
    """The deadline in force for the plan (a granted extension counts)."""
    return extensions.deadline_for(plan.municipality_id, plan.cycle)


def days_left(plan: Plan, today: date | None = None) -> int:
    """Days to the deadline in force for the plan (a granted extension counts)."""
    return (extensions.deadline_for(plan.municipality_id, plan.cycle)
            - (today or clock.today())).days

