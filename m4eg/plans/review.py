"""Review: the coordinators' queue, the state machine (submission into frozen revisions,
review, changes, approval), comment threads, the plan's history and the diff between
revisions."""

from __future__ import annotations

from datetime import date, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import lazyload

from ..core import time as clock
from ..core.personal_data import Table
from ..core.time import utcnow
from ..extensions import db
from ..municipalities import services as municipalities
from . import checks, extensions, notifications, workflow
from .drafting import as_text, clean_text, missing, progress, record_event
from .errors import PlanError
from .models import (
    EDITABLE,
    Comment,
    Cycle,
    Plan,
    PlanAction,
    PlanEvent,
    PlanStatus,
    PlanTemplate,
    Revision,
)

# ---------------------------------------------------------------- reading


def get_plan(plan_id: int) -> Plan | None:
    return db.session.get(Plan, plan_id)


def plans_of(municipality_id: int) -> list[Plan]:
    return list(db.session.scalars(select(Plan).where(Plan.municipality_id == municipality_id)
                                   .order_by(Plan.created_at.desc())))


def _queue_query(*, status: str = "", cycle_id: int | None = None, region: str = "",
                 overdue: bool = False, today: date | None = None):
    query = select(Plan)
    if status:
        query = query.where(Plan.status == status)
    if cycle_id:
        query = query.where(Plan.cycle_id == cycle_id)
    if region:
        query = query.where(Plan.municipality_id.in_(municipalities.ids_in_region(region)))
    if overdue:
        query = (query.join(Cycle, Cycle.id == Plan.cycle_id)
                 .where(extensions.deadline_expression() < (today or clock.today()),
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
    return workflow.threads((Comment.plan_id == plan.id) & Comment.report_id.is_(None))


def events(plan: Plan) -> list[PlanEvent]:
    return list(db.session.scalars(select(PlanEvent).where(PlanEvent.plan_id == plan.id,
                                                           PlanEvent.report_id.is_(None))
                                   .order_by(PlanEvent.at, PlanEvent.id)))


def status_for(municipality_id: int) -> list[Plan]:
    """The municipality's plans, newest cycle first (for its public page)."""
    return plans_of(municipality_id)


# ---------------------------------------------------------------- the review cycle


def _move(plan: Plan, user, allowed_from: set, to_status: str, action: str, note="") -> None:
    before = workflow.move(
        plan, Plan, allowed_from, to_status,
        refused=lambda: _l("A plan that is %(status)s cannot be %(action)s.",
                           status=plan.status_label, action=_action_label(action)),
        raced=lambda: _l("Someone else changed this plan a moment ago: it is now "
                         "%(status)s. Look at it again before you act.",
                         status=plan.status_label))
    record_event(plan, user, action, before, to_status, note)
    db.session.flush()
    notifications.notify(plan, action, note)


def _action_label(action: str) -> str:
    return str({PlanAction.SUBMITTED: _l("submitted"),
                PlanAction.REVIEW_STARTED: _l("taken into review"),
                PlanAction.CHANGES_REQUESTED: _l("sent back for changes"),
                PlanAction.APPROVED: _l("approved")}.get(action, action))


def submit(plan: Plan, user) -> Revision:
    """Submit a complete draft: its content is frozen as a new revision."""
    gaps = missing(plan)
    if plan.status in EDITABLE and gaps:
        raise PlanError(_l("The plan cannot be submitted yet: some required fields are "
                           "empty."), problems={"missing": gaps})
    blocking = checks.blocking(checks.plan_findings(plan)) if plan.status in EDITABLE else []
    if blocking:
        raise PlanError(_l("The plan cannot be submitted yet: the checks below must pass "
                           "first."), problems={"checks": blocking})
    _move(plan, user, EDITABLE, PlanStatus.SUBMITTED, PlanAction.SUBMITTED)
    # Read after the status UPDATE holds the plan's row: a save that committed before it is
    # in the revision, and one that comes after it is refused (the plan is no longer a draft).
    db.session.expire(plan, ["blocks"])
    revision = workflow.freeze(Revision, Revision.plan_id, plan.id, plan.content, user)
    plan.submitted_at = plan.submitted_at or utcnow()
    db.session.flush()
    return revision


def start_review(plan: Plan, user) -> None:
    _move(plan, user, {PlanStatus.SUBMITTED}, PlanStatus.IN_REVIEW, PlanAction.REVIEW_STARTED)


def request_changes(plan: Plan, user, note: str) -> None:
    if not (note or "").strip():
        raise PlanError(_l("Tell the municipality what to change."), field="note")
    _move(plan, user, {PlanStatus.IN_REVIEW}, PlanStatus.CHANGES_REQUESTED,
          PlanAction.CHANGES_REQUESTED, clean_text(note)[:5000])


def approve(plan: Plan, user) -> None:
    _move(plan, user, {PlanStatus.IN_REVIEW}, PlanStatus.APPROVED, PlanAction.APPROVED)
    plan.approved_at = utcnow()


def reviewer_note(plan: Plan) -> PlanEvent | None:
    """The reviewer's latest "what should change" while changes are requested, else None."""
    if plan.status != PlanStatus.CHANGES_REQUESTED:
        return None
    return db.session.scalar(select(PlanEvent).where(
        PlanEvent.plan_id == plan.id, PlanEvent.action == PlanAction.CHANGES_REQUESTED,
        PlanEvent.report_id.is_(None))
        .order_by(PlanEvent.at.desc(), PlanEvent.id.desc()).limit(1))


def add_comment(plan: Plan, block_key: str, body: str, user, *, parent_id=None) -> Comment:
    """Comment on a block (linked to the latest revision, if any), or reply to the thread
    that ``parent_id`` opened."""
    if plan.template.block(block_key) is None:
        raise PlanError(_l("This block does not exist."), field="block")
    parent = workflow.thread_parent(parent_id, lambda c: c.plan_id == plan.id)
    latest = db.session.scalar(select(Revision.id).where(Revision.plan_id == plan.id)
                               .order_by(Revision.number.desc()).limit(1))
    comment = workflow.write_comment(plan, user, block_key, body, parent=parent,
                                     revision_id=latest)
    notifications.notify_comment(plan, comment, parent, user)
    return comment


def get_comment(plan: Plan, comment_id: int) -> Comment | None:
    comment = db.session.get(Comment, comment_id)
    return comment if comment is not None and comment.plan_id == plan.id else None


def resolve_comment(comment: Comment, user, *, resolved: bool = True) -> None:
    """Mark a thread resolved (or open again)."""
    workflow.resolve_thread(db.session.get(Plan, comment.plan_id), comment, user,
                            resolved=resolved)


def open_comment_counts(plan: Plan) -> dict[str, int]:
    """Open threads per block key (a thread is open until someone marks it resolved)."""
    return dict(db.session.execute(
        select(Comment.block_key, func.count(Comment.id))
        .where(Comment.plan_id == plan.id, Comment.parent_id.is_(None),
               Comment.resolved_at.is_(None), Comment.report_id.is_(None))
        .group_by(Comment.block_key)).all())


STEPS = tuple(PlanStatus)


def steps(plan: Plan) -> list[dict]:
    """The status as steps: each with its label and whether it is done, current or to come
    ("changes requested" is shown only when the plan went through it)."""
    reached = set(db.session.scalars(select(PlanEvent.to_status).where(
        PlanEvent.plan_id == plan.id, PlanEvent.to_status.is_not(None),
        PlanEvent.report_id.is_(None))))
    current = STEPS.index(plan.status) if plan.status in STEPS else 0
    result = []
    for index, key in enumerate(STEPS):
        if (key == PlanStatus.CHANGES_REQUESTED and key not in reached
                and plan.status != key):
            continue
        state = "current" if index == current else ("done" if index < current else "todo")
        if (plan.status == PlanStatus.CHANGES_REQUESTED
                and key in (PlanStatus.SUBMITTED, PlanStatus.IN_REVIEW)):
            state = "done"
        result.append({"key": key, "label": str(key.label), "state": state})
    return result


# The actions whose note lists the sections they concern.
_ABOUT_SECTIONS = {PlanAction.SAVED, PlanAction.COMMENTED, PlanAction.REPLIED,
                   PlanAction.RESOLVED}


def history(plan: Plan, lang: str) -> list[dict]:
    """The plan's events in words for a reader of ``lang``: who, what (a translated phrase),
    the sections concerned by title, the status reached, and any note."""
    titles = {b["key"]: b["title"][lang] for b in plan.template.blocks}
    entries = []
    for event in events(plan):
        sections = [titles.get(key, key) for key in (event.note or "").split(",") if key] \
            if event.action in _ABOUT_SECTIONS else []
        entries.append({
            "at": event.at, "actor": event.actor.name if event.actor else _("the platform"),
            "action": str(action.label) if (action := PlanAction.parse(event.action))
            else event.action,
            "sections": sections,
            "status": str(status.label) if (status := PlanStatus.parse(event.to_status))
            else "",
            "note": event.note if event.action == PlanAction.CHANGES_REQUESTED else "",
        })
    return entries


def diff(template: PlanTemplate, old: dict, new: dict, lang: str) -> list[dict]:
    """A readable diff per block between two contents: lines added, removed or kept (a table
    row is one line); each section also names its ``block``."""
    sections = workflow.diff_sections(((b["key"], b["title"][lang]) for b in template.blocks),
                                      as_text(template, old, lang), as_text(template, new, lang))
    return [{**section, "block": block} for section, block in zip(sections, template.blocks,
                                                                   strict=True)]


def status_counts() -> dict[str, int]:
    """How many plans are at each status now (every status, zero included)."""
    counts = dict.fromkeys((status.value for status in PlanStatus), 0)
    counts.update(db.session.execute(select(Plan.status, func.count()).group_by(Plan.status)).all())
    return counts


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


# ---------------------------------------------------------------- a person's own data


PERSONAL_TABLES = {
    "plan_edits": Table(_l("What you did to plans: started, saved, submitted, reviewed."),
                        ("plan_id", "action", "from_status", "to_status", "note", "at")),
    "plan_revisions_submitted": Table(_l("The plan versions you submitted."),
                                      ("plan_id", "number", "submitted_at")),
    "plan_blocks_last_saved": Table(_l("The plan sections you saved last, with their text."),
                                    ("plan_id", "block", "updated_at", "content")),
    "plan_comments": Table(_l("The comments you wrote on plans and monitoring reports."),
                           ("plan_id", "block", "body", "created_at", "reply_to")),
}


def export_for_user(user_id: int) -> dict[str, list[dict]]:
    """The person's work on plans (core.personal_data): what they did to plans (started,
    saved, submitted, reviewed…), the revisions they submitted, the blocks they saved last
    and the comments they wrote."""
    from .models import PlanBlock

    events = db.session.scalars(select(PlanEvent).where(PlanEvent.actor_id == user_id)
                                .order_by(PlanEvent.id))
    submitted = db.session.scalars(select(Revision).where(Revision.submitted_by_id == user_id)
                                   .order_by(Revision.id))
    blocks = db.session.scalars(select(PlanBlock).where(PlanBlock.updated_by_id == user_id)
                                .order_by(PlanBlock.id))
    written = db.session.scalars(select(Comment).where(Comment.author_id == user_id)
                                 .order_by(Comment.id))
    return {
        "plan_edits": [{"plan_id": e.plan_id, "action": e.action, "from_status": e.from_status,
                        "to_status": e.to_status, "note": e.note, "at": e.at}
                       for e in events],
        "plan_revisions_submitted": [{"plan_id": r.plan_id, "number": r.number,
                                      "submitted_at": r.submitted_at} for r in submitted],
        "plan_blocks_last_saved": [{"plan_id": b.plan_id, "block": b.block_key,
                                    "updated_at": b.updated_at, "content": b.content}
                                   for b in blocks],
        "plan_comments": [{"plan_id": c.plan_id, "block": c.block_key, "body": c.body,
                           "created_at": c.created_at, "reply_to": c.parent_id}
                          for c in written],
    }


# ---------------------------------------------------------------- home pages


def municipality_summary(municipality_id: int, today: date | None = None) -> dict | None:
    """What a focal point's home shows of their municipality's newest plan: the plan, its
    status as steps, sections complete, days to the deadline, open comment threads and the
    day of the deadline reminder (None once it is past or the plan is submitted). Five
    queries, whatever the number of plans, comments and events; None without a plan."""
    today = today or clock.today()
    plans = plans_of(municipality_id)
    if not plans:
        return None
    plan = plans[0]
    editable = plan.status in EDITABLE
    deadline = extensions.deadline_for(plan.municipality_id, plan.cycle)
    reminder_on = deadline - timedelta(days=plan.cycle.reminder_days)
    done, total = progress(plan)
    open_counts = open_comment_counts(plan)
    return {"plan": plan, "steps": steps(plan), "done": done, "sections": total,
            "deadline": deadline, "extended": deadline != plan.cycle.deadline,
            "days_left": (deadline - today).days if editable else None,
            "open_comments": sum(open_counts.values()),
            "first_open": next(iter(open_counts), None),
            "reminder_on": reminder_on if editable and reminder_on >= today else None,
            "other_plans": plans[1:]}


def network_summary(today: date | None = None, limit: int = 5) -> dict:
    """What a coordinator's home shows of the plans: how many at each status, the overdue
    plans (past their deadline in force, not submitted) and the overdue monitoring reports
    (likewise): the first ``limit`` of each and how many in all, and how many extension
    requests wait for a decision. A constant number of queries."""
    reports = extensions.overdue_reports(today)
    return {"by_status": status_counts(),
            "extensions_pending": extensions.pending_count(),
            "overdue": queue(overdue=True, today=today, limit=limit),
            "overdue_count": queue_count(overdue=True, today=today),
            "overdue_reports": reports[:limit], "overdue_reports_count": len(reports)}
