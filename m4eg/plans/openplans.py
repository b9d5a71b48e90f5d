"""Open plans: an approved plan is public by default, on its own page under the member's
page, in the public list and in ``/api/v1/plans``, and so are its accepted monitoring
reports; a coordinator may withhold the plan, or one accepted report, (the reason is kept,
and audited) and undo that. Withholding the plan hides its reports too.

What is public is the plan's content, its figures and what its accepted reports say, never a
person: no names, no emails, no review comments, no reviewer notes, no history. The action
plan's ``responsible`` column names a person («Məsul şəxs») and is left out
(:data:`PRIVATE_COLUMNS`); of a report, the per-action notes (working notes to the
reviewers) are left out as well.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, extract, func, select

from ..core.audit import record
from ..core.time import utcnow
from ..extensions import db
from ..municipalities import services as municipalities
from .drafting import clean_text, totals
from .errors import PlanError
from .models import Plan, PlanStatus, Withholding
from .monitoring import plan_rows, source_labels
from .monitoring_models import ActionProgress, MonitoringReport, MonitoringRound, ReportStatus
from .progress import share_of_way

# Table columns that name people: never on a public page or in the API.
PRIVATE_COLUMNS = frozenset({"responsible"})
REASON_MAX = 2000
PER_PAGE = 20
MONITORED = ("yes", "no")


def current_withholding(plan: Plan) -> Withholding | None:
    """The decision that keeps ``plan`` off the public pages now, or None."""
    return db.session.scalar(select(Withholding).where(
        Withholding.plan_id == plan.id, Withholding.report_id.is_(None),
        Withholding.released_at.is_(None)).order_by(Withholding.id.desc()).limit(1))


def withholdings(plan: Plan) -> list[Withholding]:
    """Every decision to withhold the plan, newest first (for coordinators)."""
    return list(db.session.scalars(select(Withholding).where(
        Withholding.plan_id == plan.id, Withholding.report_id.is_(None))
        .order_by(Withholding.id.desc())))


def _reason(text: str, missing) -> str:
    reason = clean_text(text)
    if not reason:
        raise PlanError(missing, field="reason")
    if len(reason) > REASON_MAX:
        raise PlanError(_l("A reason can be at most 2,000 characters."), field="reason")
    return reason


def is_public(plan: Plan) -> bool:
    return plan.status == PlanStatus.APPROVED and current_withholding(plan) is None


def withhold(plan: Plan, user, reason: str) -> Withholding:
    """Keep an approved plan off the public pages, for ``reason`` (kept and audited)."""
    reason = _reason(reason, _l("Say why the plan is withheld."))
    if plan.status != PlanStatus.APPROVED:
        raise PlanError(_l("Only an approved plan is public, so only an approved plan can be "
                           "withheld."))
    if current_withholding(plan) is not None:
        raise PlanError(_l("This plan is already withheld from the public pages."))
    decision = Withholding(plan_id=plan.id, reason=reason, withheld_by_id=user.id)
    db.session.add(decision)
    db.session.flush()
    record("plans.withheld", actor=user, target=plan, after={"reason": reason})
    return decision


def release(plan: Plan, user) -> None:
    """Make a withheld plan public again (the decision and its reason stay on record)."""
    decision = current_withholding(plan)
    if decision is None:
        raise PlanError(_l("This plan is not withheld."))
    decision.released_at, decision.released_by_id = utcnow(), user.id
    db.session.flush()
    record("plans.published", actor=user, target=plan, before={"reason": decision.reason})


# ---------------------------------------------------------------- one monitoring report


def current_report_withholding(report: MonitoringReport) -> Withholding | None:
    """The decision that keeps the accepted ``report`` off the public pages now, or None."""
    return db.session.scalar(select(Withholding).where(
        Withholding.report_id == report.id, Withholding.released_at.is_(None))
        .order_by(Withholding.id.desc()).limit(1))


def report_withholdings(report: MonitoringReport) -> list[Withholding]:
    """Every decision to withhold the report, newest first (for coordinators)."""
    return list(db.session.scalars(select(Withholding).where(
        Withholding.report_id == report.id).order_by(Withholding.id.desc())))


def withhold_report(report: MonitoringReport, user, reason: str) -> Withholding:
    """Keep one accepted monitoring report off the public pages, for ``reason`` (kept and
    audited); the plan and its other reports stay public."""
    reason = _reason(reason, _l("Say why the monitoring report is withheld."))
    if report.status != ReportStatus.ACCEPTED:
        raise PlanError(_l("Only an accepted monitoring report is public, so only an accepted "
                           "report can be withheld."))
    if current_report_withholding(report) is not None:
        raise PlanError(_l("This monitoring report is already withheld from the public "
                           "pages."))
    decision = Withholding(plan_id=report.plan_id, report_id=report.id, reason=reason,
                           withheld_by_id=user.id)
    db.session.add(decision)
    db.session.flush()
    record("plans.report_withheld", actor=user, target=report,
           after={"reason": reason, "plan": report.plan_id})
    return decision


def release_report(report: MonitoringReport, user) -> None:
    """Make a withheld monitoring report public again (the decision stays on record)."""
    decision = current_report_withholding(report)
    if decision is None:
        raise PlanError(_l("This monitoring report is not withheld."))
    decision.released_at, decision.released_by_id = utcnow(), user.id
    db.session.flush()
    record("plans.report_published", actor=user, target=report,
           before={"reason": decision.reason, "plan": report.plan_id})


def _public_report():
    """The condition of a public report (accepted, not withheld on its own); the plan's own
    publicity is checked by the callers."""
    withheld = exists().where(Withholding.report_id == MonitoringReport.id,
                              Withholding.released_at.is_(None))
    return (MonitoringReport.status == ReportStatus.ACCEPTED.value) & ~withheld


def public_reports(plan: Plan) -> list[MonitoringReport]:
    """The public plan's accepted monitoring reports that are not withheld, latest round
    first (none when the plan itself is not public)."""
    if not is_public(plan):
        return []
    return list(db.session.scalars(
        select(MonitoringReport).join(MonitoringRound)
        .where(MonitoringReport.plan_id == plan.id, _public_report())
        .order_by(MonitoringRound.ends_on.desc(), MonitoringReport.id.desc())))


def public_report(report: MonitoringReport, lang: str) -> dict:
    """What the public sees of an accepted report: its round and period, the date it was
    accepted, per action (of the plan as approved) the status with its reason, the share
    done and the money spent by funding source against the planned; per target the actual
    value, its date and the share of the way from the baseline; the narrative. No person and
    no note: the same values feed the page (with the labels in ``lang``) and the API."""
    actions, targets = plan_rows(report)
    labels = source_labels(report.plan, lang)
    entries = {e["row"]: e for e in (report.content or {}).get("actions") or []}
    actuals = {e["row"]: e for e in (report.content or {}).get("targets") or []}
    action_rows = []
    for action in actions:
        entry = entries.get(action["row"], {})
        status = ActionProgress.parse(entry.get("status"))
        spent = entry.get("spent") or {}
        action_rows.append({
            "row": action["row"], "name": action["name"],
            "status": status.value if status else None,
            "status_label": str(status.label) if status else "",
            "reason": entry.get("reason") or "", "done_pct": entry.get("done_pct"),
            "by_source": [{"source": key, "label": labels.get(key, key),
                           "planned": action["sources"].get(key, 0),
                           "spent": spent.get(key)}
                          for key in dict.fromkeys([*action["sources"], *spent])]})
    target_rows = []
    for target in targets:
        entry = actuals.get(target["row"], {})
        target_rows.append({**target, "actual": entry.get("actual"),
                            "date": entry.get("date"),
                            "share": share_of_way(target["baseline"], entry.get("actual"),
                                                  target["target_value"])})
    return {"report": report, "round": report.round, "actions": action_rows,
            "targets": target_rows, "narrative": dict((report.content or {}).get(
                "narrative") or {}),
            "spent_total": sum(s["spent"] or 0 for a in action_rows for s in a["by_source"])}


def report_record(report: MonitoringReport) -> dict:
    """An accepted report as open data (see :func:`public_report`), keys and codes only."""
    shown = public_report(report, "en")
    round_ = report.round
    return {
        "id": report.id,
        "round": {"name": round_.name, "starts_on": round_.starts_on.isoformat(),
                  "ends_on": round_.ends_on.isoformat()},
        "accepted_on": report.accepted_at.date().isoformat() if report.accepted_at else None,
        "demo": bool(report.is_demo),
        "actions": [{"row": a["row"], "action": a["name"], "status": a["status"],
                     "reason": a["reason"] or None, "done_pct": a["done_pct"],
                     "budget": [{"source": s["source"], "planned": s["planned"],
                                 "spent": s["spent"]} for s in a["by_source"]]}
                    for a in shown["actions"]],
        "targets": [{"row": t["row"], "indicator": t["name"], "unit": t["unit"],
                     "baseline": t["baseline"], "baseline_year": t["baseline_year"],
                     "target_value": t["target_value"], "target_year": t["year"],
                     "actual": t["actual"], "date": t["date"], "share_of_way": t["share"]}
                    for t in shown["targets"]],
        "narrative": {key: shown["narrative"].get(key) or "" for key in
                      ("changed", "learnt", "help")},
        "spent_total": shown["spent_total"],
    }


def _summary(report: MonitoringReport | None) -> dict | None:
    if report is None:
        return None
    return {"id": report.id, "round": report.round.name,
            "accepted_on": report.accepted_at.date().isoformat() if report.accepted_at
            else None}


# ---------------------------------------------------------------- the public plans


def _public():
    withheld = exists().where(Withholding.plan_id == Plan.id, Withholding.report_id.is_(None),
                              Withholding.released_at.is_(None))
    return select(Plan).where(Plan.status == PlanStatus.APPROVED.value, ~withheld)


def _monitored():
    """The condition of a plan with a public monitoring report."""
    return exists().where(MonitoringReport.plan_id == Plan.id, _public_report())


@dataclass
class OpenFilters:
    """The public list's filters; values that are not one are dropped, never an error (the
    API refuses them, see :func:`OpenFilters.problems`)."""

    type: str = ""
    region: str = ""
    rayon: str = ""
    year: int | None = None
    q: str = ""
    monitored: str = ""

    @classmethod
    def from_args(cls, args) -> OpenFilters:
        return cls(**{key: value for key, value in _read(args).items() if key in
                      ("type", "region", "rayon", "year", "q", "monitored")})

    @staticmethod
    def problems(args) -> dict[str, str]:
        """The parameters given with a value that is no such value (for the API's 400)."""
        return _read(args)["problems"]

    def as_args(self) -> dict:
        return {key: value for key, value in vars(self).items() if value}


def _read(args) -> dict:
    types = {str(t) for t in municipalities.MUNICIPALITY_TYPES}
    regions = {r.code for r in municipalities.regions()}
    rayons = {r.code for r in municipalities.rayons()}
    value, problems = {}, {}
    for key, known in (("type", types), ("region", regions), ("rayon", rayons),
                       ("monitored", MONITORED)):
        given = (args.get(key) or "").strip()
        if given and given not in known:
            problems[key] = given
        value[key] = given if given in known else ""
    year = (args.get("year") or "").strip()
    value["year"] = int(year) if year.isascii() and year.isdigit() and \
        2000 <= int(year) <= 2100 else None
    if year and value["year"] is None:
        problems["year"] = year
    value["q"] = (args.get("q") or "").strip()[:100]
    value["problems"] = problems
    return value


def _filtered(filters: OpenFilters):
    query = _public()
    if filters.type or filters.region or filters.rayon or filters.q:
        query = query.where(Plan.municipality_id.in_(municipalities.member_ids(
            type=filters.type, region=filters.region, rayon=filters.rayon, q=filters.q)))
    if filters.year:
        query = query.where(extract("year", Plan.approved_at) == filters.year)
    if filters.monitored:
        query = query.where(_monitored() if filters.monitored == "yes" else ~_monitored())
    return query


def open_plans(filters: OpenFilters, *, page: int = 1, per_page: int = PER_PAGE):
    """A page of the public plans matching ``filters``, the latest approved first."""
    query = _filtered(filters).order_by(Plan.approved_at.desc(), Plan.id.desc())
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False,
                       count=True)


