"""Deadline extensions: a focal point asks for more time on a deadline, with a reason; a
coordinator grants it (a new date) or refuses it. A deadline is a cycle's (the plan's) or a
reporting round's (the monitoring report's): both are a *subject* with an ``id`` and a
``deadline``, and every function here takes either. The deadline in force for a municipality
is the later of the subject's deadline and a granted new date (:func:`deadline_for`): the
plan page, the report page, the queue's days left and "overdue" filter, the overdue reports
(:func:`overdue_reports`) and the reminders (:func:`.notifications.remind`) all read it here.

One request per municipality and subject (asked twice: refused), and none once the deadline
passed more than ``PLAN_EXTENSION_GRACE_DAYS`` days ago (setting, default 14).
"""

from __future__ import annotations

from dataclasses import dataclass
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
from .models import EDITABLE, Cycle, DeadlineExtension, ExtensionStatus, Plan, PlanStatus
from .monitoring_models import (
    REPORT_EDITABLE,
    MonitoringReport,
    MonitoringRound,
    ReportStatus,
)

REASON_MAX = 2000
DEFAULT_GRACE_DAYS = 14
ALREADY_ASKED = _l("Your municipality has already asked for an extension of this deadline: a "
                   "second request is not possible.")


def grace_days() -> int:
    """How many days after a deadline an extension may still be asked."""
    return int(current_app.config.get("PLAN_EXTENSION_GRACE_DAYS", DEFAULT_GRACE_DAYS))


def _column(subject):
    """The request's column that names ``subject`` (a cycle or a reporting round)."""
    return (DeadlineExtension.round_id if isinstance(subject, MonitoringRound)
            else DeadlineExtension.cycle_id)


def _key(subject) -> tuple[str, int]:
    return ("round" if isinstance(subject, MonitoringRound) else "cycle", subject.id)


def _granted() -> dict[tuple[str, int, int], date]:
    """Every granted new deadline by (kind, cycle or round id, municipality id): read once
    per request (a queue page asks for fifty plans' deadlines)."""
    cached = g.get("_m4eg_granted_deadlines") if has_app_context() else None
    if cached is not None:
        return cached
    granted = {}
    for row in db.session.execute(select(
            DeadlineExtension.cycle_id, DeadlineExtension.round_id,
            DeadlineExtension.municipality_id, DeadlineExtension.new_deadline).where(
            DeadlineExtension.status == ExtensionStatus.GRANTED.value)):
        key = ("round", row.round_id) if row.round_id is not None else ("cycle", row.cycle_id)
        granted[(*key, row.municipality_id)] = row.new_deadline
    g._m4eg_granted_deadlines = granted
    return granted


def _forget() -> None:
    g.pop("_m4eg_granted_deadlines", None)


def deadline_for(municipality_id: int, subject: Cycle | MonitoringRound) -> date:
    """The deadline in force for the municipality's plan of a cycle or its monitoring report
    of a round: the later of the subject's deadline and a granted extension."""
    granted = _granted().get((*_key(subject), municipality_id))
    return max(subject.deadline, granted) if granted else subject.deadline


def granted_deadlines(subject: Cycle | MonitoringRound) -> dict[int, date]:
    """The municipalities with a granted extension of ``subject``, and their deadline."""
    kind, subject_id = _key(subject)
    return {municipality_id: max(subject.deadline, new)
            for (k, key_id, municipality_id), new in _granted().items()
            if (k, key_id) == (kind, subject_id)}


def deadline_expression():
    """The deadline in force as SQL, for a query over plans joined with their cycle."""
    granted = (select(DeadlineExtension.new_deadline)
               .where(DeadlineExtension.cycle_id == Plan.cycle_id,
                      DeadlineExtension.municipality_id == Plan.municipality_id,
                      DeadlineExtension.status == ExtensionStatus.GRANTED.value)
               .correlate(Plan).scalar_subquery())
    return case((granted > Cycle.deadline, granted), else_=Cycle.deadline)


