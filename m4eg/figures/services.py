"""Key figures: each computed from the records of the domain that owns it, never typed in.

A figure whose source module does not exist has ``value=None`` and is shown as "not yet
tracked", never as zero (the template still supports it for figures added later). A figure
the records cannot give for the period (``unavailable``) is shown as "n/a" with the reason,
never as zero. The keys are those of the API and of seed 004's "Key figures" table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from babel.lists import format_list
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import func, select

from ..accounts import services as accounts
from ..core import audit, versions
from ..core.errors import DomainError
from ..core.i18n import current_language
from ..core.numbers import format_number
from ..core.privacy import SmallCell, suppress, suppress_breakdown
from ..core.text import az_lower
from ..core.time import as_utc, utcnow
from ..courses import services as courses
from ..extensions import db
from ..municipalities import services as municipalities
from ..plans import services as plans
from ..portfolios import services as portfolios
from ..workshops import services as workshops
from .models import ActivityKindRule, Channel, ReachRecord

SEX_LABELS = accounts.SEX_COUNT_LABELS  # counts say "Sex not stated"

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """Whole months from ``start`` (first day) to ``end`` (exclusive); None = unbounded."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def from_args(cls, args) -> Period:
        """The period in ``?from=YYYY-MM&to=YYYY-MM`` (either may be left out); raises
        :class:`PeriodError` for a month not written as YYYY-MM or a start after the end."""
        start = _month(args.get("from", ""), "from")
        end_month = _month(args.get("to", ""), "to")
        if start and end_month and start > end_month:
            raise PeriodError(_l("The period starts after it ends: the first month must not "
                                 "be later than the last."), field="from")
        return cls(start, _next_month(end_month) if end_month else None)

    @property
    def last_month(self) -> date | None:
        """The first day of the period's last month (the end is exclusive)."""
        if self.end is None:
            return None
        return date(self.end.year - (self.end.month == 1), (self.end.month - 2) % 12 + 1, 1)

    def as_args(self) -> dict:
        args = {}
        if self.start:
            args["from"] = self.start.strftime("%Y-%m")
        if self.end:
            args["to"] = self.last_month.strftime("%Y-%m")
        return args

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        def moment(day):
            return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else None

        return moment(self.start), moment(self.end)


class FigureError(DomainError):
    pass


class PeriodError(FigureError):
    """The period asked for is not one (shown on the page, 400 for the API)."""


class EditConflict(FigureError, versions.Conflict):
    """Someone saved the reach record after the form was opened."""


