"""Drafting a plan: starting it, reading and checking a block's submitted form, saving a
block on the version it was opened on, what is still missing, the plan as plain text and
its budget totals."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..core.i18n import current_language
from ..core.numbers import NumberInputError, format_number, number_examples, parse_number
from ..core.params import to_int
from ..core.text import search_fold
from ..core.time import as_utc, parse_typed_date, utcnow
from ..extensions import db
from . import blockform
from .blockform import cell_key
from .errors import PlanConflict, PlanError
from .models import (
    EDITABLE,
    Cycle,
    Plan,
    PlanAction,
    PlanBlock,
    PlanEvent,
    PlanStatus,
    PlanTemplate,
)

TEXT_MAX = 20_000


def record_event(plan, user, action, from_status, to_status, note="", *,
                 report_id=None) -> None:
    """Add an entry to the plan's history (who did what, and the status it reached), or with
    ``report_id`` to the history of one of its monitoring reports."""
    db.session.add(PlanEvent(plan_id=plan.id, actor_id=getattr(user, "id", None),
                             action=action, from_status=from_status, to_status=to_status,
                             note=note, report_id=report_id))


def start_plan(municipality_id: int, cycle: Cycle, user, template: PlanTemplate) -> Plan:
    """Start the municipality's plan for ``cycle`` on the latest template version."""
    exists = db.session.scalar(select(Plan.id).where(
        Plan.municipality_id == municipality_id, Plan.cycle_id == cycle.id))
    if exists is not None:
        raise PlanError(_l("Your municipality already has a plan for this cycle."))
    plan = Plan(municipality_id=municipality_id, cycle_id=cycle.id, template_id=template.id,
                status=PlanStatus.DRAFT)
    db.session.add(plan)
    db.session.flush()
    for block in template.blocks:
        db.session.add(PlanBlock(plan_id=plan.id, block_key=block["key"], content={},
                                 version=1))
    record_event(plan, user, PlanAction.STARTED, None, PlanStatus.DRAFT)
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
    # Typed as people type it (15.11.2025, 15 noyabr 2025), not only as the date picker
    # sends it (2025-11-15): browsers without a picker show a plain text box.
    value = parse_typed_date(raw, current_language())
    if value is None:
        errors.append(_("%(field)s: “%(value)s” is not a date. Choose it in the calendar or "
                        "write it as DD.MM.YYYY.", field=label, value=raw[:40]))
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


def clean_text(raw: str) -> str:
    """A text as stored: line breaks as typed (one LF each), surrounding blanks removed."""
    return _text(raw, [], "")


CELL_MAX = 1000


def read_cell(raw, column: dict, errors: list, label: str):
    """One value as typed, read like a table cell of type ``column["type"]`` (number, date,
    choice, sdgs or text) in the page's language; problems are appended to ``errors``."""
    return _cell(raw, column, errors, label)


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


def _table(field: dict, values, lang: str, problems: dict) -> list[dict]:
    key, label = field["key"], field["label"][lang]
    rows = []
    for number, cells in enumerate(blockform.typed_rows(field, values)):
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
    :func:`blockform.cell_key`. Empty rows of a table are dropped."""
    content, problems = {}, {}
    for field in block["fields"]:
        errors, key, label = [], field["key"], field["label"][lang]
        raw = blockform.typed_value(field, values)
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
    if (last is not None and last.action == PlanAction.SAVED
            and last.actor_id == getattr(user, "id", None) and as_utc(last.at) >= now - SITTING):
        keys = [k for k in (last.note or "").split(",") if k]
        if block_key not in keys:
            last.note = ",".join([*keys, block_key])
        last.at = now
        return
    record_event(plan, user, PlanAction.SAVED, None, None, note=block_key)


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


def complete_blocks(plan: Plan) -> set[str]:
    """The keys of the plan's complete sections: something is written in them and none of
    their required fields is empty."""
    gaps = {block["key"] for block, _field in missing(plan)}
    content = plan.content or {}
    return {b["key"] for b in plan.template.blocks
            if b["key"] not in gaps and any(not _empty(v)
                                            for v in content.get(b["key"], {}).values())}


def progress(plan: Plan) -> tuple[int, int]:
    """(sections complete, sections), as :func:`complete_blocks` counts them."""
    return len(complete_blocks(plan)), len(plan.template.blocks)


def next_block(plan: Plan, block_key: str) -> dict | None:
    """The section after ``block_key`` in the template, or None after the last."""
    keys = [b["key"] for b in plan.template.blocks]
    index = keys.index(block_key) if block_key in keys else len(keys)
    return plan.template.blocks[index + 1] if index + 1 < len(keys) else None


def as_text(template: PlanTemplate, content: dict, lang: str) -> dict[str, list[str]]:
    """Each block as plain lines (for diffs, the PDF and the print page)."""
    return {b["key"]: _plain(b, (content or {}).get(b["key"], {}), lang)
            for b in template.blocks}


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
    actions = (plan.content or {}).get("actions", {}) or {}
    rows = actions.get("action_plan") or []
    lines = funding_lines(actions)
    by_source, by_year = defaultdict(float), defaultdict(float)
    unscheduled = 0.0
    for row in rows:
        budget = row.get("budget_azn") or 0
        for source, amount in sources_of(row, lines).items():
            by_source[source] += amount
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


def action_key(name) -> str:
    """An action's name as funding lines and monitoring refer to it: case, spacing and
    Azerbaijani letters typed without an Azerbaijani keyboard do not matter."""
    return " ".join(search_fold(str(name or "")).split())


def funding_lines(actions_block: dict) -> dict[str, dict[str, float]]:
    """The action block's funding lines (template version 3 on) by action, then source."""
    by_action: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for line in actions_block.get("funding_lines") or []:
        if line.get("action"):
            by_action[action_key(line["action"])][line.get("funding_source") or "other"] += (
                line.get("budget_azn") or 0)
    return by_action


def sources_of(row: dict, lines: dict) -> dict[str, float]:
    """An action's budget by funding source: its funding lines where it has any (scaled to
    its budget, so that totals always add up to the budgets), else its one source."""
    budget = row.get("budget_azn") or 0
    own = lines.get(action_key(row.get("action")))
    total = sum(own.values()) if own else 0
    if not total:
        return {row.get("funding_source") or "other": budget}
    return {source: budget * amount / total for source, amount in own.items()}


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