def open_years() -> list[int]:
    """The years in which public plans were approved, newest first (the year filter)."""
    public = _public().subquery()
    years = db.session.scalars(select(extract("year", public.c.approved_at)).distinct()
                               .where(public.c.approved_at.is_not(None)))
    return sorted({int(year) for year in years}, reverse=True)


def open_count() -> int:
    return db.session.scalar(select(func.count()).select_from(_public().subquery()))


def get_open_plan(plan_id: int) -> Plan | None:
    """The plan if it is public (approved and not withheld), else None."""
    return db.session.scalar(_public().where(Plan.id == plan_id))


def open_plans_of(municipality_id: int) -> list[Plan]:
    """The member's public plans (its member page links to them)."""
    return list(db.session.scalars(_public().where(Plan.municipality_id == municipality_id)
                                   .order_by(Plan.approved_at.desc())))


def public_sections(plan: Plan) -> list[dict]:
    """The template's sections as the public reads them: without :data:`PRIVATE_COLUMNS`."""
    sections = []
    for block in plan.template.blocks:
        fields = []
        for item in block["fields"]:
            if item["type"] == "table":
                item = {**item, "columns": [c for c in item["columns"]
                                            if c["key"] not in PRIVATE_COLUMNS]}
            fields.append(item)
        sections.append({**block, "fields": fields})
    return sections


