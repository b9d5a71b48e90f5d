"""The learner journey and the coordinators' pages over HTTP."""

import io
import re
import threading
from datetime import UTC

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from m4eg.courses import services
from m4eg.courses.models import Certificate, QuizAttempt, Workshop, WorkshopRegistration
from m4eg.extensions import db
from tests.conftest import TEST_DATABASE_URL

SLUG = "community-listening"


def _course(app):
    with app.app_context():
        return services.get_course(SLUG)


def _answers(course, correct=True):
    data = {}
    for q in course.questions:
        options = [o.id for o in q.options if o.correct == correct]
        data[f"q-{q.id}"] = options if correct else options[:1]
    return data


def test_catalogue_filters_by_topic_and_shows_hours_and_level(client):
    page = client.get("/en/courses/?topic=p4eg").get_data(as_text=True)
    assert "Designing a" in page and "Community and social listening" not in page
    everything = client.get("/en/courses/?topic=unknown").get_data(as_text=True)
    assert everything.count('<article class="card">') == 4
    assert "hours" in everything and "Introductory" in everything


def test_the_whole_learner_journey(app, client, login_as):
    user = login_as("staff", name="Aytən Şükürova Ğ")
    course = _course(app)
    assert client.post(f"/az/courses/{SLUG}/enrol").status_code == 302
    first = client.get(f"/az/courses/{SLUG}/{course.lessons[0].slug}")
    page = first.get_data(as_text=True)
    assert first.status_code == 200 and course.lessons[0].title["az"] in page
    assert f'href="/az/courses/{SLUG}/{course.lessons[1].slug}"' in page  # next / TOC
    assert client.get(f"/az/courses/{SLUG}/certificate").status_code == 403  # not yet
    for lesson in course.lessons:
        client.post(f"/az/courses/{SLUG}/{lesson.slug}/done")
    result = client.post(f"/az/courses/{SLUG}/quiz", data=_answers(course))
    assert result.status_code == 200
    response = client.get(f"/az/courses/{SLUG}/certificate")
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[1]
    pdf = client.get(f"/az/certificates/{code}.pdf")
    assert pdf.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Aytən Şükürova Ğ" in text and code in text and course.title["az"][:20] in text
    learning = client.get("/en/courses/my-learning").get_data(as_text=True)
    assert code in learning and "5 / 5" in learning
    anonymous = app.test_client()
    verified = anonymous.get(f"/en/certificates/{code}").get_data(as_text=True)
    assert "Certificate verified" in verified and user.name in verified
    assert anonymous.get(f"/en/certificates/{code}.pdf").status_code == 302  # login first


def test_quiz_errors_are_shown_with_the_answers_kept(app, client, login_as):
    login_as("staff")
    course = _course(app)
    client.post(f"/en/courses/{SLUG}/enrol")
    data = _answers(course)
    first = course.questions[0]
    data.pop(f"q-{first.id}")
    second = course.questions[1]
    data[f"q-{second.id}"] = ["not-an-option"]
    response = client.post(f"/en/courses/{SLUG}/quiz", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Answer this question." in page and "This answer is not one of the options." in page
    third = course.questions[2]
    chosen = data[f"q-{third.id}"][0]
    assert f'value="{chosen}" checked' in page
    with app.app_context():
        assert db.session.scalar(select(QuizAttempt)) is None


def test_explanations_are_shown_after_an_attempt(app, client, login_as):
    login_as("staff")
    course = _course(app)
    client.post(f"/en/courses/{SLUG}/enrol")
    page = client.post(f"/en/courses/{SLUG}/quiz",
                       data=_answers(course, correct=False)).get_data(as_text=True)
    assert "Not passed yet" in page
    assert course.questions[0].explanation["en"][:40] in page


def test_lessons_need_enrolment_and_unknown_ones_are_404(client, login_as):
    login_as("staff")
    response = client.get(f"/en/courses/{SLUG}/why-listen")
    assert response.status_code == 302 and response.headers["Location"] == f"/en/courses/{SLUG}"
    assert client.get(f"/en/courses/{SLUG}/no-such-lesson").status_code == 404
    assert client.get("/en/courses/no-such-course").status_code == 404
    client.post(f"/en/courses/{SLUG}/enrol")
    again = client.post(f"/en/courses/{SLUG}/enrol", follow_redirects=True)
    assert "already enrolled" in again.get_data(as_text=True)


def test_unknown_certificate_is_404(client):
    assert client.get("/en/certificates/ABCD-EFGH-JKLM").status_code == 404


def test_someone_elses_certificate_pdf_is_refused(app, client, login_as, make_user):
    owner = make_user()
    with app.app_context():
        db.session.add(Certificate(code="AAAA-BBBB-CCCC", user_id=owner.id, course_slug=SLUG,
                                   learner_name=owner.name, course_title_az="X",
                                   course_title_en="X", hours=4, language="en"))
        db.session.commit()
    login_as("staff")
    assert client.get("/en/certificates/AAAA-BBBB-CCCC.pdf").status_code == 403
    login_as("coordinator")
    assert client.get("/en/certificates/AAAA-BBBB-CCCC.pdf").status_code == 200




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


def test_reports_and_export(app, client, login_as):
    learner = login_as("staff")
    client.post(f"/en/courses/{SLUG}/enrol")
    login_as("coordinator")
    page = client.get("/en/courses/reports").get_data(as_text=True)
    assert "Community and social listening" in page
    csv = client.get("/en/courses/reports.csv").get_data(as_text=True)
    assert f"{SLUG}," in csv and learner.email not in csv


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
