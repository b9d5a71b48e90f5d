"""Monitoring an approved plan: coordinators set reporting rounds for a cycle; the focal point
fills in a monitoring report per round (each action's status, share done, money spent by
funding source and a note; each target's actual value and its date; a short narrative),
submits it as a frozen revision, and coordinators review it, comment, return it for changes
or accept it — the plan's own machinery (:mod:`.workflow`, comment threads, history, the
outbox) on another record."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from ..accounts import services as accounts
from ..core import versions
from ..core.audit import record
from ..core.i18n import current_language
from ..core.numbers import format_number
from ..core.outbox import queue_mail
from ..core.time import utcnow
from ..extensions import db
from ..notifications.services import Kind
from . import checks, workflow
from .drafting import clean_text, funding_lines, read_cell, record_event, sources_of
from .errors import PlanConflict, PlanError
from .models import Comment, Plan, PlanAction, PlanEvent, PlanStatus, Revision
from .monitoring_models import (
    NEEDS_REASON,
    REPORT_EDITABLE,
    ActionProgress,
    MonitoringReport,
    MonitoringRevision,
    MonitoringRound,
    ReportStatus,
)
from .notifications import _public_link, comment_audience, tell

NARRATIVE = (("changed", _l("What changed")), ("learnt", _l("What was learnt")),
             ("help", _l("What needs help")))
SECTIONS = {"actions": _l("Actions"), "targets": _l("Targets"), "narrative": _l("Narrative")}
NOTE_MAX, NARRATIVE_MAX = 2000, 5000
_PERCENT = {"type": "number", "min": 0, "max": 100}
_MONEY = {"type": "number", "min": 0, "max": 100_000_000_000}
_ANY_NUMBER = {"type": "number"}
_DATE = {"type": "date"}
_ROW_INPUT = re.compile(r"^([at])-(\d+)-")


# ---------------------------------------------------------------- rounds


def rounds(cycle_id: int | None = None) -> list[MonitoringRound]:
    """Reporting rounds, newest deadline first (of one cycle with ``cycle_id``)."""
    query = select(MonitoringRound).order_by(MonitoringRound.deadline.desc(),
                                             MonitoringRound.id.desc())
    if cycle_id is not None:
        query = query.where(MonitoringRound.cycle_id == cycle_id)
    return list(db.session.scalars(query))


def get_round(round_id: int) -> MonitoringRound | None:
    return db.session.get(MonitoringRound, round_id)


def save_round(cycle, *, name: str, starts_on: date, ends_on: date, deadline: date,
               reminder_days: int = 14, round_: MonitoringRound | None = None
               ) -> MonitoringRound:
    """Create a reporting round of ``cycle``, or change ``round_`` (its cycle stays): the
    period its reports cover (actual values must be dated inside it), the deadline of its
    reports and how many days before it the focal points are reminded. An edit goes through
    :func:`edit_round` (optimistic locking)."""
    name = (name or "").strip()
    cycle = round_.cycle if round_ is not None else cycle
    if cycle is None:
        raise PlanError(_l("Choose a planning cycle."), field="cycle_id")
    if not name:
        raise PlanError(_l("Give the round a name."), field="name")
    if ends_on < starts_on:
        raise PlanError(_l("The period cannot end before it starts."), field="ends_on")
    if deadline < starts_on:
        raise PlanError(_l("The deadline cannot come before the period starts."),
                        field="deadline")
    if not 1 <= reminder_days <= 120:
        raise PlanError(_l("Remind between 1 and 120 days before the deadline."),
                        field="reminder_days")
    taken = db.session.scalar(select(MonitoringRound.id).where(
        MonitoringRound.cycle_id == cycle.id, MonitoringRound.name == name))
    if taken is not None and (round_ is None or taken != round_.id):
        raise PlanError(_l("This cycle already has a round of this name."), field="name")
    round_ = round_ or MonitoringRound(cycle_id=cycle.id)
    round_.name, round_.starts_on, round_.ends_on = name, starts_on, ends_on
    round_.deadline, round_.reminder_days = deadline, reminder_days
    db.session.add(round_)
    db.session.flush()
    return round_


def edit_round(round_: MonitoringRound, user, version: int | None, **values) -> MonitoringRound:
    """Change a round from a form opened on ``version``: refused with a conflict when
    someone saved the round since (nothing of it written), recorded in the audit log."""
    before = _round_facts(round_)
    versions.claim(round_, version, PlanConflict(_l(
        "Someone else saved this round after you opened it. Their values are shown above "
        "the form: check yours against them and save again.")))
    saved = save_round(None, round_=round_, **values)
    record("plans.round_edited", actor=user, target=saved, before=before,
           after=_round_facts(saved))
    return saved


def _round_facts(round_: MonitoringRound) -> dict:
    return {"name": round_.name, "starts_on": round_.starts_on.isoformat(),
            "ends_on": round_.ends_on.isoformat(), "deadline": round_.deadline.isoformat(),
            "reminder_days": round_.reminder_days}


# ---------------------------------------------------------------- reports


def get_report(report_id: int) -> MonitoringReport | None:
    return db.session.get(MonitoringReport, report_id)


def reports_of(plan: Plan) -> list[MonitoringReport]:
    """The plan's monitoring reports, latest round first."""
    return list(db.session.scalars(
        select(MonitoringReport).join(MonitoringRound)
        .where(MonitoringReport.plan_id == plan.id)
        .order_by(MonitoringRound.ends_on.desc(), MonitoringReport.id.desc())))


