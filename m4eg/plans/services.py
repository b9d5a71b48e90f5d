"""Plan rules: templates, drafting with validation, what is missing, submission into frozen
revisions, review, comments, diffs, totals, deadlines and reminders, and the mail every status
change sends. Functions take explicit arguments and raise :class:`PlanError`."""

from __future__ import annotations

import difflib
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import yaml
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import lazyload

from ..accounts.models import User
from ..core import time as clock
from ..core.numbers import NumberInputError, format_number, number_examples, parse_number
from ..core.outbox import queue_mail
from ..core.params import to_int
from ..core.security import public_url
from ..core.time import utcnow
from ..extensions import db
from . import policies
from .models import (
    PLAN_STATUSES,
    Comment,
    Cycle,
    Plan,
    PlanBlock,
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
    return (plan.cycle.deadline - (today or clock.today())).days


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
                 .where(Cycle.deadline < (today or clock.today()),
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
            .options(lazyload(Plan.blocks), lazyload(Plan.template))))
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


def comments(plan: Plan) -> dict[str, list[dict]]:
    """Each block's threads, oldest first: ``{"comment": …, "replies": […]}`` (one query)."""
    grouped, threads = defaultdict(list), {}
    for comment in db.session.scalars(select(Comment).where(Comment.plan_id == plan.id)
                                      .order_by(Comment.created_at, Comment.id)):
        if comment.parent_id is None:
            threads[comment.id] = {"comment": comment, "replies": []}
            grouped[comment.block_key].append(threads[comment.id])
        elif comment.parent_id in threads:
            threads[comment.parent_id]["replies"].append(comment)
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
                status="draft")
    db.session.add(plan)
    db.session.flush()
    for block in template.blocks:
        db.session.add(PlanBlock(plan_id=plan.id, block_key=block["key"], content={},
                                 version=1))
    _event(plan, user, "started", None, "draft")
    return plan


def is_year(field: dict) -> bool:
    """A number field that holds a year: read as plain digits, shown without grouping
    (``2029``, never ``2.029``). Template version 1 marks none, so its ``year`` column is
    recognised by its key."""
    return bool(field.get("year")) or field.get("key") == "year"


def _number(raw: str, field: dict, errors: list, label: str):
    raw = (raw or "").strip()
    if raw == "":
        return None
    integer = bool(field.get("integer")) or is_year(field)
    try:
        if is_year(field):
            value = to_int(raw, default=None, minimum=0, maximum=9999)
            if value is None:
                raise NumberInputError()
        else:
            value = parse_number(raw, integer=integer)
    except NumberInputError as error:
        if is_year(field):
            errors.append(_("%(field)s: “%(value)s” is not a year. Write it with four digits, "
                            "for example 2029.", field=label, value=raw[:40]))
        elif error.ambiguous:
            errors.append(_("%(field)s: “%(value)s” can be read in two ways. Write it like "
                            "%(examples)s.", field=label, value=raw[:40],
                            examples=number_examples(integer)))
        elif integer:
            errors.append(_("%(field)s: “%(value)s” is not a whole number. Write it like "
                            "%(examples)s.", field=label, value=raw[:40],
                            examples=number_examples(True)))
        else:
            errors.append(_("%(field)s: “%(value)s” is not a number. Write it like "
                            "%(examples)s.", field=label, value=raw[:40],
                            examples=number_examples(False)))
        return None
    low, high = field.get("min"), field.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        shown = (lambda v: str(v)) if is_year(field) else format_number
        if high is None:
            errors.append(_("%(field)s cannot be less than %(min)s.", field=label,
                            min=shown(low)))
        else:
            errors.append(_("%(field)s must be between %(min)s and %(max)s.", field=label,
                            min=shown(low if low is not None else 0), max=shown(high)))
        return None
    return value


DATE_YEARS = (1990, 2100)


def _date(raw: str, errors: list, label: str):
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        errors.append(_("%(field)s: “%(value)s” is not a date. Choose it in the calendar or "
                        "write it as YYYY-MM-DD.", field=label, value=raw[:40]))
        return None
    if not DATE_YEARS[0] <= value.year <= DATE_YEARS[1]:
        errors.append(_("%(field)s: the year must be between %(first)d and %(last)d.",
                        field=label, first=DATE_YEARS[0], last=DATE_YEARS[1]))
        return None
    return value.isoformat()


def _choice(raw: str, field: dict, errors: list, label: str):
    raw = (raw or "").strip()
    if raw and raw not in {c["key"] for c in field.get("choices", [])}:
        errors.append(_("%(field)s: choose one of the options.", field=label))
        return None
    return raw or None


