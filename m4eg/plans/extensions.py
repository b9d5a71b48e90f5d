"""Deadline extensions: a focal point asks for more time on a cycle's deadline, with a
reason; a coordinator grants it (a new date) or refuses it. The deadline in force for a
municipality is the later of the cycle's deadline and a granted new date
(:func:`deadline_for`): the plan page, the queue's days left and "overdue" filter, and the
reminders (:func:`.notifications.remind`) all read it from here.

One request per municipality and cycle (asked twice: refused), and none once the deadline
passed more than ``PLAN_EXTENSION_GRACE_DAYS`` days ago (setting, default 14). Reporting
rounds (monitoring reports) can follow the same shape with a round id beside the cycle's.
"""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, g, has_app_context
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts import services as accounts
from ..core import time as clock
from ..core.audit import record
from ..core.outbox import queue_mail
from ..core.security import public_url
from ..core.time import utcnow
from ..extensions import db
from ..notifications import services as notifications
from ..notifications.services import Kind
from .drafting import clean_text
from .errors import PlanError
from .models import EDITABLE, Cycle, DeadlineExtension, ExtensionStatus, Plan

REASON_MAX = 2000
DEFAULT_GRACE_DAYS = 14


def grace_days() -> int:
    """How many days after a deadline an extension may still be asked."""
    return int(current_app.config.get("PLAN_EXTENSION_GRACE_DAYS", DEFAULT_GRACE_DAYS))


def _granted() -> dict[tuple[int, int], date]:
    """Every granted new deadline by (cycle id, municipality id): read once per request (a
    queue page asks for fifty plans' deadlines)."""
    cached = g.get("_m4eg_granted_deadlines") if has_app_context() else None
    if cached is not None:
        return cached
    granted = {(row.cycle_id, row.municipality_id): row.new_deadline
               for row in db.session.execute(select(
                   DeadlineExtension.cycle_id, DeadlineExtension.municipality_id,
                   DeadlineExtension.new_deadline).where(
                   DeadlineExtension.status == ExtensionStatus.GRANTED.value))}
    g._m4eg_granted_deadlines = granted
    return granted


def _forget() -> None:
    g.pop("_m4eg_granted_deadlines", None)


def deadline_for(municipality_id: int, cycle: Cycle) -> date:
    """The deadline in force for the municipality's plan of ``cycle``: the later of the
    cycle's deadline and a granted extension."""
    granted = _granted().get((cycle.id, municipality_id))
    return max(cycle.deadline, granted) if granted else cycle.deadline


def granted_deadlines(cycle: Cycle) -> dict[int, date]:
    """The municipalities of ``cycle`` with a granted extension, and their deadline."""
    return {municipality_id: max(cycle.deadline, new)
            for (cycle_id, municipality_id), new in _granted().items() if cycle_id == cycle.id}


def deadline_expression():
    """The deadline in force as SQL, for a query over plans joined with their cycle."""
    granted = (select(DeadlineExtension.new_deadline)
               .where(DeadlineExtension.cycle_id == Plan.cycle_id,
                      DeadlineExtension.municipality_id == Plan.municipality_id,
                      DeadlineExtension.status == ExtensionStatus.GRANTED.value)
               .correlate(Plan).scalar_subquery())
    return case((granted > Cycle.deadline, granted), else_=Cycle.deadline)


def request_for(municipality_id: int, cycle: Cycle) -> DeadlineExtension | None:
    return db.session.scalar(select(DeadlineExtension).where(
        DeadlineExtension.cycle_id == cycle.id,
        DeadlineExtension.municipality_id == municipality_id))


def get_request(request_id: int) -> DeadlineExtension | None:
    return db.session.get(DeadlineExtension, request_id)


def requests() -> list[DeadlineExtension]:
    """Every request, those waiting for a decision first, then the newest."""
    pending = case((DeadlineExtension.status == ExtensionStatus.PENDING.value, 0), else_=1)
    return list(db.session.scalars(select(DeadlineExtension).order_by(
        pending, DeadlineExtension.requested_at.desc(), DeadlineExtension.id.desc())))


def pending_count() -> int:
    """How many requests wait for a coordinator's decision: one query."""
    return db.session.scalar(select(func.count(DeadlineExtension.id)).where(
        DeadlineExtension.status == ExtensionStatus.PENDING.value)) or 0


def _reason(text: str, field: str) -> str:
    text = clean_text(text)
    if not text:
        raise PlanError(_l("Write the reason first."), field=field)
    if len(text) > REASON_MAX:
        raise PlanError(_l("A reason can be at most 2,000 characters."), field=field)
    return text


