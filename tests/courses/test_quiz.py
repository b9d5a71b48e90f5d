"""Quizzes that test: review options, papers shuffled once per attempt, pools, attempts
limits, replays; and the Continue links of the course page and the home page."""

import dataclasses
import re

import pytest
from sqlalchemy import func, select

from m4eg.courses import services
from m4eg.courses.content import Catalogue, QuizRules, Review
from m4eg.courses.models import QuizAttempt
from m4eg.extensions import db

from .test_views import _answers

SLUG = "community-listening"


def _with_rules(app, monkeypatch, **rules):
    """The catalogue with community-listening's quiz rules replaced."""
    with app.app_context():
        current = services.catalogue().courses
    changed = tuple(dataclasses.replace(c, quiz=QuizRules(**rules)) if c.slug == SLUG else c
                    for c in current)
    monkeypatch.setitem(app.extensions, "m4eg_courses", Catalogue(changed))
    with app.app_context():
        return services.get_course(SLUG)


def _quiz(client, lang="en"):
    return client.get(f"/{lang}/courses/{SLUG}/quiz").get_data(as_text=True)


def _attempts(app):
    with app.app_context():
        return db.session.scalar(select(func.count(QuizAttempt.id)))


def _form(page):
    return page[page.index('<form method="post" class="quiz"'):page.index("</form>")]


@pytest.fixture
def learner(client, login_as):
    user = login_as("staff")
    client.post(f"/en/courses/{SLUG}/enrol")
    return user


# ---------------------------------------------------------------- review options


def test_a_failed_attempt_names_the_wrong_questions_and_explains_them_not_the_answers(
        app, client, learner, monkeypatch):
    course = _with_rules(app, monkeypatch)  # the defaults
    data = _answers(client, course)
    wrong = course.questions[0]
    data[f"q-{wrong.id}"] = [next(o.id for o in wrong.options if not o.correct)]
    right = course.questions[1]
    for q in course.questions[2:]:  # fail: only the second question right
        data[f"q-{q.id}"] = [next(o.id for o in q.options if not o.correct)]
    page = client.post(f"/en/courses/{SLUG}/quiz", data=data).get_data(as_text=True)
    assert "Not passed yet" in page
    assert "answered wrongly" in page and "answered correctly" in page
    assert wrong.explanation["en"] in page
    assert right.explanation["en"] not in page  # explained only where it went wrong
    assert "correct answer" not in page
    assert "Start a new attempt" in page


def test_a_passed_attempt_shows_the_correct_answers(app, client, learner, monkeypatch):
    course = _with_rules(app, monkeypatch)
    page = client.post(f"/en/courses/{SLUG}/quiz",
                       data=_answers(client, course)).get_data(as_text=True)
    assert "Passed." in page
    assert page.count("correct answer") == sum(len(q.correct_ids) for q in course.questions)
    assert course.questions[0].explanation["en"] in page


def test_the_last_allowed_attempt_reveals_the_answers_and_closes_the_quiz(
        app, client, learner, monkeypatch):
    course = _with_rules(app, monkeypatch, attempts=2)
    assert "Attempts allowed: 2, left: 2" in _quiz(client)
    first = client.post(f"/en/courses/{SLUG}/quiz",
                        data=_answers(client, course, correct=False)).get_data(as_text=True)
    assert "correct answer" not in first
    last = client.post(f"/en/courses/{SLUG}/quiz",
                       data=_answers(client, course, correct=False)).get_data(as_text=True)
    assert "Not passed. The correct answers are shown below." in last
    assert "correct answer" in last and "Start a new attempt" not in last
    closed = client.get(f"/en/courses/{SLUG}/quiz")
    page = closed.get_data(as_text=True)
    assert closed.status_code == 200
    assert "You have used all 2 attempts at this quiz." in page and 'name="paper"' not in page


def test_a_submission_past_the_limit_is_refused_with_403(app, client, learner, monkeypatch):
    course = _with_rules(app, monkeypatch, attempts=1)
    data = _answers(client, course, correct=False)
    client.post(f"/en/courses/{SLUG}/quiz", data=data)
    again = client.post(f"/en/courses/{SLUG}/quiz", data={**data, "paper": "999"})
    assert again.status_code == 403
    assert "You have used all 1 attempts at this quiz." in again.get_data(as_text=True)
    assert _attempts(app) == 1


def test_review_options_can_reveal_always_or_never(app, client, learner, monkeypatch):
    course = _with_rules(app, monkeypatch, review=Review(correct_answers="always"))
    failed = client.post(f"/en/courses/{SLUG}/quiz",
                         data=_answers(client, course, correct=False)).get_data(as_text=True)
    assert "correct answer" in failed
    course = _with_rules(app, monkeypatch, review=Review(correct_answers="never",
                                                         wrong_questions=False))
    passed = client.post(f"/en/courses/{SLUG}/quiz",
                         data=_answers(client, course)).get_data(as_text=True)
    assert "Passed." in passed and "correct answer" not in passed
    assert "answered correctly" not in passed


