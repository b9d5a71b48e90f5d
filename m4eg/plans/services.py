"""Plan rules: templates, drafting with validation, what is missing, submission into frozen
revisions, review, comments, diffs, totals, deadlines and reminders, and the mail every status
change sends. Functions take explicit arguments and raise :class:`PlanError`."""

from __future__ import annotations

import difflib
from collections import defaultdict
from datetime import date
from pathlib import Path

import yaml
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import defer, lazyload

from ..accounts.models import User
from ..core.audit import utcnow
from ..core.mail import send_mail
from ..core.params import to_int
from ..extensions import db
from .models import (
    PLAN_STATUSES,
    Comment,
    Cycle,
    Plan,
    PlanEvent,
    PlanTemplate,
    ReminderSent,
    Revision,
)

DATA = Path(__file__).parent / "data"
EDITABLE = {"draft", "changes_requested"}
TEXT_MAX = 20_000


class PlanError(Exception):
    def __init__(self, message, field=None, problems=None):
        super().__init__(message)
        self.message, self.field, self.problems = message, field, problems or {}


class PlanConflict(PlanError):
    pass


# ---------------------------------------------------------------- templates and cycles


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


def days_left(plan: Plan, today: date | None = None) -> int:
    return (plan.cycle.deadline - (today or date.today())).days


# ---------------------------------------------------------------- reading


def get_plan(plan_id: int) -> Plan | None:
    return db.session.get(Plan, plan_id)


def plans_of(municipality_id: int) -> list[Plan]:
    return list(db.session.scalars(select(Plan).where(Plan.municipality_id == municipality_id)
                                   .order_by(Plan.created_at.desc())))


def _queue_query(*, status: str = "", cycle_id: int | None = None, region: str = "",
                 overdue: bool = False, today: date | None = None):
    from ..municipalities.models import Municipality, Rayon, Region

    query = select(Plan)
    if status:
        query = query.where(Plan.status == status)
    if cycle_id:
        query = query.where(Plan.cycle_id == cycle_id)
    if region:
        query = (query.join(Municipality, Municipality.id == Plan.municipality_id)
                 .join(Rayon, Rayon.id == Municipality.rayon_id)
                 .join(Region, Region.id == Rayon.region_id).where(Region.code == region))
    if overdue:
        query = (query.join(Cycle, Cycle.id == Plan.cycle_id)
                 .where(Cycle.deadline < (today or date.today()),
                        Plan.status.in_(EDITABLE)))
    return query


def queue(*, after: int | None = None, limit: int | None = None, **filters) -> list[Plan]:
    """Plans for the coordinators' review queue: submitted ones first, oldest submission
    first, then the others by id. ``after`` (a plan id) continues after that plan (keyset
    pagination: every page costs the same, however deep)."""
    query = _queue_query(**filters)
    if after is not None:
        cursor = db.session.get(Plan, after)
        if cursor is not None and cursor.submitted_at is not None:
            query = query.where(or_(
                Plan.submitted_at > cursor.submitted_at,
                and_(Plan.submitted_at == cursor.submitted_at, Plan.id > cursor.id),
                Plan.submitted_at.is_(None)))
        elif cursor is not None:
            query = query.where(Plan.submitted_at.is_(None), Plan.id > cursor.id)
    # The order is found on narrow rows (ids and dates) and only the page's plans are then
    # loaded: sorting whole plans, content included, costs ~100× more at network scale.
    ids = query.with_only_columns(Plan.id).order_by(Plan.submitted_at.asc().nulls_last(),
                                                     Plan.id)
    if limit is not None:
        ids = ids.limit(limit)
    ordered = list(db.session.scalars(ids))
    # The queue shows neither the content nor the template: neither is read nor parsed.
    # Loaded in chunks, so that no IN list outgrows what a database accepts.
    loaded = {}
    for start in range(0, len(ordered), 1000):
        loaded.update((p.id, p) for p in db.session.scalars(
            select(Plan).where(Plan.id.in_(ordered[start:start + 1000]))
            .options(defer(Plan.content), lazyload(Plan.template))))
    return [loaded[plan_id] for plan_id in ordered]