def _text(raw: str, errors: list, label: str, limit: int = TEXT_MAX):
    # Browsers send line breaks as CR LF; they are kept as typed (one LF each).
    raw = (raw or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(raw) > limit:
        errors.append(_("%(field)s is %(length)s characters long; at most %(max)s fit here.",
                        field=label, length=format_number(len(raw)),
                        max=format_number(limit)))
    return raw


def _sdgs(raw: str, errors: list, label: str):
    numbers = []
    for part in (raw or "").replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        number = to_int(part, minimum=1, maximum=17)
        if number is None:
            errors.append(_("%(field)s: SDG numbers go from 1 to 17, separated by commas.",
                            field=label))
            return []
        numbers.append(number)
    return sorted(set(numbers))


CELL_MAX = 1000


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
    return _text(raw, errors, label, CELL_MAX)


def cell_key(field_key: str, row: int, column_key: str) -> str:
    """The key of one table cell's problems (rows counted among the non-empty ones)."""
    return f"{field_key}-{row}-{column_key}"


def typed_rows(field: dict, values) -> list[dict]:
    """A table's rows as typed, empty rows left out (the same rows, in the same order, that
    :func:`parse_block` reads, so that a problem's row number points at the right row)."""
    rows = []
    count = to_int(values.get(f"rows-{field['key']}"), default=0, maximum=500)
    for index in range(count):
        cells = {c["key"]: str(values.get(f"t-{field['key']}-{index}-{c['key']}", ""))
                 for c in field["columns"]}
        if any(v.strip() for v in cells.values()):
            rows.append(cells)
    return rows


def _table(field: dict, values, lang: str, problems: dict) -> list[dict]:
    key, label = field["key"], field["label"][lang]
    rows = []
    for number, cells in enumerate(typed_rows(field, values)):
        row = {}
        for column in field["columns"]:
            errors = []
            cell_label = f"{label}, {number + 1}: {column['label'][lang]}"
            row[column["key"]] = _cell(cells[column["key"]], column, errors, cell_label)
            if errors:
                problems[cell_key(key, number, column["key"])] = errors
        first = field["columns"][0]
        if first.get("required") and _empty(row.get(first["key"])):
            # A row with only a budget (or a date) is a row whose subject was forgotten.
            problems.setdefault(cell_key(key, number, first["key"]), []).append(
                _("%(field)s, row %(row)d: write the %(column)s, or empty the whole row.",
                  field=label, row=number + 1, column=first["label"][lang]))
        if row.get("start") and row.get("end") and row["end"] < row["start"]:
            problems.setdefault(cell_key(key, number, "end"), []).append(
                _("%(field)s, row %(row)d: the end date is before the start date.",
                  field=label, row=number + 1))
        rows.append(row)
    return rows


def parse_block(block: dict, values, lang: str) -> tuple[dict, dict[str, list]]:
    """Read a block's fields from submitted form ``values`` (a MultiDict-like ``get``).
    Returns the content and the problems: per field key, and per table cell under
    :func:`cell_key`. Empty rows of a table are dropped."""
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
            content[key] = _table(field, values, lang, problems)
        if errors:
            problems[key] = errors
    return content, problems


def _conflict() -> PlanConflict:
    return PlanConflict(_l("Someone else saved this section after you opened it. Their "
                           "version and yours are shown side by side below: merge them into "
                           "the form and save again."))


def save_block(plan: Plan, block_key: str, values, user, *, version: int, lang: str) -> dict:
    """Save one block of a draft. Refused with :class:`PlanError` (problems per field and
    cell) for bad values, and with :class:`PlanConflict` when the block was saved after
    ``version``, the block version the form was opened on. The version check is the
    ``UPDATE``'s own condition, so two saves racing on the same version cannot both win;
    saves of different blocks never conflict."""
    block = plan.template.block(block_key)
    if block is None:
        raise PlanError(_l("This block does not exist."))
    content, problems = parse_block(block, values, lang)
    if problems:
        raise PlanError(_l("Some values could not be saved. Correct the fields marked below "
                           "and save again."), problems=problems)
    now = utcnow()
    # The plan row is written first: on PostgreSQL that row lock orders this save against a
    # submission, and a plan submitted meanwhile refuses the save instead of changing it.
    editable = db.session.execute(
        update(Plan).where(Plan.id == plan.id, Plan.status.in_(EDITABLE))
        .values(updated_at=now).execution_options(synchronize_session=False))
    if editable.rowcount != 1:
        db.session.refresh(plan)
        raise PlanError(_l("This plan is %(status)s and cannot be edited now.",
                           status=plan.status_label))
    row = plan.blocks.get(block_key)
    if row is None:
        row = PlanBlock(plan_id=plan.id, block_key=block_key, content={}, version=0)
        db.session.add(row)
        db.session.flush()
    saved = db.session.execute(
        update(PlanBlock).where(PlanBlock.id == row.id, PlanBlock.version == version)
        .values(content=content, version=PlanBlock.version + 1, updated_at=now,
                updated_by_id=getattr(user, "id", None))
        .execution_options(synchronize_session=False))
    if saved.rowcount != 1:
        raise _conflict()
    db.session.expire(row)
    db.session.expire(plan, ["updated_at"])
    _saved_event(plan, user, block_key, now)
    db.session.flush()
    return content


SITTING = timedelta(minutes=30)


def _saved_event(plan, user, block_key, now) -> None:
    """Record a save; saves by the same person within half an hour of their last one are one
    sitting and extend that entry (autosave would otherwise write one entry a minute)."""
    last = db.session.scalar(select(PlanEvent).where(PlanEvent.plan_id == plan.id)
                             .order_by(PlanEvent.at.desc(), PlanEvent.id.desc()).limit(1))
    if (last is not None and last.action == "saved" and last.actor_id == getattr(user, "id", None)
            and _aware(last.at) >= now - SITTING):
        keys = [k for k in (last.note or "").split(",") if k]
        if block_key not in keys:
            last.note = ",".join([*keys, block_key])
        last.at = now
        return
    _event(plan, user, "saved", None, None, note=block_key)


def _aware(moment: datetime) -> datetime:
    # SQLite hands timestamps back without their zone; they are stored in UTC.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def conflict_versions(plan: Plan, block_key: str, values, lang: str) -> dict:
    """For a refused save: the block as now saved by the other person, and who and when."""
    db.session.refresh(plan)
    row = plan.blocks.get(block_key)
    if row is not None:
        db.session.refresh(row)
    block = plan.template.block(block_key)
    theirs = as_text(plan.template, {block_key: row.content if row else {}}, lang)[block_key]
    mine_content, _problems = parse_block(block, values, lang)
    mine = as_text(plan.template, {block_key: mine_content}, lang)[block_key]
    return {"theirs": theirs, "mine": mine, "version": row.version if row else 0,
            "by": row.updated_by if row else None, "at": row.updated_at if row else None}


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
    # The status seen is the UPDATE's condition: of two people acting on the plan at once
    # (two reviewers, or a save racing a submission) only one moves it.
    moved = db.session.execute(
        update(Plan).where(Plan.id == plan.id, Plan.status == before)
        .values(status=to_status, version=Plan.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.refresh(plan)
        raise PlanError(_l("Someone else changed this plan a moment ago: it is now "
                           "%(status)s. Look at it again before you act.",
                           status=plan.status_label))
    db.session.expire(plan, ["status", "version", "updated_at"])
    _event(plan, user, action, before, to_status, note)
    db.session.flush()
    notify(plan, action, note)


ACTION_LABELS = {
    "started": _l("started the plan"),
    "saved": _l("saved"),
    "submitted": _l("submitted the plan"),
    "review_started": _l("took the plan into review"),
    "changes_requested": _l("asked for changes"),
    "approved": _l("approved the plan"),
    "commented": _l("commented on"),
    "replied": _l("replied on"),
    "resolved": _l("marked a comment resolved on"),
}


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
    # Read after the status UPDATE holds the plan's row: a save that committed before it is
    # in the revision, and one that comes after it is refused (the plan is no longer a draft).
    db.session.expire(plan, ["blocks"])
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
    _move(plan, user, {"in_review"}, "changes_requested", "changes_requested",
          _text(note, [], "")[:5000])


def approve(plan: Plan, user) -> None:
    _move(plan, user, {"in_review"}, "approved", "approved")
    plan.approved_at = utcnow()


def reviewer_note(plan: Plan) -> PlanEvent | None:
    """The reviewer's latest "what should change" while changes are requested, else None."""
    if plan.status != "changes_requested":
        return None
    return db.session.scalar(select(PlanEvent).where(
        PlanEvent.plan_id == plan.id, PlanEvent.action == "changes_requested")
        .order_by(PlanEvent.at.desc(), PlanEvent.id.desc()).limit(1))


def add_comment(plan: Plan, block_key: str, body: str, user, *, parent_id=None) -> Comment:
    """Comment on a block (linked to the latest revision, if any), or reply to the thread
    that ``parent_id`` opened."""
    if plan.template.block(block_key) is None:
        raise PlanError(_l("This block does not exist."), field="block")
    parent = None
    if parent_id is not None:
        parent = db.session.get(Comment, parent_id)
        if parent is None or parent.plan_id != plan.id or parent.parent_id is not None:
            raise PlanError(_l("This comment does not exist."), field="body")
        block_key = parent.block_key
    body = _text(body, [], "")
    if not body:
        raise PlanError(_l("Write a comment first."), field="body")
    if len(body) > 5000:
        raise PlanError(_l("A comment can be at most 5,000 characters."), field="body")
    latest = db.session.scalar(select(Revision.id).where(Revision.plan_id == plan.id)
                               .order_by(Revision.number.desc()).limit(1))
    comment = Comment(plan_id=plan.id, revision_id=latest, block_key=block_key, body=body,
                      author_id=user.id, parent_id=parent.id if parent else None)
    db.session.add(comment)
    _event(plan, user, "replied" if parent else "commented", None, None, note=block_key)
    db.session.flush()
    _notify_comment(plan, comment, parent, user)
    return comment


def _notify_comment(plan: Plan, comment: Comment, parent: Comment | None, author) -> None:
    """Tell the other side of the conversation: the municipality's focal points and everyone
    who wrote in the thread; a focal point's new thread goes to the coordinators."""
    people = {person.id: person for person in _focal_points(plan.municipality_id)}
    if parent is not None:
        writers = db.session.scalars(select(User).join(Comment, Comment.author_id == User.id)
                                     .where((Comment.id == parent.id)
                                            | (Comment.parent_id == parent.id)))
        people.update({person.id: person for person in writers})
    elif author.municipality_id == plan.municipality_id:
        people.update({person.id: person for person in _coordinators()})
    people.pop(author.id, None)
    block = plan.template.block(comment.block_key)
    for person in people.values():
        language = person.preferred_language
        with force_locale(language):
            municipality = (plan.municipality.name_az if language == "az"
                            else plan.municipality.name_en)
            body = _("Hello %(name)s,\n\n%(author)s wrote about the section «%(section)s» of "
                     "the P4EG plan of %(municipality)s:", name=person.name, author=author.name,
                     section=block["title"][language] if block else comment.block_key,
                     municipality=municipality)
            excerpt = comment.body if len(comment.body) <= 600 else comment.body[:600] + "…"
            body += "\n\n" + excerpt
            link = plan_link(plan, language)
            if link:
                body += "\n\n" + _("Answer on the plan page: %(link)s", link=link)
            body += "\n\n" + _("M4EG Azerbaijan")
            queue_mail(person.email, _("P4EG plan: a new comment from %(author)s",
                                       author=author.name), body)


def get_comment(plan: Plan, comment_id: int) -> Comment | None:
    comment = db.session.get(Comment, comment_id)
    return comment if comment is not None and comment.plan_id == plan.id else None


def resolve_comment(comment: Comment, user, *, resolved: bool = True) -> None:
    """Mark a thread resolved (or open again)."""
    if comment.parent_id is not None:
        raise PlanError(_l("Only a thread can be marked resolved, not a reply."))
    comment.resolved_at = utcnow() if resolved else None
    comment.resolved_by_id = user.id if resolved else None
    plan = db.session.get(Plan, comment.plan_id)
    if resolved:
        _event(plan, user, "resolved", None, None, note=comment.block_key)
    db.session.flush()


def open_comment_counts(plan: Plan) -> dict[str, int]:
    """Open threads per block key (a thread is open until someone marks it resolved)."""
    return dict(db.session.execute(
        select(Comment.block_key, func.count(Comment.id))
        .where(Comment.plan_id == plan.id, Comment.parent_id.is_(None),
               Comment.resolved_at.is_(None))
        .group_by(Comment.block_key)).all())


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
    if field["type"] == "number" and not is_year(field):
        return format_number(value, locale=lang)
    return str(value)


def progress(plan: Plan) -> tuple[int, int]:
    """(sections complete, sections): a section is complete when something is written in it
    and none of its required fields is empty."""
    gaps = {block["key"] for block, _field in missing(plan)}
    content = plan.content
    done = sum(1 for b in plan.template.blocks
               if b["key"] not in gaps and any(not _empty(v)
                                               for v in content.get(b["key"], {}).values()))
    return done, len(plan.template.blocks)


STEPS = ("draft", "submitted", "in_review", "changes_requested", "approved")


def steps(plan: Plan) -> list[dict]:
    """The status as steps: each with its label and whether it is done, current or to come
    ("changes requested" is shown only when the plan went through it)."""
    reached = set(db.session.scalars(select(PlanEvent.to_status).where(
        PlanEvent.plan_id == plan.id, PlanEvent.to_status.is_not(None))))
    current = STEPS.index(plan.status) if plan.status in STEPS else 0
    result = []
    for index, key in enumerate(STEPS):
        if key == "changes_requested" and key not in reached and plan.status != key:
            continue
        state = "current" if index == current else ("done" if index < current else "todo")
        if plan.status == "changes_requested" and key in ("submitted", "in_review"):
            state = "done"
        result.append({"key": key, "label": str(PLAN_STATUSES[key]), "state": state})
    return result


def next_block(plan: Plan, block_key: str) -> dict | None:
    """The section after ``block_key`` in the template, or None after the last."""
    keys = [b["key"] for b in plan.template.blocks]
    index = keys.index(block_key) if block_key in keys else len(keys)
    return plan.template.blocks[index + 1] if index + 1 < len(keys) else None


def history(plan: Plan, lang: str) -> list[dict]:
    """The plan's events in words for a reader of ``lang``: who, what (a translated phrase),
    the sections concerned by title, the status reached, and any note."""
    titles = {b["key"]: b["title"][lang] for b in plan.template.blocks}
    entries = []
    for event in events(plan):
        sections = [titles.get(key, key) for key in (event.note or "").split(",") if key] \
            if event.action in ("saved", "commented", "replied", "resolved") else []
        entries.append({
            "at": event.at, "actor": event.actor.name if event.actor else _("the platform"),
            "action": str(ACTION_LABELS.get(event.action, event.action)),
            "sections": sections,
            "status": str(PLAN_STATUSES[event.to_status]) if event.to_status in PLAN_STATUSES
            else "",
            "note": event.note if event.action == "changes_requested" else "",
        })
    return entries


def as_text(template: PlanTemplate, content: dict, lang: str) -> dict[str, list[str]]:
    """Each block as plain lines (for diffs, the PDF and the print page)."""
    return {b["key"]: _plain(b, (content or {}).get(b["key"], {}), lang)
            for b in template.blocks}


# Lines of a block compared at most: past it (after the common start and end are set aside)
# the changed middle is shown as replaced, so no history view costs more than a bounded work.
DIFF_MAX_LINES = 2000


def _diff_lines(old: list[str], new: list[str]) -> list[tuple[str, str]]:
    """(kind, line) for two lists of lines: "same", "removed" or "added". Line by line with
    difflib's SequenceMatcher (ndiff's character-level pass over similar lines made a history
    view of 120 similar table rows take half a minute)."""
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while (tail < min(len(old), len(new)) - head
           and old[len(old) - 1 - tail] == new[len(new) - 1 - tail]):
        tail += 1
    a, b = old[head:len(old) - tail], new[head:len(new) - tail]
    lines = [("same", line) for line in old[:head]]
    if len(a) > DIFF_MAX_LINES or len(b) > DIFF_MAX_LINES:
        lines += [("removed", line) for line in a] + [("added", line) for line in b]
    else:
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=True)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag == "equal":
                lines += [("same", line) for line in a[a1:a2]]
                continue
            lines += [("removed", line) for line in a[a1:a2]]
            lines += [("added", line) for line in b[b1:b2]]
    return lines + [("same", line) for line in old[len(old) - tail:]]


def diff(template: PlanTemplate, old: dict, new: dict, lang: str) -> list[dict]:
    """A readable diff per block between two contents: lines added, removed or kept (a table
    row is one line)."""
    before, after = as_text(template, old, lang), as_text(template, new, lang)
    result = []
    for block in template.blocks:
        lines = _diff_lines(before[block["key"]], after[block["key"]])
        result.append({"block": block, "lines": lines,
                       "changed": any(kind != "same" for kind, _ in lines)})
    return result


def _months(start: date, end: date) -> dict[int, int]:
    """Months of each calendar year an action runs, counting its first and last month."""
    months: dict[int, int] = defaultdict(int)
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        months[year] += 1
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def totals(plan: Plan) -> dict:
    """Action-plan budget totals (computed, never typed): by funding source, and by year with
    a multi-year action's budget spread over its years in proportion to its months (an
    action without an end date counts in its start year; one without a start in none)."""
    rows = ((plan.content or {}).get("actions", {}) or {}).get("action_plan") or []
    by_source, by_year = defaultdict(float), defaultdict(float)
    unscheduled = 0.0
    for row in rows:
        budget = row.get("budget_azn") or 0
        by_source[row.get("funding_source") or "other"] += budget
        if not row.get("start"):
            unscheduled += budget
            continue
        start = date.fromisoformat(row["start"])
        end = date.fromisoformat(row["end"]) if row.get("end") else start
        months = _months(start, max(start, end))
        count = sum(months.values())
        for year, share in months.items():
            by_year[str(year)] += budget * share / count
    return {"by_source": dict(by_source), "by_year": dict(sorted(by_year.items())),
            "unscheduled": unscheduled, "total": sum(by_source.values())}


def budget_tables(plan: Plan, lang: str) -> dict:
    """The totals as the plan page, the print page and the PDF show them: funding sources
    with their translated labels in the template's order, years, the total and the caption
    that says how multi-year actions are counted."""
    figures = totals(plan)
    block = plan.template.block("actions") or {"fields": []}
    table = next((f for f in block["fields"] if f["key"] == "action_plan"), {"columns": []})
    column = next((c for c in table["columns"] if c["key"] == "funding_source"),
                  {"choices": []})
    labels = {c["key"]: c["label"][lang] for c in column.get("choices", [])}
    order = list(labels)
    sources = sorted(figures["by_source"].items(),
                     key=lambda item: order.index(item[0]) if item[0] in order else len(order))
    return {
        "sources": [(labels.get(key, _("Other")), amount) for key, amount in sources],
        "years": list(figures["by_year"].items()),
        "unscheduled": figures["unscheduled"],
        "total": figures["total"],
        "caption": _("An action that runs over several years has its budget spread over "
                     "those years in proportion to its months; an action without an end date "
                     "is counted in its start year."),
    }


# ---------------------------------------------------------------- mail, reminders, figures


def _focal_points(municipality_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.municipality_id == municipality_id,
                                                      policies.editors(User.role))))


