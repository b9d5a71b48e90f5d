"""Workshop rules without HTTP: seats, waitlist, capacity, attendance."""

from datetime import timedelta

import pytest
import time_machine

from m4eg.accounts.services import get_user
from m4eg.core.time import utcnow
from m4eg.extensions import db
from m4eg.workshops import services
from m4eg.workshops.models import Workshop

pytestmark = pytest.mark.usefixtures("english")


def _workshop(capacity=1, **overrides):
    start = utcnow() + timedelta(days=10)
    data = dict(course_slug="community-listening", city_az="Şəki", city_en="Sheki",
                venue="Mədəniyyət mərkəzi", starts_at=start, ends_at=start + timedelta(hours=6),
                registration_deadline=start - timedelta(days=1), capacity=capacity)
    data.update(overrides)
    return services.save_workshop(None, data)


def _edited(workshop, **changes):
    """The session's form data as saved, with ``changes``."""
    data = {k: getattr(workshop, k) for k in ("course_slug", "city_az", "city_en", "venue",
                                              "starts_at", "ends_at", "registration_deadline")}
    return {**data, **changes}


def test_full_session_waitlists_and_a_cancellation_promotes(app_ctx, make_user):
    first, second, third = (get_user(make_user().id) for _ in range(3))
    workshop = _workshop(capacity=1)
    assert services.register(first, workshop).status == "confirmed"
    assert services.register(second, workshop).status == "waitlisted"
    assert services.register(third, workshop).status == "waitlisted"
    assert services.waitlist_position(workshop, services.registration(workshop, third)) == 2
    promoted = services.cancel(first, workshop)
    assert promoted.user_id == second.id and promoted.status == "confirmed"
    assert workshop.seats_taken == 1
    with pytest.raises(services.WorkshopError):
        services.register(second, workshop)


def test_past_or_closed_sessions_refuse_registration(app_ctx, make_user):
    user = get_user(make_user().id)
    past = _workshop(starts_at=utcnow() - timedelta(days=2), ends_at=utcnow() - timedelta(days=1),
                     registration_deadline=utcnow() - timedelta(days=3))
    with pytest.raises(services.WorkshopError, match="already taken place"):
        services.register(user, past)
    closed = _workshop(registration_deadline=utcnow() - timedelta(hours=1))
    with pytest.raises(services.WorkshopError, match="closed"):
        services.register(user, closed)


def test_capacity_cannot_drop_below_seats_taken(app_ctx, make_user):
    users = [get_user(make_user().id) for _ in range(2)]
    workshop = _workshop(capacity=2)
    for user in users:
        services.register(user, workshop)
    with pytest.raises(services.WorkshopError) as error:
        services.save_workshop(workshop, _edited(workshop, capacity=1),
                               version=workshop.version)
    assert error.value.field == "capacity"


def test_raising_capacity_moves_the_waitlist_up(app_ctx, make_user):
    users = [get_user(make_user().id) for _ in range(3)]
    workshop = _workshop(capacity=1)
    for user in users:
        services.register(user, workshop)
    services.save_workshop(workshop, _edited(workshop, capacity=3), version=workshop.version)
    assert [services.registration(workshop, u).status for u in users] == ["confirmed"] * 3


def test_attendance_only_once_started_and_counts_by_sex(app_ctx, make_user):
    user = get_user(make_user().id)
    workshop = _workshop(capacity=5)
    user.sex = "female"
    record = services.register(user, workshop)
    with pytest.raises(services.WorkshopError, match="only once the session has started"):
        services.set_attendance(workshop, {record.id: "present"})
    assert record.attendance is None
    with time_machine.travel(utcnow() + timedelta(days=10, hours=1)):
        services.set_attendance(workshop, {record.id: "present"})
        assert record.attendance == "present"
        assert services.attendance_counts(workshop)["sex"] == {
            "female": 1, "male": 0, "not_stated": 0}
        services.set_attendance(workshop, {record.id: "excused"})
        assert services.attendance_counts(workshop)["total"] == 0  # excused: did not come
        with pytest.raises(services.WorkshopError):
            services.set_attendance(workshop, {record.id + 999: "present"})


def test_seat_counter_never_exceeds_capacity_in_the_database(app_ctx):
    workshop = _workshop(capacity=1)
    assert services._take_seat(workshop.id) is True
    assert services._take_seat(workshop.id) is False
    db.session.refresh(workshop)
    assert workshop.seats_taken == 1 and isinstance(workshop, Workshop)


def _past(days=-3, **overrides):
    """A session recorded by a coordinator after it took place (no registration deadline)."""
    start = utcnow() + timedelta(days=days)
    return _workshop(capacity=10, starts_at=start, ends_at=start + timedelta(hours=6),
                     registration_deadline=None, **overrides)


def test_a_coordinator_records_a_past_session_and_its_attendance(app_ctx, make_user):
    person, other = (get_user(make_user(sex="male").id) for _ in range(2))
    workshop = _past()
    assert workshop.has_started and not workshop.registration_open
    services.add_participant(workshop, person)
    assert services.registration(workshop, person).attendance == "present"
    assert workshop.seats_taken == 1
    with pytest.raises(services.WorkshopError, match="already taken place"):
        services.register(other, workshop)


def test_a_walk_in_needs_a_name_or_an_organisation_and_counts(app_ctx, make_municipality):
    member = make_municipality()
    workshop = _past()
    with pytest.raises(services.WorkshopError, match="name or their organisation") as refused:
        services.add_guest(workshop, name="  ", organisation="", sex="female")
    assert refused.value.field == "name"
    services.add_guest(workshop, organisation="EU Delegation to Azerbaijan", sex="female")
    services.add_guest(workshop, name="Kənan Əliyev", municipality_id=member.id, sex="male")
    counts = services.attendance_counts(workshop)
    assert counts["total"] == 2
    assert counts["sex"] == {"female": 1, "male": 1, "not_stated": 0}
    with pytest.raises(services.WorkshopError):
        services.add_guest(_workshop(), name="Too early", sex="male")  # not started yet