def reports_in_rounds() -> list[MonitoringReport]:
    """Every monitoring report for the coordinators' list: those waiting for review first
    (oldest submission first), then the others by round, latest first."""
    waiting = {ReportStatus.SUBMITTED: 0, ReportStatus.IN_REVIEW: 1}
    reports = list(db.session.scalars(select(MonitoringReport).join(MonitoringRound)
                                      .order_by(MonitoringRound.ends_on.desc(),
                                                MonitoringReport.id)))
    return sorted(reports, key=lambda r: (waiting.get(r.status, 2),
                                          r.submitted_at.timestamp() if r.submitted_at
                                          and r.status in waiting else 0))


def rounds_to_report(plan: Plan) -> list[MonitoringRound]:
    """The rounds of the plan's cycle that the plan has no report for yet (none unless the
    plan is approved)."""
    if plan.status != PlanStatus.APPROVED:
        return []
    started = {r.round_id for r in reports_of(plan)}
    return [r for r in rounds(plan.cycle_id) if r.id not in started]


def start_report(plan: Plan, round_: MonitoringRound | None, user) -> MonitoringReport:
    """Start the plan's monitoring report for ``round_`` on the plan as approved."""
    if plan.status != PlanStatus.APPROVED:
        raise PlanError(_l("Only an approved plan has monitoring reports: this plan is "
                           "%(status)s.", status=plan.status_label))
    if round_ is None or round_.cycle_id != plan.cycle_id:
        raise PlanError(_l("Choose a reporting round of the plan's cycle."), field="round_id")
    exists = db.session.scalar(select(MonitoringReport.id).where(
        MonitoringReport.plan_id == plan.id, MonitoringReport.round_id == round_.id))
    if exists is not None:
        raise PlanError(_l("This plan already has a monitoring report for this round."))
    approved = db.session.scalar(select(Revision.id).where(Revision.plan_id == plan.id)
                                 .order_by(Revision.number.desc()).limit(1))
    report = MonitoringReport(plan_id=plan.id, round_id=round_.id, revision_id=approved,
                              status=ReportStatus.DRAFT, content={},
                              updated_by_id=getattr(user, "id", None))
    db.session.add(report)
    db.session.flush()
    record_event(plan, user, PlanAction.REPORT_STARTED, None, ReportStatus.DRAFT,
                 report_id=report.id)
    db.session.flush()
    return report


