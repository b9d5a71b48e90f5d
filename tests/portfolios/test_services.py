"""Portfolio rules without HTTP: the status pipeline, overdue and stalled, figures."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from m4eg.accounts.services import get_user
from m4eg.core import time as clock
from m4eg.core.errors import DomainError
from m4eg.core.time import utcnow
from m4eg.extensions import db
from m4eg.portfolios import services
from m4eg.portfolios.cli import load_demonstrators
from m4eg.portfolios.models import (
    ActivityKind,
    GrantPhase,
    OptionStatus,
    Portfolio,
    StatusChange,
)

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def option(app_ctx, roster):
    load_demonstrators()
    db.session.commit()
    portfolio = services.get_by_slug("icherisheher-smart-old-city")
    option = services.save_option(portfolio, None, {"title_az": "Sınaq", "title_en": "Trial"},
                                  actor=None, created_on=date(2024, 5, 31))
    db.session.commit()
    return option


def test_an_option_moves_forward_and_each_change_is_recorded(option, make_user):
    coordinator = get_user(make_user(role="coordinator").id)  # the fixture committed first
    for status in ("designed", "procurement", "implementing", "completed"):
        services.change_status(option, status, coordinator,
                               version=option.version, on_date=date(2024, 6, 1))
    changes = db.session.scalars(select(StatusChange).where(
        StatusChange.option_id == option.id).order_by(StatusChange.id)).all()
    assert [(c.from_status, c.to_status) for c in changes][-4:] == [
        ("idea", "designed"), ("designed", "procurement"), ("procurement", "implementing"),
        ("implementing", "completed")]
    assert changes[-1].actor_id == coordinator.id and changes[-1].on_date == date(2024, 6, 1)


@pytest.mark.parametrize("path, refused", [
    (["designed", "procurement", "implementing", "completed"], "idea"),
    (["dropped"], "designed"),
    ([], "completed"),
    ([], "implementing"),
])
def test_invalid_transitions_are_refused(option, path, refused):
    for status in path:
        services.change_status(option, status, None, version=option.version, reason="because")
    before = option.status
    with pytest.raises(services.PortfolioError, match="cannot go from"):
        services.change_status(option, refused, None, version=option.version, reason="because")
    assert option.status == before


def test_pausing_or_dropping_needs_a_reason(option):
    with pytest.raises(services.PortfolioError) as error:
        services.change_status(option, "paused", None, version=option.version, reason="  ")
    assert error.value.field == "reason"
    services.change_status(option, "paused", None,
                           version=option.version, reason="Waiting for the budget")
    services.change_status(option, "designed", None, version=option.version)
    assert option.status == "designed"


def test_status_changes_cannot_be_dated_in_the_future(option):
    with pytest.raises(services.PortfolioError):
        services.change_status(option, "designed", None,
                               version=option.version, on_date=clock.today() + timedelta(1))


def test_a_stale_status_form_is_refused(option):
    seen = option.version
    services.change_status(option, "designed", None, version=seen)
    with pytest.raises(services.PortfolioError, match="Someone else"):
        services.change_status(option, "dropped", None, reason="x", version=seen)


def test_overdue_milestones_and_stalled_portfolios(option):
    today = date(2025, 1, 10)
    services.add_milestone(option, {"title_az": "Texniki tapşırıq",
                                    "title_en": "Terms of reference",
                                    "due_date": date(2025, 1, 5)})
    reached = services.add_milestone(option, {"title_az": "Tender", "title_en": "Tender",
                                              "due_date": date(2025, 1, 1)})
    services.add_milestone(option, {"title_az": "Açılış", "title_en": "Opening",
                                    "due_date": date(2025, 3, 1)})
    services.complete_milestone(reached, date(2024, 12, 30))
    portfolio = option.portfolio
    portfolio.last_update_at = utcnow().replace(year=2024, month=11, day=10)
    [row] = [r for r in services.board(today=today) if r.portfolio.id == portfolio.id]
    assert [m.title_en for m in row.overdue] == ["Terms of reference"]
    assert [m.title_en for m in row.next_milestones] == ["Opening"]
    assert row.days_since_update == 61 and row.stalled
    portfolio.last_update_at = utcnow().replace(year=2024, month=11, day=11)
    [row] = [r for r in services.board(today=today) if r.portfolio.id == portfolio.id]
    assert row.days_since_update == 60 and not row.stalled


def test_board_filters_by_track_and_counts_completed_options(app_ctx, roster):
    load_demonstrators()
    rows = services.board("portfolio_journey")
    assert {r.portfolio.slug for r in rows} == {"khirdalan-entrepreneurship-and-talent",
                                                "icherisheher-smart-old-city"}
    khirdalan = next(r for r in rows if r.portfolio.slug.startswith("khirdalan"))
    assert (khirdalan.options, khirdalan.completed, khirdalan.completed_share) == (1, 1, 100)


def test_negative_counts_are_refused(option):
    with pytest.raises(services.PortfolioError) as error:
        services.add_activity(option.portfolio, {
            "kind": "workshop", "title_az": "x", "title_en": "x", "on_date": date(2024, 1, 1),
            "men": -1})
    assert error.value.field == "men"


def test_figures_match_the_demo_data_counted_by_hand(app_ctx, roster):
    load_demonstrators()
    # Seed 004 dates: Brussels workshop (April 2023), Batumi forum (2023), the SCEWC study
    # tour (2023), Khirdalan's ideation workshop (May 2024); the job fair, the Urva study
    # tour, the "Future Ready" workshop and the UNDP meeting fall within the report period.
    assert services.activity_figures() == {
        "events": 8, "people_reached": 1000,
        "participants": {"female": 0, "male": 0, "not_stated": 0}}
    in_report_period = services.activity_figures(date(2023, 5, 1), date(2024, 6, 1))
    assert in_report_period["events"] == 7  # without the Brussels workshop of April 2023
    assert services.activity_figures(date(2024, 6, 1), None)["events"] == 0


def test_loading_the_demonstrators_twice_changes_nothing(app_ctx, roster):
    assert load_demonstrators() == 6
    db.session.commit()
    assert load_demonstrators() == 0
    assert len(db.session.scalars(select(Portfolio)).all()) == 6
    assert services.activity_figures()["events"] == 8


def test_sessions_only_link_options_of_their_portfolio(app_ctx, roster):
    load_demonstrators()
    urva = services.get_by_slug("urva-tourism-and-local-brand")
    other = services.get_by_slug("naftalan-ceremonial-house").options[0]
    with pytest.raises(services.PortfolioError):
        services.add_session(urva, {"on_date": date(2024, 5, 2)}, [other.id])
    session = services.add_session(urva, {"on_date": date(2024, 5, 2),
                                          "decisions_en": "Scale the centre"},
                                   [urva.options[0].id])
    assert session.options == [urva.options[0]]


def test_dates_out_of_order_are_refused(option):
    services.change_status(option, "designed", None,
                           version=option.version, on_date=date(2024, 7, 1))
    with pytest.raises(services.PortfolioError, match="before the previous one") as error:
        services.change_status(option, "procurement", None,
                               version=option.version, on_date=date(2024, 6, 30))
    assert error.value.field == "on_date"
    option.portfolio.start_date = date(2024, 1, 1)
    with pytest.raises(services.PortfolioError, match="before the portfolio starts"):
        services.add_milestone(option, {"title_az": "x", "title_en": "x",
                                        "due_date": date(2023, 12, 31)})


def test_an_option_or_milestone_is_found_only_through_its_own_portfolio(app_ctx, roster):
    """The tracking page's URLs name a portfolio and an option (or milestone): another
    portfolio's option or milestone is not found through it (the page answers 404)."""
    load_demonstrators()
    urva = services.get_by_slug("urva-tourism-and-local-brand")
    naftalan = services.get_by_slug("naftalan-ceremonial-house")
    theirs = naftalan.options[0]
    milestone = services.add_milestone(theirs, {"title_az": "Tender", "title_en": "Tender",
                                                "due_date": date(2030, 1, 1)})
    assert services.get_option(naftalan, theirs.id) is theirs
    assert services.get_option(urva, theirs.id) is None
    assert services.get_milestone(naftalan, milestone.id) is milestone
    assert services.get_milestone(urva, milestone.id) is None
    assert services.get_option(urva, 10**9) is None