def _coordinators() -> list[User]:
    return list(db.session.scalars(select(User).where(policies.reviewers(User.role))))


def plan_link(plan: Plan, lang: str) -> str:
    """The plan page's absolute address for a mail ("" outside a request without a
    configured ``SERVER_NAME``, e.g. a cron job on a machine without one)."""
    try:
        return public_url("plans.show", plan_id=plan.id, lang_code=lang)
    except RuntimeError:
        return ""


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
            link = plan_link(plan, person.preferred_language)
            if link:
                body += "\n\n" + _("Open the plan: %(link)s", link=link)
            body += "\n\n" + _("M4EG Azerbaijan")
            queue_mail(person.email, _("P4EG plan: %(status)s", status=status), body)
    return len(people)


def remind(today: date | None = None) -> int:
    """Email focal points whose plan for a cycle is not submitted when the deadline is
    ``reminder_days`` away or closer; each reminder is sent once. Returns how many went."""
    from ..municipalities.models import Municipality

    today = today or clock.today()
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
            policies.editors(User.role), Municipality.status == "active"))
        by_municipality = defaultdict(list)
        for user in focal:
            by_municipality[user.municipality_id].append(user)
        for municipality_id, users in by_municipality.items():
            if municipality_id in done or municipality_id in submitted:
                continue
            for user in users:
                _queue_reminder(user, cycle, left)
                sent += 1
            db.session.add(ReminderSent(municipality_id=municipality_id, cycle_id=cycle.id,
                                        kind=kind))
        db.session.flush()
    return sent


def _queue_reminder(user: User, cycle: Cycle, left: int) -> None:
    language = user.preferred_language
    with force_locale(language):
        body = _("Hello %(name)s,\n\nThe P4EG plan of your municipality for the cycle "
                 "%(cycle)s is due on %(deadline)s and has not been submitted yet.",
                 name=user.name, cycle=cycle.name,
                 deadline=format_date(cycle.deadline, "long"))
        link = _plans_link(language)
        if link:
            body += "\n\n" + _("Open your plans: %(link)s", link=link)
        body += "\n\n" + _("M4EG Azerbaijan")
        queue_mail(user.email, _("P4EG plan: %(days)d days to the deadline", days=left), body)


def _plans_link(lang: str) -> str:
    try:
        return public_url("plans.index", lang_code=lang)
    except RuntimeError:  # a cron job on a machine without a configured public address
        return ""


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