def request_for(municipality_id: int,
                subject: Cycle | MonitoringRound) -> DeadlineExtension | None:
    """The municipality's request about ``subject`` (a cycle or a round), if any."""
    return db.session.scalar(select(DeadlineExtension).where(
        _column(subject) == subject.id, DeadlineExtension.municipality_id == municipality_id))


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


def report_status(plan: Plan, round_: MonitoringRound) -> ReportStatus | None:
    """The status of the plan's monitoring report for ``round_`` (None: not started)."""
    return ReportStatus.parse(db.session.scalar(select(MonitoringReport.status).where(
        MonitoringReport.plan_id == plan.id, MonitoringReport.round_id == round_.id)))


def _check_round(plan: Plan, round_: MonitoringRound) -> None:
    """A round's deadline applies to an approved plan of its cycle whose report for it is
    not handed in yet."""
    if plan.status != PlanStatus.APPROVED or round_.cycle_id != plan.cycle_id:
        raise PlanError(_l("Your municipality has no approved plan for the cycle of this "
                           "round: it has no monitoring report due."))
    status = report_status(plan, round_)
    if status is not None and status not in REPORT_EDITABLE:
        raise PlanError(_l("Your monitoring report for this round has already been "
                           "submitted: its deadline no longer applies."))


PLAN_HANDED_IN = _l("Your plan has already been submitted: its deadline no longer applies.")


def why_not(plan: Plan, subject: Cycle | MonitoringRound):
    """Why no request about ``subject`` can be sent for the plan any more (the plan or the
    round's report handed in, or no approved plan for the round), or None: the rule
    :func:`ask` applies, for the request page to show instead of its form."""
    if isinstance(subject, MonitoringRound):
        try:
            _check_round(plan, subject)
        except PlanError as error:
            return error.message
        return None
    return None if plan.status in EDITABLE else PLAN_HANDED_IN


def may_ask(plan: Plan, subject: Cycle | MonitoringRound) -> bool:
    """Whether a request about ``subject`` could be sent for the plan now (the pages offer
    the link only then; :func:`ask` decides)."""
    if request_for(plan.municipality_id, subject) is not None:
        return False
    if isinstance(subject, MonitoringRound):
        try:
            _check_round(plan, subject)
        except PlanError:
            return False
        return True
    return plan.status in EDITABLE


def ask(plan: Plan, user, reason: str, today: date | None = None,
        round_: MonitoringRound | None = None) -> DeadlineExtension:
    """Ask for more time on the deadline of the plan's cycle or, with ``round_``, of the
    plan's monitoring report for that round, for ``reason``. Refused for someone of another
    municipality, a plan (a report) already handed in, a round the municipality has no
    approved plan for, a second request about the same deadline, and once the deadline
    passed more than :func:`grace_days` days ago."""
    reason = _reason(reason, "reason")
    today = today or clock.today()
    if getattr(user, "municipality_id", None) != plan.municipality_id:
        raise PlanError(_l("Only the municipality's own people can ask for more time for its "
                           "deadlines."))
    if round_ is None:
        subject = plan.cycle
        if plan.status not in EDITABLE:
            raise PlanError(PLAN_HANDED_IN)
    else:
        subject = round_
        _check_round(plan, round_)
    if request_for(plan.municipality_id, subject) is not None:
        raise PlanError(ALREADY_ASKED)
    deadline = deadline_for(plan.municipality_id, subject)
    if today > deadline + timedelta(days=grace_days()):
        raise PlanError(_l("The deadline passed on %(date)s, more than %(days)d days ago: an "
                           "extension can no longer be asked here. Write to the network "
                           "coordinators.", date=format_date(deadline, "long"),
                           days=grace_days()))
    extension = DeadlineExtension(municipality_id=plan.municipality_id, reason=reason,
                                  requested_by_id=user.id, previous_deadline=deadline)
    setattr(extension, _column(subject).key, subject.id)
    try:
        with db.session.begin_nested():
            db.session.add(extension)
    except IntegrityError as error:  # the same request sent twice at once
        raise PlanError(ALREADY_ASKED) from error
    record("plans.extension_asked", actor=user, target=extension,
           after={_column(subject).key: subject.id, "municipality": plan.municipality_id,
                  "reason": reason})
    for person in accounts.coordinators():
        _mail(person, extension, *_asked_words(extension), "plans.extension_list")
    return extension


