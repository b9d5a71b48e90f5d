"""Workshops over HTTP: registration, waitlist, seat mail, the coordinators' pages."""

import re
import threading
from datetime import UTC, timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from m4eg.core.time import utcnow
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
    with time_machine.travel(utcnow() + timedelta(days=10, hours=1)):  # the session has begun
        login_as("coordinator")
        coordinator_page = client.get(f"/en/workshops/{workshop_id}/attendance").get_data(
            as_text=True)
        registration_id = re.search(r'name="r-(\d+)"', coordinator_page).group(1)
        client.post(f"/en/workshops/{workshop_id}/attendance",
                    data={f"r-{registration_id}": "present"})
    with app.app_context():
        assert db.session.get(WorkshopRegistration, int(registration_id)).attendance == "present"


def test_coordinator_creates_a_session_and_bad_dates_keep_the_input(app, client, login_as):
    login_as("coordinator")
    data = {"course_slug": SLUG, "city_az": "Lənkəran", "city_en": "Lankaran",
            "venue": "Gənclər evi", "starts_at": "2030-05-10T10:00",
            "ends_at": "2030-05-10T09:00", "registration_deadline": "2030-05-01T18:00",
            "capacity": "25"}
    refused = client.post("/en/workshops/new", data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
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
    closed_id = make_workshop(SLUG, days=0.5)  # registration closed a day before
    login_as("staff")
    for session_id, refusal in ((workshop_id, "already taken place"),
                                (closed_id, "Registration for this session is closed")):
        page = client.get(f"/en/workshops/{session_id}").get_data(as_text=True)
        assert refusal in page and ">Register</button>" not in page
        response = client.post(f"/en/workshops/{session_id}/register")
        assert response.status_code == 302  # refused, back to the session with a message
        assert refusal in client.get(response.headers["Location"]).get_data(as_text=True)
    with client.application.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorkshopRegistration)) == 0
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
    with time_machine.travel(utcnow() + timedelta(days=10, hours=1)):
        login_as("coordinator")
        page = client.get(f"/az/workshops/{workshop_id}/attendance").get_data(as_text=True)
    assert ">təsdiqlənib</td>" in page and ">gözləmə siyahısında</td>" in page
    assert '<option value="present">İştirak etdi</option>' in page
    assert '<option value="excused">Üzrlü səbəbdən iştirak etmədi</option>' in page


def test_index_lists_upcoming_and_past_apart_with_times_as_10_00(client, make_workshop, app):
    from datetime import datetime

    upcoming_id = make_workshop(SLUG, city_en="Lankaran", city_az="Lənkəran")
    past_id = make_workshop(SLUG, days=-30, city_en="Mingachevir", city_az="Mingəçevir")
    with app.app_context():
        upcoming = db.session.get(Workshop, upcoming_id)
        upcoming.starts_at = datetime.combine(upcoming.starts_at.date(),
                                              datetime.min.time(), UTC) + timedelta(hours=6)
        upcoming.ends_at = upcoming.starts_at + timedelta(hours=5)
        upcoming.registration_deadline = upcoming.starts_at - timedelta(days=1)
        db.session.get(Workshop, past_id).date_precision = "month"
        db.session.commit()
    for lang, past_heading in (("en", "Past sessions"), ("az", None)):
        page = client.get(f"/{lang}/workshops/").get_data(as_text=True)
        assert ", 10:00</td>" in page and ":00:00" not in page and " AM" not in page
        if past_heading:
            assert '<td data-label="Present">0</td>' in page  # nobody recorded present
            assert page.index("Upcoming sessions") < page.index("Lankaran") \
                < page.index(past_heading) < page.index("Mingachevir")