def test_sdg_numbers_beyond_the_seventeen_goals_are_refused(app_ctx, roster):
    load_demonstrators()
    urva = services.get_by_slug("urva-tourism-and-local-brand")
    data = {"slug": urva.slug, "sdgs": [8, 18]}
    with pytest.raises(services.PortfolioError, match="SDG numbers go from 1 to 17") as error:
        services.save_portfolio(urva, data, version=urva.version)
    assert error.value.field == "sdgs"
    assert isinstance(error.value, DomainError)


def test_statuses_kinds_and_phases_read_as_translated_labels(app):
    """The labels are written once, by the enums, and shown in the page's language; a value
    the enum does not know (an old row) reads as itself rather than failing."""
    from flask_babel import force_locale

    with app.test_request_context():
        with force_locale("az"):
            assert OptionStatus.label_of("implementing") == "İcra olunur"
            assert str(ActivityKind("study_tour").label) == "Təcrübə səfəri"
            assert str(dict(GrantPhase.choices())["seed"]) == "İlkin"  # glossary: not "Toxum"
        with force_locale("en"):
            assert OptionStatus.label_of("implementing") == "Implementing"
            assert OptionStatus.label_of("no-longer-known") == "no-longer-known"
            assert [value for value, _label in OptionStatus.choices()][:2] == ["idea",
                                                                             "designed"]
