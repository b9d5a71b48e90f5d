"""Open plans: an approved plan is public by default, on its own page under the member's
page, in the public list and in ``/api/v1/plans``; a coordinator may withhold one (the
reason is kept, and audited) and undo that.

What is public is the plan's content and its figures, never a person: no names, no emails,
no review comments, no history. The action plan's ``responsible`` column names a person
(«Məsul şəxs») and is left out (:data:`PRIVATE_COLUMNS`).

Hook for accepted monitoring reports (issue 21, part A): the public page renders the
sections registered for the page ``"open_plan"`` (``core.sections.register_section(app,
"open_plan", "monitoring", render)``, ``render(plan)`` returning the section's HTML), and
:func:`public_record` adds what every function in :data:`RECORD_PARTS` returns for the plan
(``RECORD_PARTS.append(lambda plan: {"monitoring_reports": [...]})``).
"""

from __future__ import annotations

from collections.abc import Callable
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

# Table columns that name people: never on a public page or in the API.
PRIVATE_COLUMNS = frozenset({"responsible"})
REASON_MAX = 2000
PER_PAGE = 20
# Functions of a plan adding keys to its public record (the monitoring reports' hook).
RECORD_PARTS: list[Callable[[Plan], dict]] = []


def current_withholding(plan: Plan) -> Withholding | None:
    """The decision that keeps ``plan`` off the public pages now, or None."""
    return db.session.scalar(select(Withholding).where(
        Withholding.plan_id == plan.id, Withholding.released_at.is_(None))
        .order_by(Withholding.id.desc()).limit(1))


def withholdings(plan: Plan) -> list[Withholding]:
    """Every decision to withhold the plan, newest first (for coordinators)."""
    return list(db.session.scalars(select(Withholding).where(Withholding.plan_id == plan.id)
                                   .order_by(Withholding.id.desc())))


def is_public(plan: Plan) -> bool:
    return plan.status == PlanStatus.APPROVED and current_withholding(plan) is None


def withhold(plan: Plan, user, reason: str) -> Withholding:
    """Keep an approved plan off the public pages, for ``reason`` (kept and audited)."""
    reason = clean_text(reason)
    if not reason:
        raise PlanError(_l("Say why the plan is withheld."), field="reason")
    if len(reason) > REASON_MAX:
        raise PlanError(_l("A reason can be at most 2,000 characters."), field="reason")
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


def _public():
    withheld = exists().where(Withholding.plan_id == Plan.id,
                              Withholding.released_at.is_(None))
    return select(Plan).where(Plan.status == PlanStatus.APPROVED.value, ~withheld)


@dataclass
class OpenFilters:
    """The public list's filters; values that are not one are dropped, never an error (the
    API refuses them, see :func:`OpenFilters.problems`)."""

    type: str = ""
    region: str = ""
    rayon: str = ""
    year: int | None = None
    q: str = ""

    @classmethod
    def from_args(cls, args) -> OpenFilters:
        return cls(**{key: value for key, value in _read(args).items() if key in
                      ("type", "region", "rayon", "year", "q")})

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
    for key, known in (("type", types), ("region", regions), ("rayon", rayons)):
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


def public_record(plan: Plan, url: str) -> dict:
    """A public plan as open data: the member (codes and names), the cycle, the template,
    the approval date, the content (keys as in the template) and its budget totals; no
    person. ``url`` is the plan's public page."""
    m = plan.municipality
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
        "budget": totals(plan),
        "url": url,
    }
    for part in RECORD_PARTS:
        answer.update(part(plan))
    return answer