def test_walk_ins_at_the_door_and_a_refusal_without_name_or_organisation(
        app, client, login_as, make_workshop, make_municipality):
    member = make_municipality(name_en="Sheki City Municipality")
    workshop_id = make_workshop(SLUG, days=-1)
    login_as("coordinator")
    refused = client.post(f"/en/workshops/{workshop_id}/guests",
                          data={"name": "", "organisation": " ", "sex": "female"})
    assert refused.status_code == 400
    assert "name or their organisation." in refused.get_data(as_text=True)
    added = client.post(f"/en/workshops/{workshop_id}/guests", data={
        "organisation": "EU Delegation to Azerbaijan", "municipality_id": str(member.id),
        "sex": "female"})
    assert added.status_code == 302
    page = client.get(f"/en/workshops/{workshop_id}/attendance").get_data(as_text=True)
    assert "EU Delegation to Azerbaijan" in page and "Sheki City Municipality" in page
    assert "Present (participants and guests): 1" in page
    future_id = make_workshop(SLUG)
    early = client.post(f"/en/workshops/{future_id}/attendance", data={})
    assert early.status_code == 302
    assert "only once the session has started" in client.get(
        early.headers["Location"]).get_data(as_text=True)
    bad = client.post(f"/en/workshops/{workshop_id}/guests", data={
        "organisation": "X", "municipality_id": "nope", "sex": "female"})
    assert bad.status_code == 400


def test_a_coordinator_records_a_session_that_took_place(client, login_as, app):
    login_as("coordinator")
    response = client.post("/en/workshops/new", data={
        "course_slug": SLUG, "city_az": "Lənkəran", "city_en": "Lankaran", "venue": "",
        "starts_at": "2023-11-06T10:00", "ends_at": "2023-11-06T17:00",
        "registration_deadline": "", "capacity": "40", "date_precision": "month"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "November 2023" in page and "This session has already taken place." in page
    assert "not given in the source" in page and ">Register</button>" not in page


def _pdf_words(data: bytes):
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(data)) as document:
        return [(page.width, page.height, page.extract_words(), page.extract_text())
                for page in document.pages]


def test_the_sign_in_sheet_is_an_a4_pdf_with_the_confirmed_names_for_coordinators_only(
        app, client, login_as, make_user, make_workshop):
    from m4eg.accounts.services import get_user

    workshop_id = make_workshop(SLUG, capacity=1)
    with app.app_context():
        workshop = services.get_workshop(workshop_id)
        first = get_user(make_user(name="Günay Şərifova").id)
        second = get_user(make_user(name="Waiting Person").id)
        services.register(first, workshop)
        services.register(second, workshop)  # waitlisted: not on the sheet
        db.session.commit()
    url = f"/en/workshops/{workshop_id}/sign-in-sheet.pdf"
    login_as("staff")
    assert client.get(url).status_code == 403
    login_as("coordinator")
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    [(width, height, words, text)] = _pdf_words(response.data)
    assert (round(width), round(height)) == (595, 842)
    for word in words:
        assert word["x0"] >= 20 and word["x1"] <= width - 20, word
        assert word["top"] >= 20 and word["bottom"] <= height - 20, word
    assert "Sign-in sheet" in text and "Sheki" in text and "Zal" in text
    assert "Günay Şərifova" in text and "Waiting Person" not in text
    assert "Signature" in text and "Organisation or municipality" in text
    assert re.search(r"\b6\b", text)  # at least five blank rows for walk-ins follow the name


def test_my_learning_lists_my_workshops_with_the_waitlist_place(app, client, login_as,
                                                                make_user, make_workshop):
    from m4eg.accounts.services import get_user

    workshop_id = make_workshop(SLUG, capacity=1, city_en="Lankaran")
    login_as("staff")
    page = client.get("/en/courses/my-learning").get_data(as_text=True)
    assert "You have not registered for an in-person workshop." in page
    with app.app_context():
        services.register(get_user(make_user().id), services.get_workshop(workshop_id))
        db.session.commit()
    client.post(f"/en/workshops/{workshop_id}/register")
    page = client.get("/en/courses/my-learning").get_data(as_text=True)
    assert "My in-person workshops" in page and "Lankaran" in page
    assert "number 1 on the waitlist" in page


def test_a_coordinator_adds_a_participant_with_an_account_to_a_past_session(
        app, client, login_as, make_user, make_workshop):
    learner = make_user(role="staff", email="aysel@example.org", name="Aysel Məmmədova")
    workshop_id = make_workshop(SLUG, days=-1, capacity=5)
    login_as("coordinator")
    url = f"/en/workshops/{workshop_id}/participants"
    unknown = client.post(url, data={"email": "nobody@example.org"})
    assert unknown.status_code == 400
    assert "No account has this email address." in unknown.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WorkshopRegistration)) == 0
    page = client.get(f"/en/workshops/{workshop_id}/attendance").get_data(as_text=True)
    assert "Add a participant with an account" in page
    added = client.post(url, data={"email": "AYSEL@example.org "})
    assert added.status_code == 302
    page = client.get(added.headers["Location"]).get_data(as_text=True)
    assert "Aysel Məmmədova has been added to the attendance as present." in page
    assert "Present (participants and guests): 1" in page
    again = client.post(url, data={"email": "aysel@example.org"})
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "Aysel Məmmədova was already registered for this session" in page
    assert "Present (participants and guests): 1" in page
    with app.app_context():
        record = db.session.scalar(select(WorkshopRegistration))
        assert (record.user_id, record.attendance) == (learner.id, "present")