def test_session_figures_count_who_came_by_sex_and_municipality(app_ctx, make_user,
                                                               make_municipality):
    a, b = make_municipality(), make_municipality()
    woman = get_user(make_user(sex="female", municipality_id=a.id).id)
    man = get_user(make_user(sex="male", municipality_id=a.id).id)
    november = _past(days=-40)
    december = _past(days=-10)
    _workshop()  # upcoming: not counted
    services.add_participant(november, woman)
    services.add_participant(november, man)
    services.set_attendance(november, {services.registration(november, man).id: "absent"})
    services.add_guest(november, organisation="Municipality Center of the Ministry of Justice",
                       sex="not_stated")
    services.add_guest(december, name="Aysel", municipality_id=b.id, sex="female")
    assert services.session_figures(None, None) == {
        "sessions": 2, "participants": {"female": 2, "male": 0, "not_stated": 1},
        "municipalities": 2}
    only_november = services.session_figures(None, utcnow() - timedelta(days=20))
    assert only_november == {"sessions": 1,
                             "participants": {"female": 1, "male": 0, "not_stated": 1},
                             "municipalities": 1}
    rows = services.past_sessions(None, None)
    assert [r.workshop.id for r in rows] == [november.id, december.id]  # date order
    assert rows[0].city == "Sheki" and rows[0].venue == "Mədəniyyət mərkəzi"
    assert rows[1].participants == {"female": 1, "male": 0, "not_stated": 0}


def test_month_precision_shows_only_the_month_and_times_have_no_seconds(app_ctx):
    from datetime import UTC, datetime

    from flask_babel import force_locale

    start = datetime(2023, 11, 14, 6, 0, tzinfo=UTC)  # 10:00 in Baku
    workshop = _workshop(starts_at=start, ends_at=start + timedelta(hours=6),
                         registration_deadline=start)
    for language in ("en", "az"):
        with force_locale(language):
            assert services.when(workshop).endswith(", 10:00")
    workshop.date_precision = "month"
    with force_locale("en"):
        assert services.when(workshop) == "November 2023"
    with force_locale("az"):
        assert services.when(workshop).lower() == "noyabr 2023"


def test_my_registrations_list_status_and_waitlist_place(app_ctx, make_user):
    first, second = (get_user(make_user().id) for _ in range(2))
    workshop = _workshop(capacity=1)
    services.register(first, workshop)
    services.register(second, workshop)
    [mine] = services.registrations_of(second)
    assert mine.workshop.id == workshop.id and mine.position == 1
    assert services.registrations_of(first)[0].record.status == "confirmed"


def test_the_calendar_invitation_names_the_session_in_utc(app_ctx):
    import icalendar

    start = utcnow().replace(microsecond=0) + timedelta(days=5)
    workshop = _workshop(starts_at=start, ends_at=start + timedelta(hours=6),
                         registration_deadline=start - timedelta(days=1))
    first = icalendar.Calendar.from_ical(services.workshop_calendar(workshop, "en"))
    [event] = first.walk("VEVENT")
    assert str(event["summary"]) == "ULC: Community listening" or str(
        event["summary"]).startswith("ULC: ")
    assert event["dtstart"].to_ical().endswith(b"Z") and event["dtend"].to_ical().endswith(b"Z")
    assert event.decoded("dtstart") == start and event.decoded("dtend") == start + timedelta(
        hours=6)
    assert str(event["location"]) == "Mədəniyyət mərkəzi, Sheki"
    [again] = icalendar.Calendar.from_ical(services.workshop_calendar(workshop, "az")).walk(
        "VEVENT")
    assert str(again["uid"]) == str(event["uid"]) == f"workshop-{workshop.id}@m4eg"
    assert str(again["location"]) == "Mədəniyyət mərkəzi, Şəki"


def test_demo_load_records_the_november_2023_launch_and_six_ulc_staff(app_ctx, roster):
    from flask_babel import force_locale

    from m4eg.accounts import services as accounts
    from m4eg.municipalities.services import ensure_demo_municipalities

    accounts.ensure_demo_users(ensure_demo_municipalities())
    services.ensure_demo_workshops()
    services.ensure_demo_workshops()  # idempotent
    launch = services.past_sessions(None, None)
    assert [w.workshop.city_en for w in launch] == ["Lankaran", "Mingachevir", "Sheki", "Baku"]
    assert all(w.workshop.is_demo and w.venue == "" for w in launch)
    with force_locale("en"):
        assert {services.when(w.workshop) for w in launch} == {"November 2023"}
    organisations = [g.organisation for w in launch for g in services.guests(w.workshop)]
    assert "EU Delegation to Azerbaijan (demo)" in organisations
    assert organisations.count("Municipality Center of the Ministry of Justice (demo)") == 2
    figures = services.session_figures(None, None)
    assert figures["sessions"] == 4 and figures["municipalities"] == 6
    assert sum(figures["participants"].values()) == 6 + 3
    may_2023, may_2024 = (datetime_utc(2023, 5, 1), datetime_utc(2024, 6, 1))
    assert sum(accounts.ulc_registered_by_sex(may_2023, may_2024).values()) == 6
    upcoming, _ = services.upcoming_and_past()
    assert upcoming and all(w.is_demo for w in upcoming)


def datetime_utc(*parts):
    from datetime import UTC, datetime

    return datetime(*parts, tzinfo=UTC)
