"""The checking system: consistency rules a template version defines (its ``checks``, see
data/FORMAT.md), run on a plan or a monitoring report before it is submitted. Each finding
names the field it is about (an anchor of the editor page), so the checklist links to it;
blocking findings stop the submission, advisory ones only warn.

A rule is written in data with the tables and columns it reads, so a new template version
can add, drop or re-point checks without code; only the kinds of rule live here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _

from ..core.numbers import format_number
from .blockform import cell_name
from .drafting import action_key

BLOCKING, ADVISORY = "blocking", "advisory"
PLAN_RULES = frozenset({"later_than", "linked", "sum_equals"})
REPORT_RULES = frozenset({"completed_is_full", "dated_in_round"})


@dataclass(frozen=True)
class Finding:
    """One problem a check found: ``block`` is the plan section whose editor holds the field
    (None: the monitoring report's form), ``anchor`` the id of the field on that page."""

    key: str
    severity: str
    message: str
    block: str | None
    anchor: str

    @property
    def blocking(self) -> bool:
        return self.severity == BLOCKING


def validate(definition: dict, path) -> None:
    """Refuse a template file whose checks name an unknown rule, severity or table."""
    tables = {f"{b['key']}.{f['key']}": {c["key"] for c in f.get("columns", [])}
              for b in definition.get("blocks", []) for f in b.get("fields", [])
              if f.get("type") == "table"}
    for check in definition.get("checks") or []:
        where = f"{path}: check {check.get('key')}"
        if check.get("rule") not in PLAN_RULES | REPORT_RULES:
            raise ValueError(f"{where}: unknown rule {check.get('rule')}")
        if check.get("severity") not in (BLOCKING, ADVISORY):
            raise ValueError(f"{where}: severity must be blocking or advisory")
        for table_key, column_keys in (("table", ("column", "than", "key_column")),
                                       ("to", ("to_column",)), ("lines", ("lines_key",
                                                                          "lines_column"))):
            if table_key not in check:
                continue
            if check[table_key] not in tables:
                raise ValueError(f"{where}: no table {check[table_key]}")
            for column in column_keys:
                if column in check and check[column] not in tables[check[table_key]]:
                    raise ValueError(f"{where}: no column {check[column]} in "
                                     f"{check[table_key]}")


def _checks(template, applies: str) -> list[dict]:
    return [c for c in template.definition.get("checks") or [] if c.get("applies") == applies]


def _table(template, content: dict, dotted: str) -> tuple[dict, dict, list[dict]]:
    block_key, field_key = dotted.split(".", 1)
    block = template.block(block_key) or {"key": block_key, "fields": []}
    field = next((f for f in block["fields"] if f["key"] == field_key),
                 {"key": field_key, "label": {}, "columns": []})
    rows = ((content or {}).get(block_key) or {}).get(field_key) or []
    return block, field, rows


def _label(item: dict, lang: str) -> str:
    return (item.get("label") or {}).get(lang) or item.get("key", "")


def _column(field: dict, key: str) -> dict:
    return next((c for c in field["columns"] if c["key"] == key), {"key": key})


def plan_findings(plan, lang: str = "en", content: dict | None = None) -> list[Finding]:
    """What the plan checks of the plan's template version find in its draft (or in
    ``content``)."""
    template = plan.template
    content = plan.content if content is None else content
    findings = []
    for check in _checks(template, "plan"):
        findings.extend(_RULES[check["rule"]](check, template, content, lang))
    return findings


def _later_than(check, template, content, lang):
    block, field, rows = _table(template, content, check["table"])
    column, than = _column(field, check["column"]), _column(field, check["than"])
    for number, row in enumerate(rows):
        value, before = row.get(column["key"]), row.get(than["key"])
        if isinstance(value, (int, float)) and isinstance(before, (int, float)) \
                and value <= before:
            yield Finding(check["key"], check["severity"], _(
                "%(table)s, row %(row)d: the %(column)s (%(value)s) must come after the "
                "%(than)s (%(before)s).", table=_label(field, lang), row=number + 1,
                column=_label(column, lang), value=value, than=_label(than, lang),
                before=before), block["key"], cell_name(field["key"], number, column["key"]))


def _linked(check, template, content, lang):
    block, field, rows = _table(template, content, check["table"])
    _to_block, to_field, to_rows = _table(template, content, check["to"])
    known = {action_key(r.get(check["to_column"])) for r in to_rows if r.get(check["to_column"])}
    numbers = {str(n) for n in range(1, len(to_rows) + 1)}
    column = _column(field, check["column"])
    for number, row in enumerate(rows):
        value = str(row.get(column["key"]) or "").strip()
        if value in numbers or (value and action_key(value) in known):
            continue
        yield Finding(check["key"], check["severity"], _(
            "%(table)s, row %(row)d: «%(value)s» is not one of the %(targets)s. Write it as it "
            "is worded there, or its row number.", table=_label(field, lang), row=number + 1,
            value=value[:80] or "—", targets=_label(to_field, lang)),
            block["key"], cell_name(field["key"], number, column["key"]))


def _sum_equals(check, template, content, lang):
    block, field, rows = _table(template, content, check["table"])
    _lines_block, lines_field, lines = _table(template, content, check["lines"])
    sums: dict[str, float] = {}
    for line in lines:
        key = action_key(line.get(check["lines_key"]))
        sums[key] = sums.get(key, 0) + (line.get(check["lines_column"]) or 0)
    named = set()
    for number, row in enumerate(rows):
        key = action_key(row.get(check["key_column"]))
        named.add(key)
        budget = row.get(check["column"])
        if key not in sums or not isinstance(budget, (int, float)):
            continue
        if abs(sums[key] - budget) > 0.005:
            yield Finding(check["key"], check["severity"], _(
                "%(table)s, row %(row)d: the %(lines)s of this action add up to %(sum)s, its "
                "budget is %(budget)s.", table=_label(field, lang), row=number + 1,
                lines=_label(lines_field, lang), sum=format_number(sums[key], locale=lang),
                budget=format_number(budget, locale=lang)), block["key"],
                cell_name(field["key"], number, check["column"]))
    for number, line in enumerate(lines):
        if action_key(line.get(check["lines_key"])) not in named:
            yield Finding(check["key"], check["severity"], _(
                "%(lines)s, row %(row)d: «%(value)s» is not an action of the %(table)s.",
                lines=_label(lines_field, lang), row=number + 1,
                value=str(line.get(check["lines_key"]) or "")[:80], table=_label(field, lang)),
                block["key"], cell_name(lines_field["key"], number, check["lines_key"]))


def report_findings(report, actions: list[dict], targets: list[dict],
                    content: dict | None = None) -> list[Finding]:
    """What the report checks of the plan's template version find in a monitoring report
    (``actions`` and ``targets``: the plan's rows with their names, as the form lists them)."""
    content = report.content if content is None else content
    findings = []
    for check in _checks(report.plan.template, "report"):
        findings.extend(_RULES[check["rule"]](check, report, content, actions, targets))
    return findings


def _completed_is_full(check, report, content, actions, targets):
    for entry in content.get("actions") or []:
        if entry.get("status") == "completed" and entry.get("done_pct") != 100:
            name = actions[entry["row"]]["name"] if entry["row"] < len(actions) else "—"
            yield Finding(check["key"], check["severity"], _(
                "«%(action)s» is marked completed: its share done must be 100 %%.",
                action=name[:80]), None, f"a-{entry['row']}-done")


def _dated_in_round(check, report, content, actions, targets):
    first, last = report.round.starts_on, report.round.ends_on
    for entry in content.get("targets") or []:
        day = date.fromisoformat(entry["date"]) if entry.get("date") else None
        if day is not None and not first <= day <= last:
            name = targets[entry["row"]]["name"] if entry["row"] < len(targets) else "—"
            yield Finding(check["key"], check["severity"], _(
                "«%(target)s»: the actual value is dated %(date)s, outside the round "
                "(%(first)s – %(last)s).", target=name[:80], date=format_date(day, "long"),
                first=format_date(first, "long"), last=format_date(last, "long")),
                None, f"t-{entry['row']}-date")


_RULES = {"later_than": _later_than, "linked": _linked, "sum_equals": _sum_equals,
          "completed_is_full": _completed_is_full, "dated_in_round": _dated_in_round}


def blocking(findings: list[Finding]) -> list[Finding]:
    """The findings that stop a submission."""
    return [f for f in findings if f.blocking]
