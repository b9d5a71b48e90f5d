"""Lessons offline, server side: a "done" sent again by the offline queue is recorded once, a
refusal is clean, and the service worker script is served so that browsers accept it."""

from __future__ import annotations

import re
import threading

from sqlalchemy import func, select

from m4eg.accounts.models import User
from m4eg.courses import services
from m4eg.courses.models import LessonProgress
from m4eg.extensions import db
from tests.conftest import RACE_TIMEOUT, race

SLUG = "community-listening"
JSON = {"Accept": "application/json"}


def _course(app):
    with app.app_context():
        return services.get_course(SLUG)


def _rows(app, user_id):
    with app.app_context():
        return db.session.scalar(select(func.count(LessonProgress.id)).where(
            LessonProgress.user_id == user_id))


def test_done_twice_is_recorded_once_and_succeeds_both_times(app, client, login_as):
    user = login_as("staff")
    course = _course(app)
    client.post(f"/en/courses/{SLUG}/enrol")
    first, second = course.lessons[0].slug, course.lessons[1].slug
    url = f"/en/courses/{SLUG}/{first}/done"
    for _ in range(2):  # the plain form, as without JavaScript
        response = client.post(url)
        assert response.status_code == 302
        assert response.headers["Location"].endswith(f"/en/courses/{SLUG}/{second}")
    answers = [client.post(url, headers=JSON) for _ in range(2)]  # the offline queue
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.json["done"] for a in answers] == [True, True]
    assert [a.json["recorded"] for a in answers] == [False, False]
    assert answers[0].json["then"] == f"/en/courses/{SLUG}/{second}"
    assert _rows(app, user.id) == 1
    page = client.get(f"/en/courses/{SLUG}").get_data(as_text=True)
    assert f"Progress: 1 of {len(course.lessons)} lessons" in page
    assert "error" not in page.split("<main", 1)[1].split("Progress", 1)[0]


def test_the_queue_gets_recorded_true_for_a_new_done(app, client, login_as):
    user = login_as("staff")
    course = _course(app)
    client.post(f"/en/courses/{SLUG}/enrol")
    response = client.post(f"/en/courses/{SLUG}/{course.lessons[-1].slug}/done", headers=JSON)
    assert response.json == {"done": True, "recorded": True,
                             "then": f"/en/courses/{SLUG}/quiz"}
    assert _rows(app, user.id) == 1


def test_a_done_in_a_course_not_enrolled_in_is_refused_cleanly(app, client, login_as):
    user = login_as("staff")
    lesson = _course(app).lessons[0].slug
    queued = client.post(f"/en/courses/{SLUG}/{lesson}/done", headers=JSON)
    assert queued.status_code == 403
    assert queued.json == {"done": False, "message": "Enrol in the course first."}
    form = client.post(f"/en/courses/{SLUG}/{lesson}/done", follow_redirects=True)
    assert form.status_code == 200 and form.request.path == f"/en/courses/{SLUG}"
    assert "Enrol in the course first." in form.get_data(as_text=True)
    assert _rows(app, user.id) == 0


def test_two_dones_at_the_same_moment_are_recorded_once(app, make_user, monkeypatch):
    """The offline queue and a second tab may send one lesson together: both pass the
    "already done?" check, the unique constraint settles it and neither fails."""
    user = make_user(role="staff")
    course = _course(app)
    with app.app_context():
        services.enrol(db.session.get(User, user.id), course)
        db.session.commit()
    barrier = threading.Barrier(2, timeout=RACE_TIMEOUT)
    checked = services._lesson_done

    def check_then_wait(*args):
        found = checked(*args)
        barrier.wait()  # both requests have looked before either writes
        return found

    monkeypatch.setattr(services, "_lesson_done", check_then_wait)

    def job(_barrier):
        with app.test_request_context():
            return services.mark_done(db.session.get(User, user.id), course, course.lessons[0].slug)

    results = race(app, [job, job], refused=services.CourseError, barrier=barrier)
    assert sorted(results) == [("ok", False), ("ok", True)]
    assert _rows(app, user.id) == 1


def test_the_service_worker_is_served_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    assert "addEventListener(\"fetch\"" in response.get_data(as_text=True)


def test_the_lesson_page_offers_offline_reading_without_inline_script(app, client, login_as):
    login_as("staff")
    course = _course(app)
    client.post(f"/en/courses/{SLUG}/enrol")
    response = client.get(f"/en/courses/{SLUG}/{course.lessons[0].slug}")
    page = response.get_data(as_text=True)
    panel = re.search(r'<section class="offline-panel" hidden[^>]*>', page)
    assert panel, "the offline panel is missing or shown without JavaScript"
    for lesson in course.lessons:
        assert f"/en/courses/{SLUG}/{lesson.slug}" in panel.group(0)
    assert "Keep this course for offline reading" in page
    assert re.search(r'<script src="/static/js/offline\.js\?v=[0-9a-f]{10}" defer>', page)
    assert not re.search(r"<script(?![^>]*\bsrc=)", page), "inline script breaks the CSP"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    # The plain form still works without the script: a POST with the CSRF token.
    assert re.search(r'<form method="post" action="/en/courses/[^"]+/done" class="lesson-done">'
                     r'\s*<input type="hidden" name="csrf_token"', page)
