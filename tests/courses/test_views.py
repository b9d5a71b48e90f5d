"""The learner journey and the coordinators' pages over HTTP."""

import io
import re

from pypdf import PdfReader
from sqlalchemy import select

from m4eg.courses import services
from m4eg.courses.content import Catalogue
from m4eg.courses.models import Certificate, QuizAttempt
from m4eg.extensions import db

SLUG = "community-listening"


def _course(app):
    with app.app_context():
        return services.get_course(SLUG)


def _answers(client, course, correct=True, lang="en"):
    """The answers to the paper the quiz page draws (its id included)."""
    page = client.get(f"/{lang}/courses/{course.slug}/quiz").get_data(as_text=True)
    drawn = set(re.findall(r'name="q-([a-z0-9-]+)"', page))
    data = {"paper": re.search(r'name="paper" value="(\d+)"', page).group(1)}
    for q in course.questions:
        if q.id in drawn:
            options = [o.id for o in q.options if o.correct == correct]
            data[f"q-{q.id}"] = options if correct else options[:1]
    return data


def test_catalogue_filters_by_topic_and_shows_hours_and_level(client):
    page = client.get("/en/courses/?topic=p4eg").get_data(as_text=True)
    assert "Designing a" in page and "Community and social listening" not in page
    everything = client.get("/en/courses/?topic=unknown").get_data(as_text=True)
    assert everything.count('<article class="card link-card">') == 6
    assert "hours" in everything and "Introductory" in everything


def test_each_topic_chip_leads_to_its_courses(client):
    catalogue = client.get("/en/courses/").get_data(as_text=True)
    for topic, title in (("monitoring", "Adaptive management, learning and monitoring"),
                         ("sdgs", "Localising the SDGs in municipal work")):
        assert f'href="/en/courses/?topic={topic}"' in catalogue
        page = client.get(f"/en/courses/?topic={topic}").get_data(as_text=True)
        assert title in page and "No course on this topic yet" not in page


def test_a_topic_no_course_carries_is_not_offered(app, client, monkeypatch):
    with app.app_context():
        without_sdgs = [c for c in services.catalogue().courses if "sdgs" not in c.topics]
    monkeypatch.setitem(app.extensions, "m4eg_courses", Catalogue(tuple(without_sdgs)))
    page = client.get("/en/courses/").get_data(as_text=True)
    assert "?topic=sdgs" not in page and "?topic=monitoring" in page
    filtered = client.get("/en/courses/?topic=sdgs").get_data(as_text=True)
    assert "No course on this topic yet" not in filtered
    assert filtered.count('<article class="card link-card">') == len(without_sdgs)


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
    result = client.post(f"/az/courses/{SLUG}/quiz", data=_answers(client, course, lang="az"))
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
    data = _answers(client, course)
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
                       data=_answers(client, course, correct=False)).get_data(as_text=True)
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


def test_reports_and_export(app, client, login_as):
    learner = login_as("staff")
    client.post(f"/en/courses/{SLUG}/enrol")
    login_as("coordinator")
    page = client.get("/en/courses/reports").get_data(as_text=True)
    assert "Community and social listening" in page
    csv = client.get("/en/courses/reports.csv").get_data(as_text=True)
    assert csv.splitlines()[0] == ("\ufeffCourse,Municipality,Enrolled,Completed,"
                                   "Completion rate (%),Average best quiz score (%)")
    assert "Community and social listening: an introduction,Test Municipality 1,1,0,0,0" in csv
    assert learner.email not in csv
    az = client.get("/az/courses/reports.csv").get_data(as_text=True)
    assert az.splitlines()[0].startswith("\ufeffKurs,Bələdiyyə,")