def ask(plan: Plan, user, reason: str, today: date | None = None) -> DeadlineExtension:
    """Ask for more time on the deadline of the plan's cycle, for ``reason``. Refused for a
    plan already handed in, a second request for the same cycle, and once the deadline
    passed more than :func:`grace_days` days ago."""
    reason = _reason(reason, "reason")
    today = today or clock.today()
    if plan.status not in EDITABLE:
        raise PlanError(_l("Your plan has already been submitted: its deadline no longer "
                           "applies."))
    if request_for(plan.municipality_id, plan.cycle) is not None:
        raise PlanError(_l("Your municipality has already asked for an extension of this "
                           "deadline: a second request is not possible."))
    deadline = deadline_for(plan.municipality_id, plan.cycle)
    if today > deadline + timedelta(days=grace_days()):
        raise PlanError(_l("The deadline passed on %(date)s, more than %(days)d days ago: an "
                           "extension can no longer be asked here. Write to the network "
                           "coordinators.", date=format_date(deadline, "long"),
                           days=grace_days()))
    extension = DeadlineExtension(cycle_id=plan.cycle_id, municipality_id=plan.municipality_id,
                                  reason=reason, requested_by_id=user.id,
                                  previous_deadline=deadline)
    try:
        with db.session.begin_nested():
            db.session.add(extension)
    except IntegrityError as error:  # the same request sent twice at once
        raise PlanError(_l("Your municipality has already asked for an extension of this "
                           "deadline: a second request is not possible.")) from error
    record("plans.extension_asked", actor=user, target=extension,
           after={"cycle": plan.cycle_id, "municipality": plan.municipality_id,
                  "reason": reason})
    for person in accounts.coordinators():
        _mail(person, extension, lambda: _("%(municipality)s asks for more time for its P4EG "
                                           "plan", municipality=extension.municipality.name),
              lambda: _(
            "%(municipality)s asks for more time to hand in its P4EG plan for the cycle "
            "%(cycle)s (due %(deadline)s).\n\nReason:\n%(reason)s"),
            lambda: _("P4EG plan: a request for more time"), "plans.extension_list")
    return extension


def _decide(extension: DeadlineExtension, user, status: ExtensionStatus, **values) -> None:
    decided = db.session.execute(
        update(DeadlineExtension).where(DeadlineExtension.id == extension.id,
                                        DeadlineExtension.status ==
                                        ExtensionStatus.PENDING.value)
        .values(status=status.value, decided_by_id=user.id, decided_at=utcnow(), **values)
        .execution_options(synchronize_session=False))
    if decided.rowcount != 1:
        db.session.refresh(extension)
        raise PlanError(_l("This request has already been decided: %(status)s.",
                           status=extension.status_label))
    db.session.expire(extension)
    _forget()
    record(f"plans.extension_{status.value}", actor=user, target=extension,
           after={key: str(value) for key, value in values.items()})


def grant(extension: DeadlineExtension, user, new_deadline: date, note: str = "",
          today: date | None = None) -> None:
    """Grant more time: ``new_deadline`` must be later than the deadline asked about and
    not in the past."""
    today = today or clock.today()
    if new_deadline <= extension.previous_deadline or new_deadline < today:
        raise PlanError(_l("The new deadline must be later than %(date)s and not in the past.",
                           date=format_date(max(extension.previous_deadline, today), "long")),
                        field="new_deadline")
    note = clean_text(note)[:REASON_MAX]
    _decide(extension, user, ExtensionStatus.GRANTED, new_deadline=new_deadline,
            decision_note=note)
    _tell_focal_points(extension)


def refuse(extension: DeadlineExtension, user, note: str) -> None:
    """Refuse more time, saying why (the municipality is told)."""
    _decide(extension, user, ExtensionStatus.REFUSED, decision_note=_reason(note, "note"))
    _tell_focal_points(extension)


def _tell_focal_points(extension: DeadlineExtension) -> None:
    def text():
        if extension.status == ExtensionStatus.GRANTED:
            words = _("Your request for more time for the P4EG plan of the cycle %(cycle)s is "
                      "granted: the new deadline is %(new)s.")
        else:
            words = _("Your request for more time for the P4EG plan of the cycle %(cycle)s is "
                      "refused: the deadline stays %(deadline)s.")
        if extension.decision_note:
            words += "\n\n" + _("Coordinator's note:") + "\n%(note)s"
        return words

    def title():
        if extension.status == ExtensionStatus.GRANTED:
            return _("More time for your P4EG plan is granted: until %(date)s",
                     date=format_date(extension.new_deadline, "long"))
        return _("More time for your P4EG plan is refused")

    for person in accounts.focal_points(extension.municipality_id):
        _mail(person, extension, title, text, lambda: _("P4EG plan: your request for more time"),
              "plans.index")


def _mail(person, extension: DeadlineExtension, title, text, subject, endpoint: str) -> None:
    """Notify ``person`` (``title``) and, unless they turned that kind off, queue a mail in
    their language: ``title``, ``text`` and ``subject`` are functions, called in that
    language (``text`` has %(name)s placeholders for the request's facts)."""
    if not notifications.notify(person, Kind.PLAN_EXTENSION, title, endpoint):
        return
    language = person.preferred_language
    with force_locale(language):
        body = _("Hello %(name)s,", name=person.name) + "\n\n" + text() % {
            "municipality": extension.municipality.name, "cycle": extension.cycle.name,
            "deadline": format_date(extension.previous_deadline, "long"),
            "new": format_date(extension.new_deadline, "long") if extension.new_deadline
            else "", "reason": extension.reason, "note": extension.decision_note}
        link = public_url(endpoint, default="", lang_code=language)
        if link:
            body += "\n\n" + link
        body += "\n\n" + _("M4EG Azerbaijan")
        queue_mail(person.email, subject(), body)
