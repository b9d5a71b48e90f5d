"""Putting the clock of a test at a chosen Baku moment, on a server whose clock is UTC."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine


def baku_half_past_midnight(day: date):
    """00:30 in Baku on ``day``, which is 20:30 UTC the day before.

    The destination is given in UTC (a ZoneInfo), so time-machine also sets the process's
    local zone to UTC: the server of this moment is a UTC one, as in production, whatever
    the zone of the machine running the tests."""
    baku = datetime(day.year, day.month, day.day, 0, 30, tzinfo=ZoneInfo("Asia/Baku"))
    return time_machine.travel(baku.astimezone(ZoneInfo("UTC")), tick=True)
