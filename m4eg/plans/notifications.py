"""The notifications and mail the plan rules send: status changes, new comments and deadline
reminders, each in the language of the person it goes to (a notification in the platform
always; the mail unless the person turned that kind off)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from flask_babel import force_locale, format_date, ngettext
from flask_babel import gettext as _
from sqlalchemy import select

from ..accounts import services as accounts
from ..core import time as clock
from ..core.i18n import current_language
from ..core.outbox import queue_mail
from ..core.security import public_url
from ..extensions import db
from ..notifications import services as notifications
from ..notifications.services import Kind
from . import extensions
from .models import EDITABLE, Comment, Cycle, Plan, PlanAction, ReminderSent
from .plan_templates import cycles


def notify_comment(plan: Plan, comment: Comment, parent: Comment | None, author) -> None:
    """Tell the other side of the conversation (:func:`comment_audience`)."""
    people = comment_audience(plan, parent, author)
    block = plan.template.block(comment.block_key)

    def title():
        return _("%(author)s wrote about «%(section)s» in the P4EG plan of %(municipality)s",
                 author=author.name, municipality=plan.municipality.name,
                 section=block["title"][current_language()] if block else comment.block_key)

    def mail(person):
        language = person.preferred_language
        body = _("Hello %(name)s,\n\n%(author)s wrote about the section «%(section)s» of "
                 "the P4EG plan of %(municipality)s:", name=person.name, author=author.name,
                 section=block["title"][language] if block else comment.block_key,
                 municipality=plan.municipality.name)
        excerpt = comment.body if len(comment.body) <= 600 else comment.body[:600] + "…"
        body += "\n\n" + excerpt
        link = plan_link(plan, language)
        if link:
            body += "\n\n" + _("Answer on the plan page: %(link)s", link=link)
        body += "\n\n" + _("M4EG Azerbaijan")
        queue_mail(person.email, _("P4EG plan: a new comment from %(author)s",
                                   author=author.name), body)

    tell(people.values(), Kind.PLAN_COMMENT, title, "plans.show", mail,
         anchor=f"#block-{comment.block_key}", plan_id=plan.id)


def comment_audience(plan: Plan, parent: Comment | None, author) -> dict:
    """Who hears of a new comment on the plan or one of its reports, by id: the
    municipality's focal points and everyone who wrote in the thread; a new thread opened by
    someone of the municipality goes to the coordinators. Never the author."""
    people = {person.id: person for person in accounts.focal_points(plan.municipality_id)}
    if parent is not None:
        writers = accounts.users(db.session.scalars(
            select(Comment.author_id).where((Comment.id == parent.id)
                                            | (Comment.parent_id == parent.id))))
        people.update({person.id: person for person in writers})
    elif author.municipality_id == plan.municipality_id:
        people.update({person.id: person for person in accounts.coordinators()})
    people.pop(author.id, None)
    return people


def tell(people, kind: Kind, title, endpoint: str, mail, *, anchor: str = "",
         **link_args) -> int:
    """A notification for each person (``title`` called in each language) linking to
    ``endpoint``; ``mail(person)`` queues their mail, in their language, only when they
    want this kind by email. Returns how many were told."""
    people = list(people)
    for person in people:
        if notifications.notify(person, kind, title, endpoint, anchor=anchor, **link_args):
            with force_locale(person.preferred_language):
                mail(person)
    return len(people)


def _public_link(endpoint: str, lang: str, **values) -> str:
    """A page's absolute address for a mail ("" for a cron job on a machine without a
    configured public address)."""
    return public_url(endpoint, default="", lang_code=lang, **values)


def plan_link(plan: Plan, lang: str) -> str:
    """The plan page's absolute address for a mail ("" when none can be built)."""
    return _public_link("plans.show", lang, plan_id=plan.id)


def notify(plan: Plan, action: str, note: str = "") -> int:
    """Email the people concerned by a status change, each in their own language."""
    people = (accounts.coordinators() if action == PlanAction.SUBMITTED
              else accounts.focal_points(plan.municipality_id))

    def title():
        return _("The P4EG plan of %(municipality)s is now: %(status)s",
                 municipality=plan.municipality.name, status=plan.status_label)

    def mail(person):
        status = plan.status_label
        body = _("Hello %(name)s,\n\nThe P4EG plan of %(municipality)s for the cycle "
                 "%(cycle)s is now: %(status)s.", name=person.name,
                 municipality=plan.municipality.name, cycle=plan.cycle.name, status=status)
        if note:
            body += "\n\n" + _("Reviewer's note:") + "\n" + note
        link = plan_link(plan, person.preferred_language)
        if link:
            body += "\n\n" + _("Open the plan: %(link)s", link=link)
        body += "\n\n" + _("M4EG Azerbaijan")
        queue_mail(person.email, _("P4EG plan: %(status)s", status=status), body)

    return tell(people, Kind.PLAN_STATUS, title, "plans.show", mail, plan_id=plan.id)


def remind(today: date | None = None) -> int:
    """Email focal points whose plan for a cycle is not submitted, or whose monitoring report
    for a round is not handed in, when the deadline in force is the cycle's (the round's)
    ``reminder_days`` away or closer; each reminder is sent once. Returns how many went."""
    today = today or clock.today()
    by_municipality = defaultdict(list)  # the same for every cycle and round: read once
    for user in accounts.focal_points_of_active_members():
        by_municipality[user.municipality_id].append(user)
    return _remind_plans(today, by_municipality) + _remind_reports(today, by_municipality)