def _asked_words(extension: DeadlineExtension):
    """The coordinators' notification title, mail text and subject of a new request."""
    if extension.round_id is not None:
        return (lambda: _("%(municipality)s asks for more time for its monitoring report "
                          "%(round)s", municipality=extension.municipality.name,
                          round=extension.round.name),
                lambda: _("%(municipality)s asks for more time to hand in its monitoring "
                          "report %(round)s of the cycle %(cycle)s (due %(deadline)s)."
                          "\n\nReason:\n%(reason)s"),
                lambda: _("Monitoring report: a request for more time"))
    return (lambda: _("%(municipality)s asks for more time for its P4EG plan",
                      municipality=extension.municipality.name),
            lambda: _("%(municipality)s asks for more time to hand in its P4EG plan for the "
                      "cycle %(cycle)s (due %(deadline)s).\n\nReason:\n%(reason)s"),
            lambda: _("P4EG plan: a request for more time"))


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


def deadline_in_force(extension: DeadlineExtension) -> date:
    """The deadline in force now for what ``extension`` is about: the round's or cycle's
    current deadline (a coordinator may have moved it since the request was made)."""
    subject = extension.round if extension.round_id is not None else extension.cycle
    return deadline_for(extension.municipality_id, subject)


def grant(extension: DeadlineExtension, user, new_deadline: date, note: str = "",
          today: date | None = None) -> None:
    """Grant more time: ``new_deadline`` must be later than the deadline in force now (not
    the one asked about, which the coordinators may have moved since) and not in the
    past."""
    today = today or clock.today()
    current = deadline_in_force(extension)
    if new_deadline <= current or new_deadline < today:
        raise PlanError(_l("The new deadline must be later than %(date)s and not in the past.",
                           date=format_date(max(current, today), "long")),
                        field="new_deadline")
    note = clean_text(note)[:REASON_MAX]
    _decide(extension, user, ExtensionStatus.GRANTED, new_deadline=new_deadline,
            decision_note=note)
    _tell_focal_points(extension)


def refuse(extension: DeadlineExtension, user, note: str) -> None:
    """Refuse more time, saying why (the municipality is told)."""
    _decide(extension, user, ExtensionStatus.REFUSED, decision_note=_reason(note, "note"))
    _tell_focal_points(extension)


def _decided_words(extension: DeadlineExtension):
    """The focal points' notification title, mail text and subject of a decision."""
    granted = extension.status == ExtensionStatus.GRANTED

    def new():  # in the language of the moment the title is written in
        return format_date(extension.new_deadline, "long")

    if extension.round_id is not None:
        name = extension.round.name
        title = ((lambda: _("More time for your monitoring report %(round)s is granted: until "
                            "%(date)s", round=name, date=new())) if granted else
                 (lambda: _("More time for your monitoring report %(round)s is refused",
                            round=name)))
        text = ((lambda: _("Your request for more time for the monitoring report %(round)s "
                           "is granted: the new deadline is %(new)s.")) if granted else
                (lambda: _("Your request for more time for the monitoring report %(round)s "
                           "is refused: the deadline stays %(deadline)s.")))
        return title, text, lambda: _("Monitoring report: your request for more time")
    title = ((lambda: _("More time for your P4EG plan is granted: until %(date)s", date=new()))
             if granted else (lambda: _("More time for your P4EG plan is refused")))
    text = ((lambda: _("Your request for more time for the P4EG plan of the cycle %(cycle)s is "
                       "granted: the new deadline is %(new)s.")) if granted else
            (lambda: _("Your request for more time for the P4EG plan of the cycle %(cycle)s is "
                       "refused: the deadline stays %(deadline)s.")))
    return title, text, lambda: _("P4EG plan: your request for more time")


