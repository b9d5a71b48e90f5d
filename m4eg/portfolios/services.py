"""Portfolio rules: the option status pipeline, milestones (overdue), activities (feeding the
key figures), sensemaking sessions, stories, and the coordinators' board (stalled after 60
days without an update)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.orm import lazyload

from ..core import time as clock
from ..core import versions
from ..core.errors import DomainError
from ..core.time import utcnow
from ..extensions import db
from ..municipalities.services import TRACKS
from .models import (
    Activity,
    ActivityKind,
    Bilingual,
    GrantPhase,
    Milestone,
    Option,
    OptionStatus,
    Portfolio,
    SensemakingSession,
    StatusChange,
    Story,
)

STALLED_AFTER_DAYS = 60
# The pipeline: forward one step at a time; pause or drop from any open state (with a
# reason); a paused option resumes where it can; completed and dropped are final.
_S = OptionStatus
TRANSITIONS = {
    _S.IDEA: {_S.DESIGNED, _S.PAUSED, _S.DROPPED},
    _S.DESIGNED: {_S.PROCUREMENT, _S.IMPLEMENTING, _S.PAUSED, _S.DROPPED},
    _S.PROCUREMENT: {_S.IMPLEMENTING, _S.PAUSED, _S.DROPPED},
    _S.IMPLEMENTING: {_S.COMPLETED, _S.PAUSED, _S.DROPPED},
    _S.PAUSED: {_S.IDEA, _S.DESIGNED, _S.PROCUREMENT, _S.IMPLEMENTING, _S.DROPPED},
    _S.NOT_STATED: {_S.IDEA, _S.DESIGNED, _S.PROCUREMENT, _S.IMPLEMENTING, _S.COMPLETED,
                    _S.PAUSED, _S.DROPPED},
    _S.COMPLETED: set(),
    _S.DROPPED: set(),
}
NEEDS_REASON = {_S.PAUSED, _S.DROPPED}
SDG_RANGE = range(1, 18)  # the 17 Sustainable Development Goals


class PortfolioError(DomainError):
    """A portfolio rule refused the operation."""


class EditConflict(PortfolioError, versions.Conflict):
    """Someone saved the portfolio or option after the form was opened."""


def _conflict() -> EditConflict:
    return EditConflict(_l("Someone else saved this after you opened the form. Reload the "
                           "page to see their changes, then edit again."))


def _claim(record, version: int | None) -> None:
    """Claim ``record`` for an edit opened on ``version`` (see :func:`core.versions.claim`);
    a form without a version is refused like a stale one, never saved blindly."""
    versions.claim(record, version, _conflict())


def touch(portfolio: Portfolio) -> None:
    """Record that the portfolio was updated now (for the stalled flag)."""
    portfolio.last_update_at = utcnow()


def _write(record, data: dict, *, new: bool, version: int | None, portfolio: Portfolio) -> None:
    """Set ``data`` on ``record``: a new one is added to the session, an existing one is
    first claimed for the edit opened on ``version``. The portfolio counts as updated."""
    if new:
        db.session.add(record)
    else:
        _claim(record, version)
    for key, value in data.items():
        setattr(record, key, value)
    touch(portfolio)
    db.session.flush()


# ---------------------------------------------------------------- reading


def portfolios_query(track: str = ""):
    query = select(Portfolio).order_by(Portfolio.track, Portfolio.title_en, Portfolio.id)
    if track:
        query = query.where(Portfolio.track == track)
    return query


def _board_query(track: str):
    # The board counts options in SQL: the portfolios' options are not loaded with them.
    return portfolios_query(track).options(lazyload(Portfolio.options))


def board_page(track: str, page: int, per_page: int):
    """One page of the board: the pagination and its rows."""
    pagination = db.paginate(_board_query(track), page=page, per_page=per_page,
                             error_out=False)
    return pagination, board(track, items=pagination.items)


def portfolios(track: str = "") -> list[Portfolio]:
    return list(db.session.scalars(portfolios_query(track)))


def get_by_slug(slug: str) -> Portfolio | None:
    return db.session.scalar(select(Portfolio).where(Portfolio.slug == slug))


def for_municipality(municipality_id: int) -> list[Portfolio]:
    return list(db.session.scalars(select(Portfolio).where(
        Portfolio.municipality_id == municipality_id)))


def get_option(portfolio: Portfolio, option_id: int) -> Option | None:
    """The option ``option_id`` of ``portfolio`` (None when it is another portfolio's)."""
    option = db.session.get(Option, option_id)
    return option if option is not None and option.portfolio_id == portfolio.id else None


def get_milestone(portfolio: Portfolio, milestone_id: int) -> Milestone | None:
    """The milestone ``milestone_id`` of an option of ``portfolio`` (None otherwise)."""
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.option.portfolio_id != portfolio.id:
        return None
    return milestone


def timeline(portfolio: Portfolio) -> list[Activity]:
    return list(db.session.scalars(select(Activity).where(Activity.portfolio_id == portfolio.id)
                                   .order_by(Activity.on_date.desc())))


def network_events() -> list[Activity]:
    return list(db.session.scalars(select(Activity).where(Activity.portfolio_id.is_(None))
                                   .order_by(Activity.on_date.desc())))


def activities_between(start: date | None, end: date | None) -> list[Activity]:
    """Every activity (a portfolio's or a network event) dated in [start, end), oldest first
    (the annual report's list of events; the same rows :func:`activity_figures` counts)."""
    query = select(Activity).order_by(Activity.on_date, Activity.id)
    if start is not None:
        query = query.where(Activity.on_date >= start)
    if end is not None:
        query = query.where(Activity.on_date < end)
    return list(db.session.scalars(query))


def public_stories() -> list[Story]:
    """The public quotes of every portfolio, by portfolio (the annual report's quotes)."""
    return list(db.session.scalars(select(Story).where(Story.is_public.is_(True))
                                   .order_by(Story.portfolio_id, Story.id)))


def status_history(portfolio: Portfolio) -> list[StatusChange]:
    return list(db.session.scalars(
        select(StatusChange).join(Option, Option.id == StatusChange.option_id)
        .where(Option.portfolio_id == portfolio.id)
        .order_by(StatusChange.on_date.desc(), StatusChange.id.desc())))


def sessions(portfolio: Portfolio) -> list[SensemakingSession]:
    return list(db.session.scalars(select(SensemakingSession)
                                   .where(SensemakingSession.portfolio_id == portfolio.id)
                                   .order_by(SensemakingSession.on_date.desc())))


def stories(portfolio: Portfolio, *, public_only: bool) -> list[Story]:
    query = select(Story).where(Story.portfolio_id == portfolio.id).order_by(Story.id)
    if public_only:
        query = query.where(Story.is_public.is_(True))
    return list(db.session.scalars(query))


# ---------------------------------------------------------------- changes


def save_portfolio(portfolio: Portfolio | None, data: dict, *,
                   version: int | None = None) -> Portfolio:
    """Create or edit a portfolio (track, titles and intent in az/en, theme, start, SDGs).
    An edit needs the ``version`` the form was opened on."""
    if any(number not in SDG_RANGE for number in data.get("sdgs") or ()):
        raise PortfolioError(_l("SDG numbers go from 1 to 17."), field="sdgs")
    taken = db.session.scalar(select(Portfolio.id).where(Portfolio.slug == data["slug"]))
    if taken is not None and (portfolio is None or taken != portfolio.id):
        raise PortfolioError(_l("Another portfolio already uses this web address."),
                             field="slug")
    new = portfolio is None
    portfolio = Portfolio() if new else portfolio
    _write(portfolio, data, new=new, version=version, portfolio=portfolio)
    return portfolio


def save_option(portfolio: Portfolio, option: Option | None, data: dict, actor, *,
                version: int | None = None, created_on: date | None = None) -> Option:
    """Create or edit an option's description; its status changes only through
    :func:`change_status`. A new option starts as an idea, recorded on ``created_on``
    (today by default). An edit needs the ``version`` the form was opened on."""
    data = {**data, "grant_phase": data.get("grant_phase") or GrantPhase.NONE}
    if GrantPhase.get(data["grant_phase"]) is None:
        raise PortfolioError(_l("Unknown grant phase."), field="grant_phase")
    created = option is None
    if created:
        option = Option(portfolio_id=portfolio.id, status=OptionStatus.IDEA)
    _write(option, data, new=created, version=version, portfolio=portfolio)
    if created:
        db.session.add(StatusChange(option_id=option.id, from_status=None,
                                    to_status=OptionStatus.IDEA,
                                    on_date=created_on or clock.today(),
                                    actor_id=getattr(actor, "id", None)))
        db.session.flush()
    return option


def change_status(option: Option, status: str, actor, *, version: int | None,
                  reason: str = "", on_date: date | None = None) -> StatusChange:
    """Move an option along the pipeline; recorded with date and author. ``version`` is the
    option's version the status form was opened on."""
    versions.check(option, version, _conflict())  # before the rules: they read the status
    if OptionStatus.get(status) is None:
        raise PortfolioError(_l("Unknown status."), field="status")
    status = OptionStatus(status)
    if status not in TRANSITIONS[option.status]:
        raise PortfolioError(_l("An option cannot go from “%(current)s” to “%(new)s”.",
                                current=option.status_label, new=status.label),
                             field="status")
    reason = (reason or "").strip()
    if status in NEEDS_REASON and not reason:
        raise PortfolioError(_l("Say why the option is paused or dropped."), field="reason")
    on_date = on_date or clock.today()
    if on_date > clock.today():
        raise PortfolioError(_l("A status change cannot be dated in the future."),
                             field="on_date")
    previous = db.session.scalar(select(func.max(StatusChange.on_date)).where(
        StatusChange.option_id == option.id))
    if previous is not None and on_date < previous:
        raise PortfolioError(_l("A status change cannot be dated before the previous one "
                                "(%(date)s).", date=previous.isoformat()), field="on_date")
    _claim(option, version)
    change = StatusChange(option_id=option.id, from_status=option.status, to_status=status,
                          reason=reason, on_date=on_date, actor_id=getattr(actor, "id", None))
    option.status, option.status_reason = status, reason
    db.session.add(change)
    touch(option.portfolio)
    db.session.flush()
    return change


def add_milestone(option: Option, data: dict) -> Milestone:
    """Add a milestone; it cannot fall due before the portfolio starts."""
    start = option.portfolio.start_date
    if start is not None and data["due_date"] < start:
        raise PortfolioError(_l("A milestone cannot fall due before the portfolio starts "
                                "(%(date)s).", date=start.isoformat()), field="due_date")
    milestone = Milestone(**data)
    option.milestones.append(milestone)
    touch(option.portfolio)
    db.session.flush()
    return milestone


def complete_milestone(milestone: Milestone, on_date: date | None = None) -> None:
    if milestone.done_on is None:
        milestone.done_on = on_date or clock.today()
        touch(milestone.option.portfolio)
        db.session.flush()


def add_activity(portfolio: Portfolio | None, data: dict) -> Activity:
    """Record an event. Participant counts cannot be negative."""
    if ActivityKind.get(data.get("kind")) is None:
        raise PortfolioError(_l("Unknown kind of activity."), field="kind")
    for key in ("men", "women", "not_stated", "people_reached"):
        if (data.get(key) or 0) < 0:
            raise PortfolioError(_l("Counts cannot be negative."), field=key)
    activity = Activity(portfolio_id=portfolio.id if portfolio else None, **data)
    db.session.add(activity)
    if portfolio is not None:
        touch(portfolio)
    db.session.flush()
    return activity


def add_session(portfolio: Portfolio, data: dict, option_ids: list[int]) -> SensemakingSession:
    """Record a sensemaking session and the options its decisions concern."""
    options = [o for o in portfolio.options if o.id in set(option_ids)]
    if len(options) != len(set(option_ids)):
        raise PortfolioError(_l("Choose options of this portfolio."), field="option_ids")
    session = SensemakingSession(portfolio_id=portfolio.id, options=options, **data)
    db.session.add(session)
    touch(portfolio)
    db.session.flush()
    return session


def add_story(portfolio: Portfolio, data: dict) -> Story:
    """Add a quote; the person's name is needed in at least one language (the page shows
    the other language's spelling when one is missing)."""
    data = {**data, "person_name_az": (data.get("person_name_az") or "").strip(),
            "person_name_en": (data.get("person_name_en") or "").strip()}
    if not (data["person_name_az"] or data["person_name_en"]):
        raise PortfolioError(_l("Give the person's name in Azerbaijani or in English."),
                             field="person_name_az")
    story = Story(portfolio_id=portfolio.id, **data)
    db.session.add(story)
    touch(portfolio)
    db.session.flush()
    return story


# ---------------------------------------------------------------- board and figures


@dataclass(frozen=True)
class MilestoneView(Bilingual):
    """What the board shows of a milestone (plain values: no ORM object to build)."""

    title_az: str
    title_en: str
    due_date: date


MILESTONE_COLUMNS = (Milestone.title_az, Milestone.title_en, Milestone.due_date)


@dataclass
class BoardRow:
    portfolio: Portfolio
    options: int
    completed: int
    overdue: list
    next_milestones: list
    days_since_update: int

    @property
    def completed_share(self) -> int:
        return round(100 * self.completed / self.options) if self.options else 0

    @property
    def stalled(self) -> bool:
        return self.days_since_update > STALLED_AFTER_DAYS


def is_overdue(milestone: Milestone, today: date) -> bool:
    return milestone.done_on is None and milestone.due_date < today


def board(track: str = "", today: date | None = None, items=None) -> list[BoardRow]:
    """One row per portfolio, of ``items`` (one page) or of all. Four queries whatever the
    number of portfolios, options and milestones: the counts, the overdue milestones and the
    next three milestones of each portfolio are found by the database."""
    today = today or clock.today()
    if items is None:
        items = list(db.session.scalars(_board_query(track)))
    ids = [portfolio.id for portfolio in items]
    counts = {pid: (total, done or 0) for pid, total, done in db.session.execute(
        select(Option.portfolio_id, func.count(Option.id),
               func.sum(case((Option.status == OptionStatus.COMPLETED, 1), else_=0)))
        .where(Option.portfolio_id.in_(ids)).group_by(Option.portfolio_id))}
    overdue: dict[int, list] = {pid: [] for pid in ids}
    for pid, title_az, title_en, due in db.session.execute(
            select(Option.portfolio_id, *MILESTONE_COLUMNS)
            .join(Option, Option.id == Milestone.option_id)
            .where(Option.portfolio_id.in_(ids), Milestone.done_on.is_(None),
                   Milestone.due_date < today)
            .order_by(Milestone.due_date, Milestone.id)):
        overdue[pid].append(MilestoneView(title_az, title_en, due))
    ranked = (select(Milestone.id, Option.portfolio_id.label("pid"),
                     func.row_number().over(partition_by=Option.portfolio_id,
                                            order_by=(Milestone.due_date, Milestone.id))
                     .label("n"))
              .join(Option, Option.id == Milestone.option_id)
              .where(Option.portfolio_id.in_(ids), Milestone.done_on.is_(None),
                     Milestone.due_date >= today).subquery())
    following: dict[int, list] = {pid: [] for pid in ids}
    for pid, title_az, title_en, due in db.session.execute(
            select(ranked.c.pid, *MILESTONE_COLUMNS).join(ranked, ranked.c.id == Milestone.id)
            .where(ranked.c.n <= 3).order_by(ranked.c.pid, ranked.c.n)):
        following[pid].append(MilestoneView(title_az, title_en, due))
    rows = []
    for portfolio in items:
        last = portfolio.last_update_at
        last_day = last.date() if hasattr(last, "date") else last
        total, done = counts.get(portfolio.id, (0, 0))
        rows.append(BoardRow(
            portfolio=portfolio, options=total, completed=done, overdue=overdue[portfolio.id],
            next_milestones=following[portfolio.id], days_since_update=(today - last_day).days,
        ))
    return rows


def board_rows(rows: list[BoardRow]) -> list[list]:
    """The board as a table for CSV/XLSX, in the current language: headers, names, track and
    yes/no as a reader sees them on the board (no column names or stored codes)."""
    table = [[_("Portfolio"), _("Municipality"), _("Track"), _("Options"), _("Completed (%)"),
              _("Overdue milestones"), _("Days since the last update"), _("Stalled"),
              _("Next milestone")]]
    for row in rows:
        following = row.next_milestones[0] if row.next_milestones else None
        table.append([row.portfolio.text("title"), row.portfolio.municipality.name,
                      str(TRACKS.get(row.portfolio.track, row.portfolio.track)), row.options,
                      row.completed_share, len(row.overdue), row.days_since_update,
                      _("Yes") if row.stalled else _("No"),
                      f"{format_date(following.due_date, 'long')} {following.text('title')}"
                      if following else ""])
    return table


ACTIVITY_KINDS = ActivityKind  # read by the figures domain (which kinds count as events)


def _in_period(query, start: date | None, end: date | None):
    if start is not None:
        query = query.where(Activity.on_date >= start)
    if end is not None:
        query = query.where(Activity.on_date < end)
    return query


def activity_figures(start: date | None = None, end: date | None = None, *,
                     kinds=None) -> dict:
    """Events, people reached and participants by sex for activities in [start, end);
    with ``kinds``, only activities of those kinds (the programme's definition of an
    event)."""
    query = _in_period(select(func.count(Activity.id), func.sum(Activity.people_reached),
                              func.sum(Activity.men), func.sum(Activity.women),
                              func.sum(Activity.not_stated)), start, end)
    if kinds is not None:
        query = query.where(Activity.kind.in_(list(kinds)))
    events, reached, men, women, not_stated = db.session.execute(query).one()
    return {"events": events or 0, "people_reached": reached or 0,
            "participants": {"female": women or 0, "male": men or 0,
                             "not_stated": not_stated or 0}}


def activities_in(start: date | None, end: date | None, *, kinds=None) -> list[Activity]:
    """The activities in [start, end) (of ``kinds`` when given), oldest first: the records
    the key figure "events" counts."""
    query = _in_period(select(Activity), start, end)
    if kinds is not None:
        query = query.where(Activity.kind.in_(list(kinds)))
    return list(db.session.scalars(query.order_by(Activity.on_date, Activity.id)))


def needing_attention(today: date | None = None) -> dict:
    """What a coordinator's home shows of the demonstrators: the stalled portfolios, those
    with overdue milestones and how many milestones are overdue (the board's four queries)."""
    rows = board(today=today)
    return {"stalled": [row for row in rows if row.stalled],
            "overdue": [row for row in rows if row.overdue],
            "overdue_milestones": sum(len(row.overdue) for row in rows)}