def public_content(plan: Plan) -> dict:
    """The plan's content without :data:`PRIVATE_COLUMNS`."""
    content = {}
    for key, values in (plan.content or {}).items():
        content[key] = {field: [{k: v for k, v in row.items() if k not in PRIVATE_COLUMNS}
                                for row in value]
                        if isinstance(value, list) and value and isinstance(value[0], dict)
                        else value for field, value in values.items()}
    return content


def latest_public_report(plan: Plan) -> MonitoringReport | None:
    """The public plan's latest public monitoring report (the list's "monitored"), or None."""
    reports = public_reports(plan)
    return reports[0] if reports else None


def _money(value):
    """Amounts in AZN rounded to the qazik (a year's share of an action is a fraction)."""
    if isinstance(value, dict):
        return {key: _money(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_money(item) for item in value]
    return round(value, 2) if isinstance(value, float) else value


def public_record(plan: Plan, url: str, *, with_reports: bool = False) -> dict:
    """A public plan as open data: the member (codes and names), the cycle, the template,
    the approval date, the content (keys as in the template), its budget totals and how many
    accepted monitoring reports are public (with the latest); with ``with_reports`` every
    public report in full (:func:`report_record`). No person. ``url`` is the plan's public
    page."""
    m = plan.municipality
    reports = public_reports(plan)
    answer = {
        "id": plan.id,
        "municipality": {"code": m.code, "slug": m.slug,
                         "name": {"az": m.name_az, "en": m.name_en}, "type": m.type,
                         "rayon": m.rayon and m.rayon.code,
                         "region": m.rayon and m.rayon.region.code},
        "cycle": plan.cycle.name,
        "template": {"code": plan.template.code, "version": plan.template.version},
        "approved_on": plan.approved_at.date().isoformat() if plan.approved_at else None,
        "demo": bool(plan.is_demo),
        "content": public_content(plan),
        "budget": _money(totals(plan)),
        "monitoring": {"accepted_reports": len(reports),
                       "latest": _summary(reports[0] if reports else None)},
        "url": url,
    }
    if with_reports:
        answer["monitoring_reports"] = [report_record(r) for r in reports]
    return answer
