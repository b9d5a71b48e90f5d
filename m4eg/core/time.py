"""One clock for the whole platform.

"Today" is the date in the configured zone (``M4EG_TIMEZONE``, Baku by default), never the
server's: between 00:00 and 04:00 Baku time a server on UTC is still on the previous day, and
deadlines, overdue flags and "not in the future" checks would be a day off. Stored timestamps
stay UTC (``utcnow``) so SQLite and PostgreSQL hold the same values; only dates that people
read as calendar days go through ``today``.

Nothing else in ``m4eg/`` calls ``date.today()`` or ``datetime.now()``
(tests/core/test_time.py checks).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import get_month_names
from flask import current_app, has_app_context

from ..config import DEFAULT_TIMEZONE


def zone() -> ZoneInfo:
    """The configured zone; outside an application the default one (the same setting's)."""
    name = current_app.config["M4EG_TIMEZONE"] if has_app_context() else DEFAULT_TIMEZONE
    return ZoneInfo(name)  # ZoneInfo keeps its own cache: one object per name


def utcnow() -> datetime:
    """The current moment, aware, in UTC: the value to store."""
    return datetime.now(UTC)


def now() -> datetime:
    """The current moment, aware, in the configured zone: the wall clock people read."""
    return datetime.now(zone())


def today() -> date:
    """The calendar date in the configured zone."""
    return now().date()


def as_utc(moment: datetime | None) -> datetime | None:
    """A stored timestamp as an aware UTC datetime: SQLite hands them back without their zone
    (everything is stored in UTC), PostgreSQL with it."""
    return moment.replace(tzinfo=UTC) if moment is not None and moment.tzinfo is None else moment


_DAY_FIRST = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_WITH_MONTH = re.compile(r"(\d{1,2})\.?\s+(\w+)\s+(\d{4})")


def parse_typed_date(text: str, lang: str) -> date | None:
    """A date typed as people type it: ``2026-03-15``, ``15.03.2026`` (day first, as both
    languages write it with dots) or ``15 mart 2026`` / ``15 March 2026`` (the month's name in
    ``lang`` or in English); None when it is none of these or no such day exists. Slashes are
    not read: ``5/3/2026`` is a different day in different countries."""
    raw = (text or "").strip()
    try:
        return date.fromisoformat(raw)
    except ValueError:
        pass
    day = month = year = None
    if match := _DAY_FIRST.fullmatch(raw):
        day, month, year = (int(part) for part in match.groups())
    elif match := _WITH_MONTH.fullmatch(raw):
        name = match.group(2).casefold().rstrip(".")
        for locale in dict.fromkeys((lang, "en")):
            for width in ("wide", "abbreviated"):
                for context in ("format", "stand-alone"):
                    for number, label in get_month_names(width, context, locale).items():
                        if label.casefold().rstrip(".") == name:
                            month = number
        day, year = int(match.group(1)), int(match.group(3))
    if month is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None
