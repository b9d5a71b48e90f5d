"""Workshop rules without HTTP: seats, waitlist, capacity, attendance."""

from datetime import timedelta

import pytest

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


def test_attendance_and_counts_by_sex(app_ctx, make_user):
    user = get_user(make_user().id)
    workshop = _workshop(capacity=5)
    user.sex = "female"
    record = services.register(user, workshop)
    services.set_attendance(workshop, {record.id: "present"})
    assert record.attendance == "present"
    assert services.attendance_counts(workshop)["sex"] == {"female": 1}
    with pytest.raises(services.WorkshopError):
        services.set_attendance(workshop, {record.id + 999: "present"})


def test_seat_counter_never_exceeds_capacity_in_the_database(app_ctx):
    workshop = _workshop(capacity=1)
    assert services._take_seat(workshop.id) is True
    assert services._take_seat(workshop.id) is False
    db.session.refresh(workshop)
    assert workshop.seats_taken == 1 and isinstance(workshop, Workshop)