# ---------------------------------------------------------------- papers


def test_a_new_attempt_starts_with_an_empty_form_and_a_new_paper(app, client, learner):
    with app.app_context():
        course = services.get_course(SLUG)
    data = _answers(client, course, correct=False)
    client.post(f"/en/courses/{SLUG}/quiz", data=data)
    page = _quiz(client)
    assert " checked" not in _form(page)
    assert f'name="paper" value="{data["paper"]}"' not in page


def test_a_reload_and_a_refused_submission_show_the_same_order(app, client, learner):
    first = _quiz(client)
    order = re.findall(r'id="(q-[a-z0-9-]+-[a-z])"', first)
    assert re.findall(r'id="(q-[a-z0-9-]+-[a-z])"', _quiz(client)) == order
    paper = re.search(r'name="paper" value="(\d+)"', first).group(1)
    refused = client.post(f"/en/courses/{SLUG}/quiz", data={"paper": paper})
    assert refused.status_code == 400
    assert re.findall(r'id="(q-[a-z0-9-]+-[a-z])"', refused.get_data(as_text=True)) == order


def test_a_replayed_attempt_is_not_graded_twice(app, client, learner):
    with app.app_context():
        course = services.get_course(SLUG)
    data = _answers(client, course, correct=False)
    client.post(f"/en/courses/{SLUG}/quiz", data=data)
    replay = client.post(f"/en/courses/{SLUG}/quiz", data=_answers(client, course) | {
        "paper": data["paper"]})
    page = replay.get_data(as_text=True)
    assert replay.status_code == 200
    assert "This attempt was already submitted" in page and "Not passed yet" in page
    assert _attempts(app) == 1


@pytest.mark.parametrize("tamper", [
    lambda data: data.update({"q-not-a-question": ["a"]}),
    lambda data: data.update({"paper": "not-a-number"}),
    lambda data: data.pop("paper"),
])
def test_answers_that_do_not_match_the_paper_are_refused(app, client, learner, tamper):
    with app.app_context():
        course = services.get_course(SLUG)
    data = _answers(client, course)
    tamper(data)
    response = client.post(f"/en/courses/{SLUG}/quiz", data=data)
    assert response.status_code == 400
    assert "The answers do not match this quiz. Reload the page." in response.get_data(
        as_text=True)
    assert _attempts(app) == 0


def test_a_question_left_out_of_the_draw_cannot_be_answered(app, client, learner,
                                                             monkeypatch):
    course = _with_rules(app, monkeypatch, draw=3)
    data = _answers(client, course)
    left_out = next(q for q in course.questions if f"q-{q.id}" not in data)
    data[f"q-{left_out.id}"] = sorted(left_out.correct_ids)
    response = client.post(f"/en/courses/{SLUG}/quiz", data=data)
    assert response.status_code == 400 and _attempts(app) == 0


def test_another_learners_paper_is_refused(app, client, learner, login_as):
    with app.app_context():
        course = services.get_course(SLUG)
    data = _answers(client, course)
    login_as("staff")
    client.post(f"/en/courses/{SLUG}/enrol")
    response = client.post(f"/en/courses/{SLUG}/quiz", data=data)
    assert response.status_code == 400 and _attempts(app) == 0


# ---------------------------------------------------------------- resume


def test_the_course_page_offers_the_first_lesson_not_done(app, client, learner):
    with app.app_context():
        course = services.get_course(SLUG)
    client.post(f"/en/courses/{SLUG}/{course.lessons[0].slug}/done")
    page = client.get(f"/en/courses/{SLUG}").get_data(as_text=True)
    second = course.lessons[1]
    assert (f'href="/en/courses/{SLUG}/{second.slug}">Continue: {second.title["en"]}</a>'
            in page)
    for lesson in course.lessons[1:]:
        client.post(f"/en/courses/{SLUG}/{lesson.slug}/done")
    page = client.get(f"/en/courses/{SLUG}").get_data(as_text=True)
    assert f'href="/en/courses/{SLUG}/quiz">Continue: Final quiz</a>' in page


def test_home_offers_continue_for_each_unfinished_course_in_constant_queries(
        app, client, learner, count_queries):
    with count_queries() as one:
        client.get("/en/")
    with app.app_context():
        others = [course for course in services.courses() if course.slug != SLUG]
    for course in others[:4]:
        client.post(f"/en/courses/{course.slug}/enrol")
        client.post(f"/en/courses/{course.slug}/{course.lessons[0].slug}/done")
    with count_queries() as many:
        page = client.get("/en/").get_data(as_text=True)
    for course in others[:4]:
        lesson = course.lessons[1]
        assert (f'href="/en/courses/{course.slug}/{lesson.slug}">'
                f'Continue: {lesson.title["en"]}</a>') in page
    assert f"/en/courses/{others[4].slug}/" not in page  # not enrolled
    assert many.count == one.count