def test_attendance_by_municipality_is_in_the_azerbaijani_alphabet_no_municipality_last(
        app, client, login_as, make_workshop, make_municipality):
    names = ("Zaqatala", "Şəki", "Sabirabad", "İsmayıllı", "Xaçmaz", "Ismayilli")
    members = [make_municipality(name_en=name) for name in names]
    workshop_id = make_workshop(SLUG, days=-1)
    with app.app_context():
        workshop = services.get_workshop(workshop_id)
        services.add_guest(workshop, organisation="EU Delegation")
        for member in members:
            services.add_guest(workshop, name="Guest", municipality_id=member.id)
        db.session.commit()
    login_as("coordinator")
    page = client.get(f"/en/workshops/{workshop_id}/attendance").get_data(as_text=True)
    line = page[page.index("By municipality:"):]
    line = line[:line.index("</p>")]
    order = ["Xaçmaz", "Ismayilli", "İsmayıllı", "Sabirabad", "Şəki", "Zaqatala",
             "no municipality"]
    assert [line.index(name) for name in order] == sorted(line.index(name) for name in order)


def test_a_new_sessions_date_reads_in_the_long_format(client, login_as):
    login_as("coordinator")
    response = client.post("/az/workshops/new", data={
        "course_slug": SLUG, "city_az": "Bakı", "city_en": "Baku", "venue": "Zal",
        "starts_at": "2030-03-12T10:00", "ends_at": "2030-03-12T17:00",
        "registration_deadline": "2030-03-10T18:00", "capacity": "20"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "12 mart 2030, 10:00" in page and "12 mar 2030" not in page


def _stacked_tables(page: str) -> list:
    """The tables of ``page`` that turn into cards on a phone, each checked cell by cell: every
    value cell carries its column's label (an empty label only on a row of its own: "nobody
    has registered yet", or a button)."""
    from lxml import html

    tables = html.fromstring(page).xpath("//main//table")
    for table in tables:
        assert "stack" in table.get("class", "").split(), html.tostring(table)[:200]
        headings = [th.text_content().strip() for th in table.xpath("./thead/tr/th")]
        for row in table.xpath("./tbody/tr"):
            cells = row.xpath("./td|./th")
            if len(cells) == 1:
                continue
            for heading, cell in zip(headings, cells, strict=True):
                button_only = cell.get("data-label") == "" and cell.xpath(".//button")
                if cell.tag == "td" and not button_only:
                    assert cell.get("data-label") == heading, (heading, html.tostring(cell))
    return tables


def test_the_workshop_tables_become_labelled_cards_on_a_phone(
        app, client, login_as, make_user, make_workshop):
    """Index (upcoming and past), attendance register (participants and guests) and My
    learning: each cell says which column it belongs to, so the stacked card reads "Present 3"
    and the attendance select has its label above it."""
    from m4eg.courses import services as courses

    past_id = make_workshop(SLUG, capacity=3, days=-2, city_en="Lankaran")
    make_workshop(SLUG, capacity=3, days=10)
    staff = login_as("staff")
    with app.app_context():
        from m4eg.accounts.services import get_user

        user = get_user(staff.id)
        courses.enrol(user, courses.get_course(SLUG))
        services.add_participant(services.get_workshop(past_id), user)
        services.add_guest(services.get_workshop(past_id), organisation="UNDP")
        db.session.commit()
    page = client.get("/en/courses/my-learning").get_data(as_text=True)
    assert len(_stacked_tables(page)) == 2  # the courses, then the workshops
    assert 'data-label="Certificate"' in page and 'data-label="Course">Community' in page
    page = client.get("/en/workshops/").get_data(as_text=True)
    assert len(_stacked_tables(page)) == 2
    assert 'data-label="Present">2</td>' in page  # the staff member and the guest
    login_as("coordinator")
    page = client.get(f"/en/workshops/{past_id}/attendance").get_data(as_text=True)
    assert len(_stacked_tables(page)) == 2
    assert re.search(r'<td data-label="Attendance">\s*<label[^>]*>[^<]*</label>\s*<select', page)


def test_the_stylesheet_stacks_those_tables_and_puts_labels_above_values_on_a_phone():
    """One responsive-table pattern (class "stack", the label from data-label) and the facts
    list in one column under 40rem, with values wrapped between words only."""
    from pathlib import Path

    css = (Path(__file__).resolve().parents[2] / "static/css/site.css").read_text()
    blocks = re.findall(r"@media \(max-width: (\d+)rem\) \{(.*?)\n\}", css, re.S)
    phone = "".join(body for width, body in blocks if int(width) <= 48)
    assert "table.stack:not(.edit-table) td::before { content: attr(data-label);" in phone
    assert re.search(r"table\.stack td select \{[^}]*width: 100%", phone)
    narrow = "".join(body for width, body in blocks if int(width) <= 40)
    assert ".facts { grid-template-columns: minmax(0, 1fr);" in narrow
    assert not re.search(r"\.facts dd \{[^}]*overflow-wrap: anywhere", css)


@pytest.mark.parametrize(("capacity", "blank"), [(1, 5), (12, 11), (500, 60)])
def test_the_sign_in_sheet_has_blank_rows_up_to_the_capacity_and_a_sex_column(
        app, client, login_as, make_user, make_workshop, capacity, blank):
    """Walk-ins get rows up to the session's seats (at least 5, at most 60) and a column to
    give their sex, as the register records it."""
    from m4eg.accounts.services import get_user

    workshop_id = make_workshop(SLUG, capacity=capacity)
    with app.app_context():
        services.register(get_user(make_user(name="Günay Şərifova").id),
                          services.get_workshop(workshop_id))
        db.session.commit()
    login_as("coordinator")
    data = client.get(f"/en/workshops/{workshop_id}/sign-in-sheet.pdf").data
    pages = _pdf_words(data)
    text = "\n".join(page_text for *_, page_text in pages)
    assert "Sex (F/M/–)" in text and "Sex: F female, M male" in text
    numbers = [int(w["text"]) for *_, words, _ in pages for w in words
               if w["text"].isdigit() and w["x0"] < 50]
    assert numbers == list(range(1, 2 + blank))
    for width, height, words, _ in pages:
        for word in words:
            assert word["x0"] >= 20 and word["x1"] <= width - 20, word
            assert word["top"] >= 20 and word["bottom"] <= height - 20, word