def plan_rows(report: MonitoringReport) -> tuple[list[dict], list[dict]]:
    """The actions and targets of the plan as approved (what the report is about): each
    with its row number, name and, for actions, the planned budget by funding source; for
    targets, the baseline, its year, the target value and year, and the unit."""
    content = report.revision.content if report.revision is not None else {}
    actions_block = content.get("actions") or {}
    lines = funding_lines(actions_block)
    actions = [{"row": index, "name": row.get("action") or "—",
                "budget": row.get("budget_azn") or 0,
                "sources": sources_of(row, lines)}
               for index, row in enumerate(actions_block.get("action_plan") or [])]
    targets = [{"row": index, "name": row.get("indicator") or "—",
                "unit": row.get("unit") or "", "baseline": row.get("baseline"),
                "baseline_year": row.get("baseline_year"),
                "target_value": row.get("target_value"), "year": row.get("year")}
               for index, row in enumerate((content.get("vision") or {}).get("targets") or [])]
    return actions, targets


def source_labels(plan: Plan | None, lang: str | None = None) -> dict[str, str]:
    """Funding source key → label in ``lang``, in the order of the plan's template (of the
    newest template without a plan; in the page's language without ``lang``)."""
    from .plan_templates import latest_template

    lang = lang or current_language()
    template = plan.template if plan is not None else latest_template()
    if template is None:
        return {}
    block = template.block("actions") or {"fields": []}
    table = next((f for f in block["fields"] if f["key"] == "action_plan"), {"columns": []})
    column = next((c for c in table["columns"] if c["key"] == "funding_source"),
                  {"choices": []})
    return {c["key"]: c["label"][lang] for c in column.get("choices", [])}


def funding_source_labels() -> dict[str, LazyString]:
    """The funding sources of the newest template, key → label read in the language of the
    page that shows it (lazy: the key figures are computed once and cached for both
    languages, as their other labels are lazy gettext texts)."""
    # Both languages read once here: the lazy label only picks one (no query per render).
    by_lang = {lang: source_labels(None, lang) for lang in ("az", "en")}
    return {key: LazyString(lambda key=key: by_lang[current_language()].get(key, key))
            for key in by_lang["en"]}


def parse_report(report: MonitoringReport, values, lang: str) -> tuple[dict, dict]:
    """Read a submitted monitoring form (a MultiDict-like ``get``): returns the content and
    the problems per input name. An input about an action or target the plan does not have,
    or money spent from a source the action is not funded by, refuses the whole form."""
    actions, targets = plan_rows(report)
    for name in values:
        match = _ROW_INPUT.match(name)
        if match and int(match.group(2)) >= len(actions if match.group(1) == "a" else targets):
            raise PlanError(_l("The form names a target that is not in the plan. Nothing has "
                               "been saved.") if match.group(1) == "t" else
                            _l("The form names an action that is not in the plan. Nothing "
                               "has been saved."))
    labels = source_labels(report.plan, lang)
    problems: dict[str, list] = {}
    content = {"actions": [], "targets": [], "narrative": {}}
    for action in actions:
        prefix = f"a-{action['row']}"
        for name in values:
            if name.startswith(f"{prefix}-spent-") and \
                    name.removeprefix(f"{prefix}-spent-") not in action["sources"]:
                raise PlanError(_l("The form names a funding source that this action does "
                                   "not have. Nothing has been saved."))
        content["actions"].append(_parse_action(action, prefix, values, labels, problems))
    for target in targets:
        prefix = f"t-{target['row']}"
        errors_actual, errors_date = [], []
        actual = read_cell(values.get(f"{prefix}-actual", ""), _ANY_NUMBER, errors_actual,
                           _("%(target)s: actual value", target=target["name"]))
        day = read_cell(values.get(f"{prefix}-date", ""), _DATE, errors_date,
                        _("%(target)s: date", target=target["name"]))
        if actual is not None and day is None and not errors_date:
            errors_date.append(_("%(target)s: give the date of the actual value.",
                                 target=target["name"]))
        for key, errors in ((f"{prefix}-actual", errors_actual), (f"{prefix}-date",
                                                                   errors_date)):
            if errors:
                problems[key] = errors
        content["targets"].append({"row": target["row"], "actual": actual, "date": day})
    for key, label in NARRATIVE:
        text = clean_text(values.get(f"n-{key}", ""))
        if len(text) > NARRATIVE_MAX:
            problems[f"n-{key}"] = [_("%(field)s can be at most %(max)s characters.",
                                      field=label, max=format_number(NARRATIVE_MAX))]
        content["narrative"][key] = text
    return content, problems