def revision_counts(plan_ids: list[int]) -> dict[int, int]:
    """How many revisions each plan has (one query per thousand plans)."""
    counts: dict[int, int] = {}
    for start in range(0, len(plan_ids), 1000):
        counts.update(db.session.execute(
            select(Revision.plan_id, func.count(Revision.id))
            .where(Revision.plan_id.in_(plan_ids[start:start + 1000]))
            .group_by(Revision.plan_id)).all())
    return counts


def queue_count(**filters) -> int:
    query = _queue_query(**filters).with_only_columns(func.count(Plan.id)).order_by(None)
    return db.session.scalar(query)


def revisions(plan: Plan) -> list[Revision]:
    return list(db.session.scalars(select(Revision).where(Revision.plan_id == plan.id)
                                   .order_by(Revision.number)))


def comments(plan: Plan) -> dict[str, list[Comment]]:
    grouped = defaultdict(list)
    for comment in db.session.scalars(select(Comment).where(Comment.plan_id == plan.id)
                                      .order_by(Comment.created_at)):
        grouped[comment.block_key].append(comment)
    return grouped


def events(plan: Plan) -> list[PlanEvent]:
    return list(db.session.scalars(select(PlanEvent).where(PlanEvent.plan_id == plan.id)
                                   .order_by(PlanEvent.at, PlanEvent.id)))


def status_for(municipality_id: int) -> list[Plan]:
    """The municipality's plans, newest cycle first (for its public page)."""
    return plans_of(municipality_id)


# ---------------------------------------------------------------- drafting


def start_plan(municipality_id: int, cycle: Cycle, user, template: PlanTemplate) -> Plan:
    """Start the municipality's plan for ``cycle`` on the latest template version."""
    exists = db.session.scalar(select(Plan.id).where(
        Plan.municipality_id == municipality_id, Plan.cycle_id == cycle.id))
    if exists is not None:
        raise PlanError(_l("Your municipality already has a plan for this cycle."))
    plan = Plan(municipality_id=municipality_id, cycle_id=cycle.id, template_id=template.id,
                status="draft", content={})
    db.session.add(plan)
    db.session.flush()
    _event(plan, user, "started", None, "draft")
    return plan


def _number(raw: str, field: dict, errors: list, label: str):
    raw = (raw or "").strip().replace(" ", "").replace("\u00a0", "")
    if raw == "":
        return None
    try:
        value = float(raw.replace(",", "."))
    except ValueError:
        errors.append(_l("%(field)s: “%(value)s” is not a number.", field=label, value=raw))
        return None
    if field.get("integer") and not value.is_integer():
        errors.append(_l("%(field)s must be a whole number.", field=label))
        return None
    if "min" in field and value < field["min"] or "max" in field and value > field["max"]:
        errors.append(_l("%(field)s must be between %(min)s and %(max)s.", field=label,
                         min=field.get("min", "…"), max=field.get("max", "…")))
        return None
    return int(value) if field.get("integer") or value.is_integer() else value


def _date(raw: str, errors: list, label: str):
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        errors.append(_l("%(field)s: “%(value)s” is not a date.", field=label, value=raw))
        return None


def _choice(raw: str, field: dict, errors: list, label: str):
    raw = (raw or "").strip()
    if raw and raw not in {c["key"] for c in field.get("choices", [])}:
        errors.append(_l("%(field)s: choose one of the options.", field=label))
        return None
    return raw or None


def _text(raw: str, errors: list, label: str):
    raw = (raw or "").replace("\r\n", "\n").strip()
    if len(raw) > TEXT_MAX:
        errors.append(_l("%(field)s is longer than %(max)d characters.", field=label,
                         max=TEXT_MAX))
    return raw


