"""One clock: today is Baku's date, stored moments are UTC, and nothing else reads the
server's clock."""

import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask_babel import force_locale, format_datetime

from m4eg.core import time as clock
from tests.clock import baku_half_past_midnight

M4EG = Path(__file__).resolve().parents[2] / "m4eg"


def test_today_is_baku_date_while_the_utc_date_is_still_yesterday(app_ctx):
    with baku_half_past_midnight(date(2030, 3, 31)):
        assert datetime.now(UTC).date() == date(2030, 3, 30)
        assert date.today() == date(2030, 3, 30)  # the server's own clock: UTC
        assert clock.today() == date(2030, 3, 31)
        now = clock.now()
        assert (now.hour, now.minute, now.utcoffset().total_seconds()) == (0, 30, 4 * 3600)
        stored = clock.utcnow()
        assert stored.utcoffset().total_seconds() == 0 and stored.day == 30


def test_the_configured_zone_is_the_one_used(make_app):
    app = make_app(M4EG_TIMEZONE="Europe/London")
    with app.app_context(), baku_half_past_midnight(date(2030, 7, 1)):
        assert clock.now().tzinfo == ZoneInfo("Europe/London")
        assert clock.today() == date(2030, 6, 30)  # 21:30 in London


def test_displayed_times_are_baku_times(app_ctx):
    with force_locale("en"):
        shown = format_datetime(datetime(2030, 3, 30, 20, 30, tzinfo=UTC), "HH:mm d MMM")
    assert shown == "00:30 31 Mar"


def test_nothing_in_m4eg_reads_the_server_clock_but_core_time():
    """``date.today()`` and ``datetime.now()`` give the server's zone (or need one): every
    caller goes through m4eg/core/time.py instead."""
    pattern = re.compile(r"\b(?:date\.today|datetime\.now|datetime\.today|datetime\.utcnow)\(")
    offenders = []
    for path in sorted(M4EG.rglob("*")):
        if path.suffix not in {".py", ".html", ".txt", ".jinja"} or path == M4EG / "core/time.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(M4EG.parent)}:{number}: {line.strip()}")
    assert offenders == [], "use m4eg.core.time (now, today, utcnow):\n" + "\n".join(offenders)
