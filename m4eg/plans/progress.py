"""Progress you can see on an approved plan: each target's baseline → actual → target (a small
SVG drawn on the server, with a title and a description, and the same values in a table),
each action's latest status, and the budget planned against spent by funding source — all
from the accepted monitoring reports."""

from __future__ import annotations

from collections import defaultdict

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ..core.numbers import format_number
from .monitoring import plan_rows, reports_of, source_labels
from .monitoring_models import ActionProgress, ReportStatus

WIDTH, HEIGHT, PAD = 320, 56, 24


def _number(value) -> str:
    return "—" if value is None else format_number(value)


def share_of_way(baseline, actual, target) -> int | None:
    """How far the actual value has gone from the baseline towards the target, in % (None
    when any is missing or the target equals the baseline)."""
    if None in (baseline, actual, target) or target == baseline:
        return None
    return round(100 * (actual - baseline) / (target - baseline))


def target_svg(index: int, name: str, baseline, actual, target) -> Markup:
    """The target's line: the baseline (grey circle), the actual value (blue dot) and the
    target (green ring) placed on one scale. Presentation attributes only (strict CSP)."""
    known = [v for v in (baseline, actual, target) if v is not None]
    low, high = (min(known), max(known)) if known else (0, 1)
    span = (high - low) or 1

    def x(value):
        return round(PAD + (WIDTH - 2 * PAD) * (value - low) / span, 1)

    title = _("%(target)s: baseline, actual value and target", target=name)
    desc = _("Baseline %(baseline)s, actual value %(actual)s, target %(target)s.",
             baseline=_number(baseline), actual=_number(actual), target=_number(target))
    parts = [f'<line x1="{PAD}" y1="28" x2="{WIDTH - PAD}" y2="28" stroke="#c5ccd3" '
             f'stroke-width="4" stroke-linecap="round"/>']
    if baseline is not None and actual is not None:
        parts.append(f'<line x1="{x(baseline)}" y1="28" x2="{x(actual)}" y2="28" '
                     f'stroke="#0b5d8a" stroke-width="4"/>')
    for value, shape, label, dy in ((baseline, "base", _("baseline"), 50),
                                    (target, "target", _("target"), 50),
                                    (actual, "actual", _("actual"), 12)):
        if value is None:
            continue
        if shape == "base":
            parts.append(f'<circle cx="{x(value)}" cy="28" r="6" fill="#6b7785"/>')
        elif shape == "target":
            parts.append(f'<circle cx="{x(value)}" cy="28" r="7" fill="#ffffff" '
                         f'stroke="#2f8f5b" stroke-width="3"/>')
        else:
            parts.append(f'<circle cx="{x(value)}" cy="28" r="6" fill="#0b5d8a"/>')
        anchor = "start" if x(value) < WIDTH / 4 else ("end" if x(value) > WIDTH * 3 / 4
                                                       else "middle")
        parts.append(f'<text x="{x(value)}" y="{dy}" font-size="11" text-anchor="{anchor}" '
                     f'fill="#1d2733">{escape(label)} {escape(_number(value))}</text>')
    return Markup(  # noqa: S704 - every text above is escaped
        f'<svg class="target-progress" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="tp-{index}-t tp-{index}-d" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="tp-{index}-t">{escape(title)}</title>'
        f'<desc id="tp-{index}-d">{escape(desc)}</desc>{"".join(parts)}</svg>')


def plan_progress(plan, lang: str) -> dict | None:
    """What the accepted monitoring reports say about the plan (None before the first is
    accepted): targets with their latest actual value and chart, actions with their latest
    status, and the budget planned against spent (all accepted reports) by source."""
    accepted = [r for r in reports_of(plan) if r.status == ReportStatus.ACCEPTED]
    if not accepted:
        return None
    latest = accepted[0]
    actions, targets = plan_rows(latest)
    actuals, statuses = {}, {}
    spent = defaultdict(float)
    for report in accepted:  # latest round first: the first value met is the latest
        for entry in (report.content or {}).get("targets") or []:
            if entry.get("actual") is not None:
                actuals.setdefault(entry["row"], (entry, report))
        for entry in (report.content or {}).get("actions") or []:
            if entry.get("status"):
                statuses.setdefault(entry["row"], (entry, report))
            for source, amount in (entry.get("spent") or {}).items():
                spent[source] += amount or 0
    target_rows = []
    for target in targets:
        entry, report = actuals.get(target["row"], ({}, None))
        actual = entry.get("actual")
        target_rows.append({**target, "actual": actual, "date": entry.get("date"),
                            "round": report.round.name if report else "",
                            "share": share_of_way(target["baseline"], actual,
                                                  target["target_value"]),
                            "svg": target_svg(target["row"], target["name"],
                                              target["baseline"], actual,
                                              target["target_value"])})
    action_rows = []
    for action in actions:
        entry, report = statuses.get(action["row"], ({}, None))
        status = ActionProgress.parse(entry.get("status"))
        action_rows.append({**action, "status": str(status.label) if status else "",
                            "done_pct": entry.get("done_pct"),
                            "round": report.round.name if report else ""})
    planned = defaultdict(float)
    for action in actions:
        for source, amount in action["sources"].items():
            planned[source] += amount
    labels = source_labels(plan, lang)
    order = list(labels)
    keys = sorted(set(planned) | set(spent),
                  key=lambda k: order.index(k) if k in order else len(order))
    budget = [(labels.get(k, _("Other")), planned.get(k, 0), spent.get(k, 0)) for k in keys]
    return {"report": latest, "reports": accepted, "targets": target_rows,
            "actions": action_rows, "budget": budget,
            "planned_total": sum(planned.values()), "spent_total": sum(spent.values())}