def _month(value: str, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    match = _MONTH.match(value)
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1990 <= int(match.group(1)) <= 2100:
        raise PeriodError(_l("“%(value)s” is not a month: write it as YYYY-MM, for example "
                             "2023-05.", value=value[:20]), field=field)
    return date(int(match.group(1)), int(match.group(2)), 1)


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


@dataclass
class Figure:
    key: str
    label: object
    value: int | SmallCell | None
    parts: list[tuple[str, object, int | SmallCell]] = field(default_factory=list)
    source: object = ""
    unavailable: object = ""  # why the records cannot give the figure ("n/a")
    # Counts shown on their own line under the figure, not part of its breakdown or total
    also: list[tuple[str, object, int]] = field(default_factory=list)

    @property
    def tracked(self) -> bool:
        return self.value is not None or bool(self.unavailable)


KEYS = ("members", "deep_demonstrators", "new_members", "communications_reach", "events",
        "event_participants", "ulc_staff", "plans_submitted", "plans_approved",
        "plans_monitored", "actions_completed", "budget_mobilised")
# The programme's definition of an event (the annual report 2023–2024 counts the Deep
# Demonstrators meeting, the two study tours and the ULC launch in-person sessions): kinds
# with no row in activity_kinds take this (the migration writes the same rows).
EVENT_KINDS = frozenset({"meeting", "study_tour"})
_EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
_LATEST = datetime(2101, 1, 1, tzinfo=UTC)


def compute(period: Period) -> list[Figure]:
    """The key figures for ``period``, counts of people by sex with their small cells
    suppressed (these figures are public)."""
    start, end = period.bounds()
    as_of_year = (period.end.year if period.end.month > 1 else period.end.year - 1) \
        if period.end else None
    by_type = municipalities.count_by_type(joined_by=as_of_year)
    by_track = municipalities.count_by_track()
    by_sex = courses.learners_by_sex(start, end)
    learners, learners_by_sex = suppress_breakdown(
        sum(by_sex.values()), [(key, SEX_LABELS[key], by_sex[key]) for key in SEX_LABELS])
    events = event_counts(period)
    kinds = counting_kinds()
    participants = events["participants"]
    plan_counts = plans.plan_figures(start, end)
    monitored = plans.monitoring_figures(start, end)
    sources = plans.funding_source_labels()
    new_members, why_not = count_new_members(period)
    return [
        Figure("members", _l("Members of the network"), sum(by_type.values()),
               [(kind.value, kind.label, by_type[kind])
                for kind in municipalities.MunicipalityType],
               _l("Register of members (those who left are not counted)")),
        Figure("deep_demonstrators", _l("Deep demonstrators"), sum(by_track.values()),
               [(track.value, track.label, by_track[track]) for track in municipalities.Track],
               _l("Register of members")),
        Figure("new_members", _l("New members"), new_members,
               source=_l("Members whose year of joining in the register falls in the period"),
               unavailable=why_not),
        Figure("communications_reach", _l("People reached via communications channels"),
               reach_total(period),
               source=_l("Sum of the communications reach records whose date range ends in "
                         "the period")),
        Figure("events", _l("Events"), events["activities"] + events["sessions"],
               [("activities", kinds_label(kinds), events["activities"]),
                ("ulc_sessions", _l("ULC in-person sessions"), events["sessions"])],
               event_definition(kinds)),
        Figure("event_participants", _l("Participants in events"),
               suppress(sum(participants.values())),
               [(key, SEX_LABELS[key], suppress(participants[key])) for key in SEX_LABELS],
               _l("Participants of the events counted above, by sex, where the records give "
                  "it (ULC sessions: participants marked present)"),
               also=[("municipalities", _l("Municipalities represented (ULC in-person "
                                           "sessions)"), events["municipalities"])]),
        Figure("ulc_staff", _l("Municipal staff registered at the ULC"), learners,
               learners_by_sex,
               _l("Municipal staff who enrolled in their first ULC course in the period")),
        Figure("plans_submitted", _l("P4EG plans submitted"), plan_counts["submitted"],
               source=_l("Plans first submitted in the period")),
        Figure("plans_approved", _l("P4EG plans approved"), plan_counts["approved"],
               source=_l("Plans approved in the period")),
        Figure("plans_monitored", _l("P4EG plans with an accepted monitoring report"),
               monitored["plans"],
               source=_l("Plans with a monitoring report accepted in the period")),
        Figure("actions_completed", _l("P4EG plan actions completed"), monitored["completed"],
               source=_l("Plan actions marked completed in the monitoring reports accepted "
                         "in the period (each action of a plan once)")),
        Figure("budget_mobilised", _l("Budget mobilised for P4EG plans (AZN)"),
               round(sum(monitored["spent"].values())),
               [(key, label, round(monitored["spent"][key]))
                for key, label in sources.items() if monitored["spent"].get(key)],
               _l("Money reported spent, by funding source, in the monitoring reports "
                  "accepted in the period")),
    ]


def rows(figures: list[Figure]) -> list[list]:
    """The figures as a table for CSV in the current language: key, figure, breakdown, value
    as the page words them (a small cell as ``<5``, a figure the records cannot give as
    ``n/a``), then a note (why a value is ``n/a``) and the figure's definition."""
    table = [[_("Key"), _("Figure"), _("Breakdown"), _("Value"), _("Note"), _("Definition")]]
    for figure in figures:
        label, definition = str(figure.label), str(figure.source)
        value = _("n/a") if figure.unavailable else (
            "" if figure.value is None else str(figure.value))
        table.append([figure.key, label, _("Total"), value, str(figure.unavailable or ""),
                      definition])
        table.extend([figure.key, label, str(part), str(value), "", definition]
                     for _key, part, value in figure.parts)
        table.extend([figure.key, label, str(part), str(value), "", definition]
                     for _key, part, value in figure.also)
    return table


# ---------------------------------------------------------------- period and notices


def data_notice(period: Period) -> str:
    """A sentence when the period lies outside the records (before the first or after
    today), else empty: the figures are then zero because nothing was recorded."""
    if period.start is None and period.end is None:
        return ""
    today = utcnow().date()
    if period.start is not None and period.start > today:
        return _("The period lies in the future: no record can fall in it yet.")
    first = _first_record_day()
    if first is not None and period.end is not None and period.end <= first:
        return _("The period ends before the first record (%(day)s): the figures for it are "
                 "not in the platform.", day=format_date(first, "d MMMM y"))
    return ""


def _first_record_day() -> date | None:
    days = [db.session.scalar(select(func.min(ReachRecord.starts_on)))]
    days.extend(activity.on_date for activity in portfolios.activities_in(None, None)[:1])
    days.extend(as_date(w.starts_at) for w in workshops.workshops()[-1:])
    days = [day for day in days if day is not None]
    return min(days) if days else None


def as_date(moment) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


# ---------------------------------------------------------------- new members


def count_new_members(period: Period) -> tuple[int | None, str]:
    """Members who joined in the period, or (None, reason) when the register cannot tell.

    The register records the year a member joined, not the day: a year that lies only partly
    in the period cannot be split, and a member with no year recorded may have joined at any
    time; either makes the figure "n/a" (as in seed 004's table), never a guessed zero. The
    reason is lazy: the figures are memoized across languages."""
    by_year = municipalities.count_by_join_year()
    unknown = by_year.pop(None, 0)
    if unknown:
        return None, _l("The register has no year of joining for %(count)d members, so the "
                        "new members of the period cannot be counted.", count=unknown)
    partial = sorted(year for year in by_year if _year_overlap(year, period) == "part")
    if partial:
        return None, _l("The register records only the year a member joined, and %(years)s "
                        "lies only partly in the period.",
                        years=", ".join(str(year) for year in partial))
    return sum(n for year, n in by_year.items() if _year_overlap(year, period) == "all"), ""


def _year_overlap(year: int, period: Period) -> str:
    """"all" when the whole year lies in the period, "part" when some of it, else "none"."""
    first, after = date(year, 1, 1), date(year + 1, 1, 1)
    start, end = period.start or date.min, period.end or date.max
    if start <= first and after <= end:
        return "all"
    return "part" if first < end and start < after else "none"


def member_records(key: str, period: Period, lang: str) -> list:
    """The members a figure counts: all members ("members"), the deep demonstrators, or
    for "new_members" those whose year joined overlaps the period or is not recorded (the
    ones the figure counts or cannot place)."""
    years = list(municipalities.count_by_join_year())
    if key == "new_members":
        years = [year for year in years
                 if year is None or _year_overlap(year, period) != "none"]
    elif key == "members" and period.end is not None:
        years = [year for year in years if year is None or year < period.end.year
                 or (year == period.end.year and period.end.month > 1)]
    members = municipalities.members_joined_in(years, lang=lang)
    if key == "deep_demonstrators":
        members = [m for m in members if m.demonstrator_track]
    return members


# ---------------------------------------------------------------- events


def event_kinds() -> list[tuple[str, object, bool]]:
    """Every activity kind with its label and whether it counts as an event."""
    rules = dict(db.session.execute(select(ActivityKindRule.key,
                                           ActivityKindRule.counts_as_event)).all())
    return [(kind.value, kind.label, rules.get(kind.value, kind.value in EVENT_KINDS))
            for kind in portfolios.ACTIVITY_KINDS]


def counting_kinds() -> list[str]:
    return [key for key, _label, counts in event_kinds() if counts]


def _kind_list(keys) -> str:
    """The kinds' labels as one phrase of the current language ("Study tour and meeting"),
    joined by Babel's list format; the labels after the first start in lower case."""
    labels = {kind.value: str(kind.label) for kind in portfolios.ACTIVITY_KINDS}
    lower = az_lower if current_language() == "az" else str.lower
    words = [labels[key] for key in keys if key in labels]
    words = [word if i == 0 else lower(word[:1]) + word[1:] for i, word in enumerate(words)]
    return format_list(words, locale=get_locale()) if words else ""


def kinds_label(keys) -> LazyString:
    """The label of the activities that count as events, built from the counting kinds in
    the language of the page that shows it (the figures are memoized across languages)."""
    keys = tuple(keys)
    return LazyString(lambda: _kind_list(keys) or _("Activities"))


def event_definition(keys=None) -> LazyString:
    """The definition of the figure "events" from the kinds that count (and those that do
    not), in the language of the page that shows it."""
    keys = tuple(counting_kinds() if keys is None else keys)

    def text() -> str:
        others = [kind.value for kind in portfolios.ACTIVITY_KINDS if kind.value not in keys]
        report = _("As the annual report 2023–2024 counts them for May 2023 – May 2024: the "
                   "meeting of the deep demonstrators with UNDP senior management, the Urva "
                   "study tour of the Balkans, the Icherisheher study tour to the Smart City "
                   "Expo World Congress and the ULC launch in-person sessions.")
        if keys:
            counted = _("The programme counts as events these activities: %(kinds)s; and "
                        "the ULC in-person sessions that took place.", kinds=_kind_list(keys))
        else:
            counted = _("The programme counts as events the ULC in-person sessions that took "
                        "place; no kind of activity counts.")
        parts = [counted, report]
        if others:
            parts.append(_("Not counted unless a coordinator changes it: %(kinds)s.",
                           kinds=_kind_list(others)))
        return " ".join(parts)

    return LazyString(text)


def set_event_kinds(counting: set[str]) -> None:
    """Record which activity kinds count toward the figure "events" (all others do not)."""
    known = {kind.value for kind in portfolios.ACTIVITY_KINDS}
    if not set(counting) <= known:
        raise FigureError(_l("Choose activity kinds from the list."), field="counting")
    for key in known:
        rule = db.session.get(ActivityKindRule, key)
        if rule is None:
            rule = ActivityKindRule(key=key)
            db.session.add(rule)
        rule.counts_as_event = key in counting
    db.session.flush()


def _moments(period: Period) -> tuple[datetime, datetime]:
    start, end = period.bounds()
    return start or _EARLIEST, end or _LATEST


def event_counts(period: Period) -> dict:
    """Activities of the counting kinds and ULC sessions held in the period, and their
    participants by sex (activities as recorded, sessions from attendance)."""
    activities = portfolios.activity_figures(period.start, period.end, kinds=counting_kinds())
    sessions = workshops.session_figures(*_moments(period))
    participants = {key: activities["participants"][key] + sessions["participants"][key]
                    for key in SEX_LABELS}
    return {"activities": activities["events"], "sessions": sessions["sessions"],
            "participants": participants, "municipalities": sessions["municipalities"]}


def event_records(period: Period) -> tuple[list, list]:
    """The activities and the ULC sessions that the figure "events" counts."""
    start, end = _moments(period)
    now = utcnow()
    sessions = [w for w in reversed(workshops.workshops())
                if start <= as_utc(w.starts_at) < end and as_utc(w.starts_at) <= now]
    return portfolios.activities_in(period.start, period.end, kinds=counting_kinds()), sessions


# ---------------------------------------------------------------- communications reach


def _reach_query(period: Period):
    query = select(ReachRecord)
    if period.start is not None:
        query = query.where(ReachRecord.ends_on >= period.start)
    if period.end is not None:
        query = query.where(ReachRecord.ends_on < period.end)
    return query


def format_reach(value: int) -> str:
    """A reach as the page's language writes numbers (for the edit form)."""
    return format_number(value)


def reach_total(period: Period) -> int:
    """People reached over the records whose range ends in the period (see ReachRecord)."""
    subquery = _reach_query(period).subquery()
    return db.session.scalar(select(func.coalesce(func.sum(subquery.c.reach), 0))) or 0


def reach_records(period: Period | None = None) -> list[ReachRecord]:
    """The reach records (of the period, when given), latest range first."""
    query = _reach_query(period or Period())
    return list(db.session.scalars(query.order_by(ReachRecord.ends_on.desc(),
                                                  ReachRecord.id.desc())))


def get_reach(record_id: int) -> ReachRecord | None:
    return db.session.get(ReachRecord, record_id)


# Far above any channel's audience, and within the 32-bit column (PostgreSQL answers
# "integer out of range" beyond 2,147,483,647).
REACH_MAX = 1_000_000_000


def save_reach(record: ReachRecord | None, data: dict, *,
               version: int | None = None) -> ReachRecord:
    """Create or edit a reach record: a channel of the list, a reach of zero or more, a date
    range in order. ``data``: channel, reach, starts_on, ends_on, source, note."""
    if Channel.get(data["channel"]) is None:
        raise FigureError(_l("Choose a channel from the list."), field="channel")
    if data["reach"] is None or data["reach"] < 0:
        raise FigureError(_l("The number of people reached cannot be negative."), field="reach")
    if data["reach"] > REACH_MAX:
        raise FigureError(_l("The number of people reached cannot be more than %(limit)s.",
                             limit=format_number(REACH_MAX)), field="reach")
    if data["ends_on"] < data["starts_on"]:
        raise FigureError(_l("The range must end on or after the day it starts."),
                          field="ends_on")
    if record is None:
        record = ReachRecord()
        db.session.add(record)
    else:
        versions.claim(record, version, EditConflict(_l(
            "Someone else saved this record after you opened the form. Reload the page and "
            "edit again.")))
    for key, value in data.items():
        setattr(record, key, value)
    db.session.flush()
    return record


def delete_reach(record: ReachRecord, *, actor=None) -> None:
    """Delete a reach record (entered by mistake, or twice); the audit log keeps what it
    said and who deleted it."""
    audit.record("reach.deleted", actor=actor, target=record, before={
        "channel": str(record.channel), "reach": record.reach,
        "starts_on": record.starts_on.isoformat(), "ends_on": record.ends_on.isoformat(),
        "source": record.source})
    db.session.delete(record)
    db.session.flush()


DEMO_REACH_SOURCE = "M4EG Azerbaijan annual report 2023–2024"


def ensure_demo_reach() -> ReachRecord | None:
    """The report's "at least 30,000 people reached via communications channels" as one demo
    record for May 2023 – May 2024 (the report gives no split by channel); idempotent."""
    exists = db.session.scalar(select(ReachRecord.id).where(
        ReachRecord.is_demo.is_(True), ReachRecord.source == DEMO_REACH_SOURCE))
    if exists is not None:
        return None
    record = ReachRecord(
        channel=Channel.ALL_CHANNELS, reach=30_000, starts_on=date(2023, 5, 1),
        ends_on=date(2024, 5, 31), source=DEMO_REACH_SOURCE, is_demo=True,
        note="The report gives only the total (\"at least 30,000\") for May 2023 – May 2024, "
             "no figure per channel and no exact days.")
    db.session.add(record)
    db.session.flush()
    return record
