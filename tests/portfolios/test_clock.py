"""Portfolio dates are Baku's: at 00:30 Baku a UTC server is still on the previous day."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from m4eg.extensions import db
from m4eg.portfolios import services
from m4eg.portfolios.cli import load_demonstrators
from m4eg.portfolios.models import StatusChange
from tests.clock import baku_half_past_midnight

pytestmark = pytest.mark.usefixtures("english")

BAKU_DAY = date(2030, 6, 2)  # after every date of the demonstrators


@pytest.fixture
def option(app_ctx, roster):
    load_demonstrators()
    db.session.commit()
    return services.get_by_slug("icherisheher-smart-old-city").options[0]


def test_a_status_change_dated_baku_today_is_accepted_after_midnight(option):
    with baku_half_past_midnight(BAKU_DAY):
        services.change_status(option, "designed", None, version=option.version,
                               on_date=BAKU_DAY)
        assert option.status == "designed"
        with pytest.raises(services.PortfolioError, match="in the future"):
            services.change_status(option, "procurement", None, version=option.version,
                                   on_date=BAKU_DAY + timedelta(days=1))


def test_an_undated_status_change_and_milestone_are_dated_baku_today(option):
    with baku_half_past_midnight(BAKU_DAY):
        services.change_status(option, "designed", None, version=option.version)
        milestone = services.add_milestone(option, {
            "title_az": "Tender", "title_en": "Tender", "due_date": BAKU_DAY})
        services.complete_milestone(milestone)
    latest = db.session.scalars(select(StatusChange).where(
        StatusChange.option_id == option.id).order_by(StatusChange.id.desc())).first()
    assert (latest.to_status, latest.on_date) == ("designed", BAKU_DAY)
    assert milestone.done_on == BAKU_DAY


def test_a_milestone_due_yesterday_in_baku_is_overdue_after_midnight(option):
    yesterday = BAKU_DAY - timedelta(days=1)
    services.add_milestone(option, {"title_az": "Tender", "title_en": "Late tender",
                                    "due_date": yesterday})
    with baku_half_past_midnight(BAKU_DAY):
        [row] = [r for r in services.board() if r.portfolio.id == option.portfolio.id]
    assert "Late tender" in [m.title_en for m in row.overdue]