def _parse_action(action, prefix, values, labels, problems) -> dict:
    name = action["name"]
    status = (values.get(f"{prefix}-status") or "").strip()
    if status and ActionProgress.parse(status) is None:
        problems[f"{prefix}-status"] = [_("%(action)s: choose one of the statuses.",
                                          action=name)]
        status = ""
    reason = clean_text(values.get(f"{prefix}-reason", ""))[:NOTE_MAX]
    if status in NEEDS_REASON and not reason:
        problems[f"{prefix}-reason"] = [_("%(action)s: say why it is %(status)s.", action=name,
                                          status=ActionProgress(status).label)]
    errors = []
    done = read_cell(values.get(f"{prefix}-done", ""), _PERCENT, errors,
                     _("%(action)s: share done (%%)", action=name))
    if errors:
        problems[f"{prefix}-done"] = errors
    spent = {}
    for source in action["sources"]:
        errors = []
        amount = read_cell(values.get(f"{prefix}-spent-{source}", ""), _MONEY, errors,
                           _("%(action)s: spent from %(source)s", action=name,
                             source=labels.get(source, source)))
        if errors:
            problems[f"{prefix}-spent-{source}"] = errors
        elif amount is not None:
            spent[source] = amount
    note = clean_text(values.get(f"{prefix}-note", ""))
    if len(note) > NOTE_MAX:
        problems[f"{prefix}-note"] = [_("%(action)s: the note can be at most %(max)d "
                                        "characters.", action=name, max=NOTE_MAX)]
    return {"row": action["row"], "status": status or None, "reason": reason,
            "done_pct": done, "spent": spent, "note": note}


def save_report(report: MonitoringReport, values, user, *, version: int,
                lang: str) -> dict:
    """Save the draft of a monitoring report. Refused with :class:`PlanError` (problems per
    input) for bad values or a report no longer editable, and with :class:`PlanConflict`
    when the report was saved after ``version``, the version the form was opened on (the
    ``UPDATE``'s own condition: two saves of the same version cannot both win)."""
    content, problems = parse_report(report, values, lang)
    if problems:
        raise PlanError(_l("Some values could not be saved. Correct the fields marked below "
                           "and save again."), problems=problems)
    saved = db.session.execute(
        update(MonitoringReport).where(MonitoringReport.id == report.id,
                                       MonitoringReport.status.in_(REPORT_EDITABLE),
                                       MonitoringReport.version == version)
        .values(content=content, version=MonitoringReport.version + 1, updated_at=utcnow(),
                updated_by_id=getattr(user, "id", None))
        .execution_options(synchronize_session=False))
    if saved.rowcount != 1:
        db.session.refresh(report)
        if report.status not in REPORT_EDITABLE:
            raise PlanError(_l("This monitoring report is %(status)s and cannot be edited "
                               "now.", status=report.status_label))
        raise PlanConflict(_l("Someone else saved this monitoring report after you opened "
                              "it. Your values are in the form below: check them against "
                              "the report as saved now and save again."))
    db.session.expire(report)
    record_event(report.plan, user, PlanAction.REPORT_SAVED, None, None, report_id=report.id)
    db.session.flush()
    return content


def _entries(report, key) -> dict[int, dict]:
    return {entry["row"]: entry for entry in (report.content or {}).get(key) or []}