def _tell_focal_points(extension: DeadlineExtension) -> None:
    title, words, subject = _decided_words(extension)

    def text():
        if extension.decision_note:
            return words() + "\n\n" + _("Coordinator's note:") + "\n%(note)s"
        return words()

    for person in accounts.focal_points(extension.municipality_id):
        _mail(person, extension, title, text, subject, "plans.index")


def _mail(person, extension: DeadlineExtension, title, text, subject, endpoint: str) -> None:
    """Notify ``person`` (``title``) and, unless they turned that kind off, queue a mail in
    their language: ``title``, ``text`` and ``subject`` are functions, called in that
    language (``text`` has %(name)s placeholders for the request's facts)."""
    if not notifications.notify(person, Kind.PLAN_EXTENSION, title, endpoint):
        return
    language = person.preferred_language
    cycle = extension.round.cycle if extension.round is not None else extension.cycle
    with force_locale(language):
        body = _("Hello %(name)s,", name=person.name) + "\n\n" + text() % {
            "municipality": extension.municipality.name, "cycle": cycle.name,
            "round": extension.round.name if extension.round is not None else "",
            "deadline": format_date(extension.previous_deadline, "long"),
            "new": format_date(extension.new_deadline, "long") if extension.new_deadline
            else "", "reason": extension.reason, "note": extension.decision_note}
        link = public_url(endpoint, default="", lang_code=language)
        if link:
            body += "\n\n" + link
        body += "\n\n" + _("M4EG Azerbaijan")
        queue_mail(person.email, subject(), body)


# ---------------------------------------------------------------- monitoring reports due


@dataclass(frozen=True)
class DueReport:
    """An approved plan's monitoring report for a round, not handed in (``report`` None:
    not started), and the deadline in force for it."""

    plan: Plan
    round: MonitoringRound
    report: MonitoringReport | None
    deadline: date


def due_reports(rounds: list[MonitoringRound] | None = None) -> list[DueReport]:
    """Every monitoring report due and not handed in: for each round (of ``rounds``, or all)
    and each approved plan of its cycle, unless the plan's report for the round is
    submitted, in review or accepted. Three queries, earliest deadline first."""
    if rounds is None:
        rounds = list(db.session.scalars(select(MonitoringRound)))
    if not rounds:
        return []
    plans: dict[int, list[Plan]] = {}
    for plan in db.session.scalars(select(Plan).where(
            Plan.cycle_id.in_({r.cycle_id for r in rounds}),
            Plan.status == PlanStatus.APPROVED.value).order_by(Plan.id)):
        plans.setdefault(plan.cycle_id, []).append(plan)
    reports = {(r.plan_id, r.round_id): r for r in db.session.scalars(
        select(MonitoringReport).where(MonitoringReport.round_id.in_([r.id for r in rounds])))}
    due = []
    for round_ in rounds:
        for plan in plans.get(round_.cycle_id, []):
            report = reports.get((plan.id, round_.id))
            if report is None or report.status in REPORT_EDITABLE:
                due.append(DueReport(plan, round_, report,
                                     deadline_for(plan.municipality_id, round_)))
    return sorted(due, key=lambda d: (d.deadline, d.round.id, d.plan.municipality.name))


def overdue_reports(today: date | None = None) -> list[DueReport]:
    """The monitoring reports past the deadline in force (a granted extension counts) and
    not handed in, earliest deadline first."""
    today = today or clock.today()
    return [d for d in due_reports() if d.deadline < today]
