"""Figure rules without HTTP: new members, reach in a period, what counts as an event, the
session figures the events count."""

from datetime import UTC, date, datetime, timedelta

import pytest

from m4eg.core.time import utcnow
from m4eg.extensions import db
from m4eg.figures import services
from m4eg.figures.services import Period


def period(start, end):
    """The period of the months ``start`` to ``end`` (inclusive), as the page reads it."""
    return Period.from_args({"from": start, "to": end})

def _joined(make_municipality, *years):
    from m4eg.municipalities.models import Municipality

    members = [make_municipality() for _year in years]  # each commits in its own context
    for member, year in zip(members, years, strict=True):
        db.session.get(Municipality, member.id).joined_year = year
    db.session.commit()

def test_new_members_count_the_whole_years_that_lie_in_the_period(app_ctx, make_municipality,
                                                                   english):
    _joined(make_municipality, 2021, 2022, 2022, 2023)
    assert services.count_new_members(period("2022-01", "2022-12")) == (2, "")
    assert services.count_new_members(period("2021-01", "2023-12")) == (4, "")
    assert services.count_new_members(period("2024-01", "2024-12")) == (0, "")

def test_new_members_are_na_when_a_join_year_lies_only_partly_in_the_period(
        app_ctx, make_municipality, english):
    _joined(make_municipality, 2021, 2023)
    value, reason = services.count_new_members(period("2023-05", "2024-05"))
    assert value is None
    assert str(reason) == ("The register records only the year a member joined, and 2023 lies "
                      "only partly in the period.")
    # A year that touches the period nowhere does not matter.
    assert services.count_new_members(period("2022-01", "2022-06")) == (0, "")

def test_new_members_are_na_when_a_member_has_no_join_year(app_ctx, make_municipality,
                                                           english):
    _joined(make_municipality, 2021, None)
    value, reason = services.count_new_members(period("2021-01", "2021-12"))
    assert value is None and "no year of joining for 1 members" in str(reason)

def _reach(reach=100, starts="2024-01-01", ends="2024-01-31", channel="website"):
    return services.save_reach(None, {
        "channel": channel, "reach": reach, "starts_on": date.fromisoformat(starts),
        "ends_on": date.fromisoformat(ends), "source": "Site statistics", "note": ""})

def test_reach_counts_in_the_period_that_holds_the_end_of_its_range(app_ctx):
    _reach(100, "2023-12-01", "2024-01-31")  # ends in January: counted in January only
    _reach(40, "2024-02-01", "2024-02-29", channel="facebook")
    assert services.reach_total(period("2024-01", "2024-01")) == 100
    assert services.reach_total(period("2023-12", "2023-12")) == 0
    assert services.reach_total(period("2024-01", "2024-02")) == 140
    assert services.reach_total(Period()) == 140

@pytest.mark.parametrize(("data", "field", "message"), [
    ({"reach": -1}, "reach", "The number of people reached cannot be negative."),
    ({"ends": "2023-12-31"}, "ends_on", "The range must end on or after the day it starts."),
    ({"channel": "tiktok"}, "channel", "Choose a channel from the list."),
])
def test_a_wrong_reach_record_is_refused_and_nothing_is_written(app_ctx, english, data, field,
                                                                 message):
    from m4eg.figures.models import ReachRecord

    arguments = {"reach": data.get("reach", 5), "ends": data.get("ends", "2024-01-31"),
                 "channel": data.get("channel", "press")}
    with pytest.raises(services.FigureError) as refused:
        _reach(**arguments)
    assert refused.value.field == field and str(refused.value.message) == message
    db.session.rollback()
    assert db.session.query(ReachRecord).count() == 0

def test_editing_a_reach_record_opened_on_an_old_version_is_refused(app_ctx):
    record = _reach(10)
    data = {"channel": "press", "reach": 20, "starts_on": record.starts_on,
            "ends_on": record.ends_on, "source": "Press clippings", "note": ""}
    services.save_reach(record, data, version=1)
    assert record.version == 2 and record.reach == 20
    with pytest.raises(services.EditConflict):
        services.save_reach(record, {**data, "reach": 30}, version=1)

def test_meetings_and_study_tours_count_as_events_until_a_coordinator_changes_it(app_ctx,
                                                                                 demonstrators):
    may = period("2023-05", "2024-05")
    assert services.counting_kinds() == ["study_tour", "meeting"]
    assert services.event_counts(may)["activities"] == 3
    services.set_event_kinds({"meeting", "study_tour", "fair"})
    assert services.event_counts(may)["activities"] == 4  # the job fair
    with pytest.raises(services.FigureError):
        services.set_event_kinds({"meeting", "party"})

def test_ulc_sessions_count_as_events_once_they_took_place_with_those_present_by_sex(
        app_ctx, make_user):
    from m4eg.workshops.models import Workshop, WorkshopRegistration

    def session(starts):
        workshop = Workshop(course_slug="community-listening", city_az="Şəki", city_en="Sheki",
                            venue="Hall", starts_at=starts, ends_at=starts + timedelta(hours=3),
                            registration_deadline=starts - timedelta(days=1), capacity=9,
                            seats_taken=0)
        db.session.add(workshop)
        db.session.flush()
        return workshop

    people = [(make_user(sex=sex), attendance) for sex, attendance in (
        ("female", "present"), ("male", "present"), ("female", "absent"))]
    held = session(datetime(2024, 3, 5, 6, tzinfo=UTC))
    session(utcnow() + timedelta(days=3))  # not yet held
    for user, attendance in people:
        db.session.add(WorkshopRegistration(workshop_id=held.id, user_id=user.id,
                                            status="confirmed", attendance=attendance))
    db.session.commit()
    counts = services.event_counts(Period())
    assert counts["sessions"] == 1
    assert counts["participants"] == {"female": 1, "male": 1, "not_stated": 0}
    assert services.event_counts(period("2024-04", "2024-12"))["sessions"] == 0

def test_a_period_outside_the_records_is_said_so(app_ctx, demonstrators, english):
    assert services.data_notice(period("2023-05", "2024-05")) == ""
    assert "ends before the first record (1 April 2023)" in services.data_notice(
        period("2001-01", "2001-12"))
    future = (utcnow() + timedelta(days=400)).strftime("%Y-%m")
    assert "lies in the future" in services.data_notice(period(future, future))