def report_missing(report: MonitoringReport) -> list[tuple[str, str]]:
    """What a submission still lacks, as (input id, label): every action's status and the
    narrative's "what changed"."""
    actions, _targets = plan_rows(report)
    entries = _entries(report, "actions")
    gaps = [(f"a-{a['row']}-status", _("%(action)s: status", action=a["name"]))
            for a in actions if not (entries.get(a["row"]) or {}).get("status")]
    if not ((report.content or {}).get("narrative") or {}).get("changed"):
        gaps.append(("n-changed", str(NARRATIVE[0][1])))
    return gaps


def report_findings(report: MonitoringReport, content: dict | None = None) -> list:
    """The template's report checks on the report's content."""
    actions, targets = plan_rows(report)
    return checks.report_findings(report, actions, targets, content)


def _move(report, user, allowed_from, to_status, action, note="") -> None:
    before = workflow.move(
        report, MonitoringReport, allowed_from, to_status,
        refused=lambda: _l("A monitoring report that is %(status)s cannot be %(action)s.",
                           status=report.status_label, action=_ACTION_WORDS[action]),
        raced=lambda: _l("Someone else changed this monitoring report a moment ago: it is "
                         "now %(status)s. Look at it again before you act.",
                         status=report.status_label))
    record_event(report.plan, user, action, before, to_status, note, report_id=report.id)
    db.session.flush()
    notify_report(report, action, note)


_ACTION_WORDS = {PlanAction.REPORT_SUBMITTED: _l("submitted"),
                 PlanAction.REPORT_REVIEW_STARTED: _l("taken into review"),
                 PlanAction.REPORT_RETURNED: _l("returned for changes"),
                 PlanAction.REPORT_ACCEPTED: _l("accepted")}


def submit_report(report: MonitoringReport, user) -> MonitoringRevision:
    """Submit a complete report that passes the blocking checks: frozen as a revision."""
    if report.status in REPORT_EDITABLE:
        if report_missing(report):
            raise PlanError(_l("The monitoring report cannot be submitted yet: some required "
                               "fields are empty."))
        if checks.blocking(report_findings(report)):
            raise PlanError(_l("The monitoring report cannot be submitted yet: the checks "
                               "below must pass first."))
    _move(report, user, REPORT_EDITABLE, ReportStatus.SUBMITTED, PlanAction.REPORT_SUBMITTED)
    db.session.refresh(report)
    revision = workflow.freeze(MonitoringRevision, MonitoringRevision.report_id, report.id,
                               report.content, user)
    report.submitted_at = report.submitted_at or utcnow()
    db.session.flush()
    return revision


def start_report_review(report: MonitoringReport, user) -> None:
    _move(report, user, {ReportStatus.SUBMITTED}, ReportStatus.IN_REVIEW,
          PlanAction.REPORT_REVIEW_STARTED)


def return_report(report: MonitoringReport, user, note: str) -> None:
    """Send the report back to the municipality with what to change."""
    if not (note or "").strip():
        raise PlanError(_l("Tell the municipality what to change."), field="note")
    _move(report, user, {ReportStatus.IN_REVIEW}, ReportStatus.CHANGES_REQUESTED,
          PlanAction.REPORT_RETURNED, clean_text(note)[:5000])


def accept_report(report: MonitoringReport, user) -> None:
    _move(report, user, {ReportStatus.IN_REVIEW}, ReportStatus.ACCEPTED,
          PlanAction.REPORT_ACCEPTED)
    report.accepted_at = utcnow()
    db.session.flush()


def report_revisions(report: MonitoringReport) -> list[MonitoringRevision]:
    return list(db.session.scalars(select(MonitoringRevision).where(
        MonitoringRevision.report_id == report.id).order_by(MonitoringRevision.number)))


def return_note(report: MonitoringReport) -> PlanEvent | None:
    """The reviewer's latest "what should change" while the report is returned, else None."""
    if report.status != ReportStatus.CHANGES_REQUESTED:
        return None
    return db.session.scalar(select(PlanEvent).where(
        PlanEvent.report_id == report.id, PlanEvent.action == PlanAction.REPORT_RETURNED)
        .order_by(PlanEvent.at.desc(), PlanEvent.id.desc()).limit(1))