def _remind_plans(today: date, by_municipality: dict) -> int:
    sent = 0
    for cycle in cycles():
        # A municipality granted more time is reminded before its own deadline.
        granted = extensions.granted_deadlines(cycle)
        left = (cycle.deadline - today).days
        if not granted and (left < 0 or left > cycle.reminder_days):
            continue
        done = set(db.session.execute(select(ReminderSent.municipality_id, ReminderSent.kind)
                                      .where(ReminderSent.cycle_id == cycle.id)).all())
        submitted = set(db.session.scalars(select(Plan.municipality_id).where(
            Plan.cycle_id == cycle.id, Plan.status.not_in(EDITABLE))))
        for municipality_id, users in by_municipality.items():
            deadline = granted.get(municipality_id, cycle.deadline)
            left = (deadline - today).days
            if left < 0 or left > cycle.reminder_days:
                continue
            kind = _reminder_kind(cycle, deadline)
            if (municipality_id, kind) in done or municipality_id in submitted:
                continue
            for user in users:
                _queue_reminder(user, cycle, left, deadline)
                sent += 1
            db.session.add(ReminderSent(municipality_id=municipality_id, cycle_id=cycle.id,
                                        kind=kind))
        db.session.flush()
    return sent


def _reminder_kind(cycle: Cycle, deadline: date) -> str:
    """What a reminder is about: the cycle's deadline, or a granted one (then its date)."""
    kind = f"deadline-{cycle.reminder_days}"
    return kind if deadline == cycle.deadline else f"{kind}-{deadline.isoformat()}"


def _queue_reminder(user, cycle: Cycle, left: int, deadline: date) -> None:
    def title():
        return ngettext("The P4EG plan for the cycle %(cycle)s is due in %(num)d day",
                        "The P4EG plan for the cycle %(cycle)s is due in %(num)d days", left,
                        cycle=cycle.name)

    if not notifications.notify(user, Kind.PLAN_REMINDER, title, "plans.index"):
        return
    language = user.preferred_language
    with force_locale(language):
        body = _("Hello %(name)s,\n\nThe P4EG plan of your municipality for the cycle "
                 "%(cycle)s is due on %(deadline)s and has not been submitted yet.",
                 name=user.name, cycle=cycle.name,
                 deadline=format_date(deadline, "long"))
        link = _public_link("plans.index", language)
        if link:
            body += "\n\n" + _("Open your plans: %(link)s", link=link)
        body += "\n\n" + _("M4EG Azerbaijan")
        queue_mail(user.email, _("P4EG plan: %(days)d days to the deadline", days=left), body)


def _remind_reports(today: date, by_municipality: dict) -> int:
    """The monitoring reports due: one reminder per round and municipality (a granted new
    date is a new deadline, reminded once more). The reminders sent are rows of
    ``plan_reminders`` of the round's cycle, their kind naming the round."""
    due = [d for d in extensions.due_reports()
           if 0 <= (d.deadline - today).days <= d.round.reminder_days]
    if not due:
        return 0
    done = set(db.session.execute(select(ReminderSent.municipality_id, ReminderSent.kind)
                                  .where(ReminderSent.kind.like("round-%"))).all())
    sent = 0
    for item in due:
        municipality_id = item.plan.municipality_id
        kind = f"round-{item.round.id}-{item.round.reminder_days}"
        if item.deadline != item.round.deadline:
            kind += f"-{item.deadline.isoformat()}"
        users = by_municipality.get(municipality_id)
        if not users or (municipality_id, kind) in done:
            continue
        for user in users:
            _queue_report_reminder(user, item, (item.deadline - today).days)
            sent += 1
        db.session.add(ReminderSent(municipality_id=municipality_id,
                                    cycle_id=item.round.cycle_id, kind=kind))
        done.add((municipality_id, kind))
    db.session.flush()
    return sent


def _queue_report_reminder(user, item, left: int) -> None:
    def title():
        return ngettext("The monitoring report %(round)s is due in %(num)d day",
                        "The monitoring report %(round)s is due in %(num)d days", left,
                        round=item.round.name)

    endpoint, values = (("plans.report", {"report_id": item.report.id}) if item.report
                        else ("plans.show", {"plan_id": item.plan.id}))
    if not notifications.notify(user, Kind.PLAN_REMINDER, title, endpoint, **values):
        return
    language = user.preferred_language
    with force_locale(language):
        body = _("Hello %(name)s,\n\nThe monitoring report %(round)s of your municipality's "
                 "P4EG plan is due on %(deadline)s and has not been submitted yet.",
                 name=user.name, round=item.round.name,
                 deadline=format_date(item.deadline, "long"))
        link = _public_link(endpoint, language, **values)
        if link:
            body += "\n\n" + _("Open it: %(link)s", link=link)
        body += "\n\n" + _("M4EG Azerbaijan")
        queue_mail(user.email, ngettext("Monitoring report: %(num)d day to the deadline",
                                        "Monitoring report: %(num)d days to the deadline",
                                        left), body)