def _sdgs(raw: str, errors: list, label: str):
    numbers = []
    for part in (raw or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        number = to_int(part, minimum=1, maximum=17)
        if number is None:
            errors.append(_l("%(field)s: SDG numbers go from 1 to 17.", field=label))
            return []
        numbers.append(number)
    return sorted(set(numbers))


def _cell(raw, column, errors, label):
    kind = column["type"]
    if kind == "number":
        return _number(raw, column, errors, label)
    if kind == "date":
        return _date(raw, errors, label)
    if kind == "choice":
        return _choice(raw, column, errors, label)
    if kind == "sdgs":
        return _sdgs(raw, errors, label)
    return _text(raw, errors, label)[:1000]


def parse_block(block: dict, values, lang: str) -> tuple[dict, dict[str, list]]:
    """Read a block's fields from submitted form ``values`` (a MultiDict-like ``get``).
    Returns the content and the errors per field; empty rows of a table are dropped."""
    content, problems = {}, {}
    for field in block["fields"]:
        errors, key, label = [], field["key"], field["label"][lang]
        raw = values.get(f"f-{key}", "")
        if field["type"] == "text":
            content[key] = _text(raw, errors, label)
        elif field["type"] == "number":
            content[key] = _number(raw, field, errors, label)
        elif field["type"] == "choice":
            content[key] = _choice(raw, field, errors, label)
        else:
            rows = []
            count = to_int(values.get(f"rows-{key}"), default=0, maximum=500)
            for index in range(count):
                cells = {c["key"]: values.get(f"t-{key}-{index}-{c['key']}", "")
                         for c in field["columns"]}
                if not any(str(v).strip() for v in cells.values()):
                    continue
                row = {}
                for column in field["columns"]:
                    cell_label = f"{label}, {len(rows) + 1}: {column['label'][lang]}"
                    row[column["key"]] = _cell(cells[column["key"]], column, errors, cell_label)
                if row.get("start") and row.get("end") and row["end"] < row["start"]:
                    errors.append(_l("%(field)s, row %(row)d: the end date is before the start "
                                     "date.", field=label, row=len(rows) + 1))
                rows.append(row)
            content[key] = rows
        if errors:
            problems[key] = errors
    return content, problems


def save_block(plan: Plan, block_key: str, values, user, *, version: int, lang: str) -> dict:
    """Save one block of a draft. Refused with :class:`PlanError` (problems per field) for
    bad values, and with :class:`PlanConflict` when someone saved after ``version``."""
    if plan.status not in EDITABLE:
        raise PlanError(_l("This plan is %(status)s and cannot be edited now.",
                           status=plan.status_label))
    block = plan.template.block(block_key)
    if block is None:
        raise PlanError(_l("This block does not exist."))
    content, problems = parse_block(block, values, lang)
    if problems:
        raise PlanError(_l("Some values could not be saved. Correct them and save again."),
                        problems=problems)
    if version != plan.version:
        raise PlanConflict(_l("Someone else saved this plan after you opened this page. Your "
                              "text is kept below: copy what you need, reload the page and "
                              "merge your changes."))
    plan.content = {**(plan.content or {}), block_key: content}
    plan.version += 1
    plan.updated_at = utcnow()
    _event(plan, user, "saved", None, None, note=block_key)
    db.session.flush()
    return content


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def missing(plan_or_content, template: PlanTemplate | None = None) -> list[tuple[dict, dict]]:
    """Required fields still empty: (block, field) pairs in template order."""
    if isinstance(plan_or_content, Plan):
        template, content = plan_or_content.template, plan_or_content.content or {}
    else:
        content = plan_or_content
    gaps = []
    for block in template.blocks:
        values = content.get(block["key"], {})
        for field in block["fields"]:
            value = values.get(field["key"])
            too_few = field["type"] == "table" and len(value or []) < field.get("min_rows", 0)
            if (field.get("required") and _empty(value)) or too_few:
                gaps.append((block, field))
                continue
            if field["type"] == "table":
                for row in value or []:
                    if any(c.get("required") and _empty(row.get(c["key"]))
                           for c in field["columns"]):
                        gaps.append((block, field))
                        break
    return gaps


# ---------------------------------------------------------------- the review cycle


def _event(plan, user, action, from_status, to_status, note=""):
    db.session.add(PlanEvent(plan_id=plan.id, actor_id=getattr(user, "id", None),
                             action=action, from_status=from_status, to_status=to_status,
                             note=note))


def _move(plan: Plan, user, allowed_from: set, to_status: str, action: str, note="") -> None:
    if plan.status not in allowed_from:
        raise PlanError(_l("A plan that is %(status)s cannot be %(action)s.",
                           status=plan.status_label, action=_action_label(action)))
    before = plan.status
    plan.status = to_status
    plan.version += 1
    plan.updated_at = utcnow()
    _event(plan, user, action, before, to_status, note)
    db.session.flush()
    notify(plan, action, note)


def _action_label(action: str) -> str:
    return str({"submitted": _l("submitted"), "review_started": _l("taken into review"),
                "changes_requested": _l("sent back for changes"),
                "approved": _l("approved")}.get(action, action))


def submit(plan: Plan, user) -> Revision:
    """Submit a complete draft: its content is frozen as a new revision."""
    gaps = missing(plan)
    if plan.status in EDITABLE and gaps:
        raise PlanError(_l("The plan cannot be submitted yet: some required fields are "
                           "empty."), problems={"missing": gaps})
    _move(plan, user, EDITABLE, "submitted", "submitted")
    number = (db.session.scalar(select(func.max(Revision.number))
                                .where(Revision.plan_id == plan.id)) or 0) + 1
    revision = Revision(plan_id=plan.id, number=number, content=plan.content,
                        submitted_by_id=getattr(user, "id", None))
    plan.submitted_at = plan.submitted_at or utcnow()
    db.session.add(revision)
    db.session.flush()
    return revision


def start_review(plan: Plan, user) -> None:
    _move(plan, user, {"submitted"}, "in_review", "review_started")


def request_changes(plan: Plan, user, note: str) -> None:
    if not (note or "").strip():
        raise PlanError(_l("Tell the municipality what to change."), field="note")
    _move(plan, user, {"in_review"}, "changes_requested", "changes_requested", note.strip())


def approve(plan: Plan, user) -> None:
    _move(plan, user, {"in_review"}, "approved", "approved")
    plan.approved_at = utcnow()


def add_comment(plan: Plan, block_key: str, body: str, user) -> Comment:
    """Comment on a block (linked to the latest revision, if any)."""
    if plan.template.block(block_key) is None:
        raise PlanError(_l("This block does not exist."), field="block")
    body = (body or "").strip()
    if not body:
        raise PlanError(_l("Write a comment first."), field="body")
    if len(body) > 5000:
        raise PlanError(_l("A comment can be at most 5,000 characters."), field="body")
    latest = db.session.scalar(select(Revision.id).where(Revision.plan_id == plan.id)
                               .order_by(Revision.number.desc()).limit(1))
    comment = Comment(plan_id=plan.id, revision_id=latest, block_key=block_key, body=body,
                      author_id=user.id)
    db.session.add(comment)
    _event(plan, user, "commented", None, None, note=block_key)
    db.session.flush()
    return comment


# ---------------------------------------------------------------- reading a plan


def _plain(block: dict, values: dict, lang: str) -> list[str]:
    lines = []
    for field in block["fields"]:
        value = values.get(field["key"])
        label = field["label"][lang]
        if field["type"] == "table":
            lines.append(f"{label}:")
            for index, row in enumerate(value or [], start=1):
                cells = " | ".join(f"{c['label'][lang]}: {_show(row.get(c['key']), c, lang)}"
                                   for c in field["columns"])
                lines.append(f"  {index}. {cells}")
        else:
            shown = _show(value, field, lang)
            lines.extend([f"{label}:", *[f"  {line}" for line in shown.splitlines() or [""]]])
    return lines


def _show(value, field: dict, lang: str) -> str:
    if value is None or value == "":
        return "—"
    if field["type"] == "choice":
        return next((c["label"][lang] for c in field.get("choices", [])
                     if c["key"] == value), str(value))
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) or "—"
    return str(value)


