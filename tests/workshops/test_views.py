"""Workshops over HTTP: registration, waitlist, seat mail, the coordinators' pages."""

import re
import threading
from datetime import UTC

import pytest
from sqlalchemy import select

from m4eg.extensions import db
from m4eg.workshops import services
from m4eg.workshops.models import Workshop, WorkshopRegistration
from tests.conftest import TEST_DATABASE_URL

SLUG = "community-listening"


def test_workshop_registration_waitlist_and_attendance(app, client, login_as, make_user,
                                                        outbox, make_workshop):
    workshop_id = make_workshop(SLUG, capacity=1)
    first = make_user(preferred_language="en")
    login_as("staff")
    other = app.test_client()
    other.post("/en/accounts/login", data={"email": first.email, "password": first.password})
    assert other.post(f"/en/workshops/{workshop_id}/register").status_code == 302
    client.post(f"/en/workshops/{workshop_id}/register")
    page = client.get(f"/en/workshops/{workshop_id}").get_data(as_text=True)
    assert "You are number 1 on the waitlist." in page
    other.post(f"/en/workshops/{workshop_id}/cancel")
    assert "Your seat is confirmed." in client.get(f"/en/workshops/{workshop_id}").get_data(
        as_text=True)
    confirmed, promoted = outbox.wait_for(2)
    assert confirmed["To"] == first.email  # a seat at once: confirmed by mail
    assert confirmed["Subject"] == "Your ULC workshop seat is confirmed"
    assert "is confirmed" in _text(confirmed)
    assert promoted["To"] != first.email  # the waitlisted person got the freed seat
    assert "yer boşaldı" in _text(promoted)  # the staff member reads az
    login_as("coordinator")
    coordinator_page = client.get(f"/en/workshops/{workshop_id}").get_data(as_text=True)
    registration_id = re.search(r'name="r-(\d+)"', coordinator_page).group(1)
    client.post(f"/en/workshops/{workshop_id}/attendance", data={f"r-{registration_id}": "present"})
    with app.app_context():
        assert db.session.get(WorkshopRegistration, int(registration_id)).attendance == "present"


def test_coordinator_creates_a_session_and_bad_dates_keep_the_input(app, client, login_as):
    login_as("coordinator")
    data = {"course_slug": SLUG, "city_az": "Lənkəran", "city_en": "Lankaran",
            "venue": "Gənclər evi", "starts_at": "2030-05-10T10:00",
            "ends_at": "2030-05-10T09:00", "registration_deadline": "2030-05-01T18:00",
            "capacity": "25"}
    page = client.post("/en/workshops/new", data=data).get_data(as_text=True)
    assert "must end after it starts" in page and 'value="Gənclər evi"' in page
    data["ends_at"] = "2030-05-10T17:00"
    response = client.post("/en/workshops/new", data=data)
    assert response.status_code == 302
    with app.app_context():
        workshop = db.session.scalar(select(Workshop))
        assert workshop.starts_at.hour == 6  # 10:00 in Baku is 06:00 UTC


def test_registering_for_a_past_session_is_refused_with_a_message(client, login_as,
                                                                  make_workshop):
    workshop_id = make_workshop(SLUG, days=-3)
    login_as("staff")
    response = client.post(f"/en/workshops/{workshop_id}/register", follow_redirects=True)
    assert "already taken place" in response.get_data(as_text=True)
    assert client.post("/en/workshops/999999/register").status_code == 404


@pytest.mark.skipif(not TEST_DATABASE_URL.startswith("postgresql"),
                    reason="concurrent transactions need PostgreSQL (M4EG_TEST_DATABASE_URL); "
                           "CI runs it")
def test_two_people_never_take_the_last_seat_at_once(app, make_user, make_workshop):
    from m4eg.accounts.services import get_user

    workshop_id = make_workshop(SLUG, capacity=1)
    users = [make_user().id for _ in range(8)]
    barrier = threading.Barrier(len(users))
    results, errors = [], []

    def attempt(user_id):
        with app.app_context():
            try:
                user = get_user(user_id)
                workshop = db.session.get(Workshop, workshop_id)
                barrier.wait(timeout=10)
                results.append(services.register(user, workshop).status)
                db.session.commit()
            except Exception as error:  # reported below, never swallowed
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=attempt, args=(user_id,)) for user_id in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(results) == ["confirmed"] + ["waitlisted"] * 7
    with app.app_context():
        assert db.session.get(Workshop, workshop_id).seats_taken == 1


@pytest.mark.parametrize("version", [" ", "abc", "99999999999999999999"])
def test_hand_edited_version_of_a_session_is_refused_not_a_500(app, client, login_as, version,
                                                                make_workshop):
    workshop_id = make_workshop(SLUG, capacity=5)
    login_as("coordinator")
    response = client.post(f"/en/workshops/{workshop_id}/edit", data={
        "course_slug": SLUG, "city_az": "Şəki", "city_en": "Sheki", "venue": "Edited by hand",
        "starts_at": "2030-05-10T10:00", "ends_at": "2030-05-10T17:00",
        "registration_deadline": "2030-05-01T18:00", "capacity": "25", "version": version})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "This form is out of date. Reload the page and try again." in page
    assert 'value="Edited by hand"' in page  # what was typed is kept
    with app.app_context():
        assert db.session.get(Workshop, workshop_id).venue == "Zal"


def test_a_seat_confirmation_brings_the_session_for_the_calendar(app, client, make_user,
                                                                  outbox, make_workshop):
    import icalendar

    workshop_id = make_workshop(SLUG, capacity=5)
    learner = make_user(preferred_language="az", name="Nigar Əliyeva")
    client.post("/az/accounts/login", data={"email": learner.email, "password": learner.password})
    assert client.post(f"/az/workshops/{workshop_id}/register").status_code == 302
    [message] = outbox.wait_for(1)
    assert message["Subject"] == "ULC seminarında yeriniz təsdiqləndi"
    body = _text(message)
    assert "Hörmətli Nigar Əliyeva" in body and "Şəki" in body
    assert f"http://localhost/az/workshops/{workshop_id}" in body
    [attachment] = list(message.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "workshop.ics"
    assert attachment.get_content_charset() == "utf-8"
    [event] = icalendar.Calendar.from_ical(attachment.get_content()).walk("VEVENT")
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        starts = workshop.starts_at.replace(tzinfo=UTC) if workshop.starts_at.tzinfo is None \
            else workshop.starts_at
    assert event.decoded("dtstart") == starts.replace(microsecond=0)
    assert str(event["summary"]).startswith("ULC: ")
    assert "Zal" in str(event["location"]) and "Şəki" in str(event["location"])


def _text(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def test_the_coordinators_roster_shows_statuses_and_attendance_in_the_page_language(
        app, client, login_as, make_user, make_workshop):
    """The roster's status and attendance choices come from the enums' labels, translated."""
    from m4eg.accounts.services import get_user

    workshop_id = make_workshop(SLUG, capacity=1)
    with app.app_context():
        workshop = services.get_workshop(workshop_id)
        first, second = (get_user(make_user().id) for _ in range(2))
        services.register(first, workshop)
        services.register(second, workshop)
        db.session.commit()
    login_as("coordinator")
    page = client.get(f"/az/workshops/{workshop_id}").get_data(as_text=True)
    assert "<td>təsdiqlənib</td>" in page and "<td>gözləmə siyahısında</td>" in page
    assert '<option value="present">İştirak etdi</option>' in page
    assert '<option value="excused">Üzrlü səbəbdən iştirak etmədi</option>' in page
