"""Key figures: each computed from the records of the domain that owns it, never typed in.

A figure whose source module does not exist has ``value=None`` and is shown as "not yet
tracked", never as zero (the template still supports it for figures added later).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts import services as accounts
from ..core.privacy import SmallCell, suppress, suppress_breakdown
from ..courses import services as courses
from ..municipalities import services as municipalities
from ..plans import services as plans
from ..portfolios import services as portfolios

SEX_LABELS = accounts.SEX_LABELS

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """Whole months from ``start`` (first day) to ``end`` (exclusive); None = unbounded."""

    start: date | None = None
    end: date | None = None

    @classmethod
    def from_args(cls, args) -> tuple[Period, bool]:
        """The period in ``?from=YYYY-MM&to=YYYY-MM``; the flag says whether input was
        ignored because it was not a valid month range."""
        start, start_ok = _month(args.get("from", ""))
        end_month, end_ok = _month(args.get("to", ""))
        end = _next_month(end_month) if end_month else None
        if start and end and start >= end:
            return cls(), False
        return cls(start, end), start_ok and end_ok

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


def _month(value: str) -> tuple[date | None, bool]:
    if not value:
        return None, True
    match = _MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1990 <= int(match.group(1)) <= 2100:
        return None, False
    return date(int(match.group(1)), int(match.group(2)), 1), True


def _next_month(day: date) -> date:
    return date(day.year + (day.month == 12), day.month % 12 + 1, 1)


@dataclass
class Figure:
    key: str
    label: object
    value: int | SmallCell | None
    parts: list[tuple[str, object, int | SmallCell]] = field(default_factory=list)
    source: object = ""

    @property
    def tracked(self) -> bool:
        return self.value is not None


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
    activities = portfolios.activity_figures(period.start, period.end)
    participants = activities["participants"]
    plan_counts = plans.plan_figures(start, end)
    return [
        Figure("members", _l("Members of the network"), sum(by_type.values()),
               [(kind.value, kind.label, by_type[kind])
                for kind in municipalities.MunicipalityType],
               _l("Register of members (those who left are not counted)")),
        Figure("deep_demonstrators", _l("Deep demonstrators"), sum(by_track.values()),
               [(track.value, track.label, by_track[track]) for track in municipalities.Track],
               _l("Register of members")),
        Figure("ulc_staff", _l("Municipal staff registered at the ULC"), learners,
               learners_by_sex,
               _l("Municipal staff who enrolled in their first ULC course in the period")),
        Figure("events", _l("Events"), activities["events"],
               [(key, SEX_LABELS[key], suppress(participants[key])) for key in SEX_LABELS]
               if any(participants.values()) else [],
               _l("Activities recorded in the portfolios and network events; participants by "
                  "sex where the records give it")),
        Figure("people_reached", _l("People reached"), activities["people_reached"],
               source=_l("Sum of the people reached recorded for each activity")),
        Figure("plans_submitted", _l("P4EG plans submitted"), plan_counts["submitted"],
               source=_l("Plans first submitted in the period")),
        Figure("plans_approved", _l("P4EG plans approved"), plan_counts["approved"],
               source=_l("Plans approved in the period")),
    ]


def rows(figures: list[Figure]) -> list[list]:
    """The figures as a table for CSV in the current language: figure, breakdown, value as
    the page words them (a small cell as ``<5``); the API gives the keys."""
    table = [[_("Figure"), _("Breakdown"), _("Value")]]
    for figure in figures:
        label = str(figure.label)
        table.append([label, _("Total"), "" if figure.value is None else str(figure.value)])
        table.extend([label, str(part), str(value)] for _key, part, value in figure.parts)
    return table