def as_text(template: PlanTemplate, content: dict, lang: str) -> dict[str, list[str]]:
    """Each block as plain lines (for diffs, the PDF and the print page)."""
    return {b["key"]: _plain(b, (content or {}).get(b["key"], {}), lang)
            for b in template.blocks}


def diff(template: PlanTemplate, old: dict, new: dict, lang: str) -> list[dict]:
    """A readable diff per block between two contents: lines added, removed or kept."""
    before, after = as_text(template, old, lang), as_text(template, new, lang)
    result = []
    for block in template.blocks:
        lines = []
        for line in difflib.ndiff(before[block["key"]], after[block["key"]]):
            if line.startswith("? "):
                continue
            kind = {"+ ": "added", "- ": "removed"}.get(line[:2], "same")
            lines.append((kind, line[2:]))
        result.append({"block": block, "lines": lines,
                       "changed": any(kind != "same" for kind, _ in lines)})
    return result


def totals(plan: Plan) -> dict:
    """Action-plan budget totals by funding source and by start year (computed, not typed)."""
    rows = ((plan.content or {}).get("actions", {}) or {}).get("action_plan") or []
    by_source, by_year = defaultdict(float), defaultdict(float)
    for row in rows:
        budget = row.get("budget_azn") or 0
        by_source[row.get("funding_source") or "other"] += budget
        if row.get("start"):
            by_year[row["start"][:4]] += budget
    return {"by_source": dict(by_source), "by_year": dict(sorted(by_year.items())),
            "total": sum(by_source.values())}