def report_history(report: MonitoringReport) -> list[dict]:
    """The report's events in words: who, what, the status reached and any note."""
    entries = []
    for event in db.session.scalars(select(PlanEvent).where(PlanEvent.report_id == report.id)
                                    .order_by(PlanEvent.at, PlanEvent.id)):
        action = PlanAction.parse(event.action)
        status = ReportStatus.parse(event.to_status)
        entries.append({
            "at": event.at, "actor": event.actor.name if event.actor else _("the platform"),
            "action": str(action.label) if action else event.action,
            "sections": [str(SECTIONS[event.note])] if event.action in (
                PlanAction.COMMENTED, PlanAction.REPLIED, PlanAction.RESOLVED)
            and event.note in SECTIONS else [],
            "status": str(status.label) if status else "",
            "note": event.note if event.action == PlanAction.REPORT_RETURNED else ""})
    return entries


def report_as_text(report: MonitoringReport, content: dict, lang: str) -> dict[str, list]:
    """The report's sections as plain lines in ``lang`` (for the diff between revisions and
    the two versions of a refused save): one line per action and per target."""
    actions, targets = plan_rows(report)
    labels = source_labels(report.plan, lang)
    entries = {e["row"]: e for e in (content or {}).get("actions") or []}
    actuals = {e["row"]: e for e in (content or {}).get("targets") or []}

    def number(value):
        return "—" if value is None else format_number(value, locale=lang)

    action_lines = []
    for action in actions:
        entry = entries.get(action["row"], {})
        status = ActionProgress.parse(entry.get("status"))
        parts = [f"{_('Status')}: {status.label if status else '—'}"]
        if entry.get("reason"):
            parts.append(f"{_('Reason')}: {entry['reason']}")
        parts.append(f"{_('Share done')}: {number(entry.get('done_pct'))} %")
        parts += [f"{labels.get(k, k)}: {number(v)}" for k, v in (entry.get("spent") or {}).items()]
        if entry.get("note"):
            parts.append(f"{_('Note')}: {entry['note']}")
        action_lines.append(f"{action['name']} | " + " | ".join(parts))
    target_lines = [f"{t['name']}: {number(actuals.get(t['row'], {}).get('actual'))} "
                    f"({actuals.get(t['row'], {}).get('date') or '—'})" for t in targets]
    narrative_lines = []
    for key, label in NARRATIVE:
        text = ((content or {}).get("narrative") or {}).get(key) or "—"
        narrative_lines += [f"{label}:", *[f"  {line}" for line in text.splitlines()]]
    return {"actions": action_lines, "targets": target_lines, "narrative": narrative_lines}


def report_diff(report: MonitoringReport, old: dict, new: dict, lang: str) -> list[dict]:
    """A readable diff per section between two contents of the report (the plans' own
    line diff)."""
    return workflow.diff_sections(SECTIONS.items(), report_as_text(report, old, lang),
                                  report_as_text(report, new, lang))


# ---------------------------------------------------------------- comments


def add_report_comment(report: MonitoringReport, section: str, body: str, user, *,
                       parent_id=None) -> Comment:
    """Comment on a section of the report (actions, targets, narrative) or reply to a
    thread: a row of the plan's comments, marked with the report."""
    if section not in SECTIONS and parent_id is None:
        raise PlanError(_l("This block does not exist."), field="block")
    parent = workflow.thread_parent(parent_id, lambda c: c.report_id == report.id)
    comment = workflow.write_comment(report.plan, user, section, body, parent=parent,
                                     report_id=report.id)
    _notify_report_comment(report, comment, parent, user)
    return comment


def get_report_comment(report: MonitoringReport, comment_id: int) -> Comment | None:
    comment = db.session.get(Comment, comment_id)
    return comment if comment is not None and comment.report_id == report.id else None


def resolve_report_comment(report: MonitoringReport, comment: Comment, user, *,
                           resolved: bool = True) -> None:
    """Mark a thread on the report resolved (or open again)."""
    workflow.resolve_thread(report.plan, comment, user, resolved=resolved)


