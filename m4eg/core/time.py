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

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

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