# ---------------------------------------------------------------- mail, reminders, figures


def _focal_points(municipality_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.municipality_id == municipality_id,
                                                      User.role == "focal_point")))


def _coordinators() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role.in_(("coordinator",)))))


def notify(plan: Plan, action: str, note: str = "") -> int:
    """Email the people concerned by a status change, each in their own language."""
    people = _coordinators() if action == "submitted" else _focal_points(plan.municipality_id)
    for person in people:
        with force_locale(person.preferred_language):
            municipality = (plan.municipality.name_az if person.preferred_language == "az"
                            else plan.municipality.name_en)
            status = str(PLAN_STATUSES[plan.status])
            body = _("Hello %(name)s,\n\nThe P4EG plan of %(municipality)s for the cycle "
                     "%(cycle)s is now: %(status)s.", name=person.name,
                     municipality=municipality, cycle=plan.cycle.name, status=status)
            if note:
                body += "\n\n" + _("Reviewer's note:") + "\n" + note
            body += "\n\n" + _("M4EG Azerbaijan")
            send_mail(person.email, _("P4EG plan: %(status)s", status=status), body)
    return len(people)


def remind(today: date | None = None) -> int:
    """Email focal points whose plan for a cycle is not submitted when the deadline is
    ``reminder_days`` away or closer; each reminder is sent once. Returns how many went."""
    from ..municipalities.models import Municipality

    today = today or date.today()
    sent = 0
    for cycle in cycles():
        left = (cycle.deadline - today).days
        if left < 0 or left > cycle.reminder_days:
            continue
        kind = f"deadline-{cycle.reminder_days}"
        done = set(db.session.scalars(select(ReminderSent.municipality_id).where(
            ReminderSent.cycle_id == cycle.id, ReminderSent.kind == kind)))
        submitted = set(db.session.scalars(select(Plan.municipality_id).where(
            Plan.cycle_id == cycle.id, Plan.status.not_in(EDITABLE))))
        focal = db.session.scalars(select(User).join(
            Municipality, Municipality.id == User.municipality_id).where(
            User.role == "focal_point", Municipality.status == "active"))
        by_municipality = defaultdict(list)
        for user in focal:
            by_municipality[user.municipality_id].append(user)
        for municipality_id, users in by_municipality.items():
            if municipality_id in done or municipality_id in submitted:
                continue
            for user in users:
                with force_locale(user.preferred_language):
                    send_mail(user.email, _("P4EG plan: %(days)d days to the deadline",
                                            days=left),
                              _("Hello %(name)s,\n\nThe P4EG plan of your municipality for "
                                "the cycle %(cycle)s is due on %(deadline)s and has not been "
                                "submitted yet.\n\nM4EG Azerbaijan", name=user.name,
                                cycle=cycle.name, deadline=cycle.deadline.isoformat()))
                sent += 1
            db.session.add(ReminderSent(municipality_id=municipality_id, cycle_id=cycle.id,
                                        kind=kind))
        db.session.flush()
    return sent


def plan_figures(start=None, end=None) -> dict[str, int]:
    """Plans first submitted, and plans approved, in [start, end)."""
    def count(column):
        query = select(func.count()).select_from(Plan).where(column.is_not(None))
        if start is not None:
            query = query.where(column >= start)
        if end is not None:
            query = query.where(column < end)
        return db.session.scalar(query)

    return {"submitted": count(Plan.submitted_at), "approved": count(Plan.approved_at)}