def report_comments(report: MonitoringReport) -> dict[str, list[dict]]:
    """Each section's threads, oldest first: ``{"comment": …, "replies": […]}``."""
    return workflow.threads(Comment.report_id == report.id)


# ---------------------------------------------------------------- mail


def report_link(report: MonitoringReport, lang: str) -> str:
    return _public_link("plans.report", lang, report_id=report.id)


def _mail(person, report, subject: str, lines: list[str]) -> None:
    link = report_link(report, person.preferred_language)
    if link:
        lines.append(_("Open the monitoring report: %(link)s", link=link))
    lines.append(_("M4EG Azerbaijan"))
    queue_mail(person.email, subject, "\n\n".join(lines))


def notify_report(report: MonitoringReport, action: str, note: str = "") -> int:
    """Tell the people concerned by a report's status change (a notification, and the mail
    in their language unless they turned it off): coordinators when it is submitted, the
    municipality's focal points otherwise."""
    people = (accounts.coordinators() if action == PlanAction.REPORT_SUBMITTED
              else accounts.focal_points(report.plan.municipality_id))

    def title():
        return _("The monitoring report %(round)s of %(municipality)s is now: %(status)s",
                 round=report.round.name, municipality=report.plan.municipality.name,
                 status=report.status_label)

    def mail(person):
        status = report.status_label
        lines = [_("Hello %(name)s,\n\nThe monitoring report %(round)s of the P4EG plan of "
                   "%(municipality)s is now: %(status)s.", name=person.name,
                   round=report.round.name, municipality=report.plan.municipality.name,
                   status=status)]
        if note:
            lines.append(_("Reviewer's note:") + "\n" + note)
        _mail(person, report, _("Monitoring report: %(status)s", status=status), lines)

    return tell(people, Kind.PLAN_STATUS, title, "plans.report", mail,
                anchor="#note-heading" if note else "", report_id=report.id)


def _notify_report_comment(report, comment, parent, author) -> None:
    """Tell the other side of the conversation (:func:`comment_audience`, as for plans)."""
    people = comment_audience(report.plan, parent, author)

    def title():
        return _("%(author)s wrote about the monitoring report %(round)s of %(municipality)s",
                 author=author.name, round=report.round.name,
                 municipality=report.plan.municipality.name)

    def mail(person):
        excerpt = comment.body if len(comment.body) <= 600 else comment.body[:600] + "…"
        lines = [_("Hello %(name)s,\n\n%(author)s wrote about the monitoring report "
                   "%(round)s of %(municipality)s:", name=person.name, author=author.name,
                   round=report.round.name, municipality=report.plan.municipality.name),
                 excerpt]
        _mail(person, report, _("Monitoring report: a new comment from %(author)s",
                                author=author.name), lines)

    tell(people.values(), Kind.PLAN_COMMENT, title, "plans.report", mail,
         anchor=f"#comment-{comment.id}", report_id=report.id)


# ---------------------------------------------------------------- figures


def monitoring_figures(start=None, end=None, lang: str = "en") -> dict:
    """From the monitoring reports accepted in [start, end): the plans with one, the plan
    actions they mark completed (each action of a plan once), and the money they report
    spent by funding source (the budget mobilised)."""
    query = select(MonitoringReport).where(MonitoringReport.accepted_at.is_not(None))
    if start is not None:
        query = query.where(MonitoringReport.accepted_at >= start)
    if end is not None:
        query = query.where(MonitoringReport.accepted_at < end)
    plans, completed, spent = set(), set(), defaultdict(float)
    for report in db.session.scalars(query):
        plans.add(report.plan_id)
        for entry in (report.content or {}).get("actions") or []:
            if entry.get("status") == ActionProgress.COMPLETED:
                completed.add((report.plan_id, entry["row"]))
            for source, amount in (entry.get("spent") or {}).items():
                spent[source] += amount or 0
    return {"plans": len(plans), "completed": len(completed), "spent": dict(spent)}
