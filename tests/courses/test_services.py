"""Learning rules without HTTP."""

import dataclasses
import random
import threading

import pytest
from sqlalchemy import select

from m4eg.accounts.services import get_user
from m4eg.courses import services
from m4eg.courses.content import Catalogue, QuizRules
from m4eg.courses.models import CourseLesson, LessonProgress
from m4eg.extensions import db
from tests.conftest import RACE_TIMEOUT, race

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def learner(app_ctx, make_user):
    return get_user(make_user().id)


@pytest.fixture
def course(app_ctx):
    return services.get_course("community-listening")


def _correct(course):
    return {q.id: sorted(q.correct_ids) for q in course.questions}


def _submit(user, course, answers):
    return services.submit_quiz(user, course, services.open_paper(user, course).id, answers)


def _complete(user, course):
    services.enrol(user, course)
    for lesson in course.lessons:
        services.mark_done(user, course, lesson.slug)
    return _submit(user, course, _correct(course))


def test_enrolling_twice_is_refused(learner, course):
    services.enrol(learner, course)
    with pytest.raises(services.CourseError):
        services.enrol(learner, course)


def test_lessons_and_quiz_need_an_enrolment(learner, course):
    with pytest.raises(services.CourseError):
        services.mark_done(learner, course, course.lessons[0].slug)
    with pytest.raises(services.CourseError):
        services.open_paper(learner, course)


@pytest.mark.parametrize("tamper, problem", [
    (lambda a, q: a.pop(q.id), "Answer this question."),
    (lambda a, q: a.update({q.id: [q.options[0].id, q.options[0].id]}), "sent twice"),
    (lambda a, q: a.update({q.id: ["zzz"]}), "not one of the options"),
])
def test_bad_quiz_answers_are_refused_and_nothing_is_recorded(learner, course, tamper, problem):
    services.enrol(learner, course)
    answers = _correct(course)
    question = course.questions[0]
    tamper(answers, question)
    with pytest.raises(services.QuizInvalid) as error:
        _submit(learner, course, answers)
    assert problem in str(error.value.problems[question.id])
    assert services.attempts(learner, course.slug) == []


def test_single_choice_questions_take_one_answer(learner, course):
    services.enrol(learner, course)
    single = next(q for q in course.questions if q.type == "single")
    answers = {**_correct(course), single.id: [o.id for o in single.options[:2]]}
    with pytest.raises(services.QuizInvalid):
        _submit(learner, course, answers)


def test_best_attempt_counts_and_attempts_are_kept(learner, course):
    services.enrol(learner, course)
    wrong = {q.id: [next(o.id for o in q.options if not o.correct)] for q in course.questions}
    first = _submit(learner, course, _correct(course))
    second = _submit(learner, course, wrong)
    assert (first.percent, first.passed) == (100, True)
    assert (second.percent, second.passed) == (0, False)
    assert services.best_attempt(learner, course.slug).id == first.id
    assert len(services.attempts(learner, course.slug)) == 2


def test_completion_needs_every_lesson_and_a_passed_quiz(learner, course):
    services.enrol(learner, course)
    _submit(learner, course, _correct(course))
    assert not services.is_complete(learner, course)
    with pytest.raises(services.CourseError):
        services.issue_certificate(learner, course, "az")
    for lesson in course.lessons:
        services.mark_done(learner, course, lesson.slug)
    assert services.is_complete(learner, course)
    assert services.enrolment(learner, course.slug).completed_at is not None
    certificate = services.issue_certificate(learner, course, "az")
    assert services.issue_certificate(learner, course, "en").code == certificate.code
    assert services.certificate_by_code(certificate.code.lower()).id == certificate.id


def test_progress_survives_reordering_and_removed_lessons_are_archived(learner, course):
    _complete(learner, course)
    services.sync_lessons()
    reordered = type(course)(**{**course.__dict__, "lessons": tuple(reversed(course.lessons))})
    assert services.done_lessons(learner, reordered) == set(course.lesson_slugs)
    shorter = type(course)(**{**course.__dict__, "lessons": course.lessons[1:],
                              "_by_slug": {lesson.slug: lesson for lesson in course.lessons[1:]}})
    others = tuple(c for c in services.catalogue().courses if c.slug != course.slug)
    counts = services.sync_lessons(Catalogue((*others, shorter)))
    assert counts == {"archived": 1}
    archived = db.session.scalar(select(CourseLesson).where(
        CourseLesson.lesson_slug == course.lessons[0].slug))
    assert archived.archived_at is not None
    assert db.session.scalar(select(LessonProgress).where(
        LessonProgress.lesson_slug == course.lessons[0].slug)) is not None  # kept
    assert services.sync_lessons() == {"restored": 1}


def _order(paper):
    return [(item["q"], item["o"]) for item in paper.layout]


def test_a_paper_is_shuffled_once_per_attempt_and_kept_until_graded(learner, course):
    services.enrol(learner, course)
    paper = services.open_paper(learner, course, rng=random.Random(1))
    assert _order(paper) == _order(services.open_paper(learner, course, rng=random.Random(2)))
    assert sorted(q for q, _o in _order(paper)) == sorted(q.id for q in course.questions)
    assert _order(paper) != [(q.id, [o.id for o in q.options]) for q in course.questions]
    services.submit_quiz(learner, course, paper.id, _correct(course))
    following = services.open_paper(learner, course, rng=random.Random(2))
    assert following.id != paper.id and _order(following) != _order(paper)


def test_a_pool_draws_n_of_m_questions(learner, course):
    pooled = dataclasses.replace(course, quiz=QuizRules(draw=3))
    draws = [services.draw_layout(pooled, random.Random(seed)) for seed in range(5)]
    assert all(len({item["q"] for item in layout}) == 3 for layout in draws)
    assert len({frozenset(item["q"] for item in layout) for layout in draws}) > 1
    services.enrol(learner, pooled)
    paper = services.open_paper(learner, pooled)
    drawn = {item["q"] for item in paper.layout}
    attempt = services.submit_quiz(learner, pooled, paper.id,
                                   {q: a for q, a in _correct(course).items() if q in drawn})
    assert (attempt.score, attempt.max_score, attempt.percent) == (3, 3, 100)


def test_no_new_paper_once_the_attempts_are_used(learner, course):
    limited = dataclasses.replace(course, quiz=QuizRules(attempts=1))
    services.enrol(learner, limited)
    paper = services.open_paper(learner, limited)
    services.submit_quiz(learner, limited, paper.id, _correct(course))
    assert services.attempts_left(learner, limited) == 0
    with pytest.raises(services.QuizClosed):
        services.open_paper(learner, limited)
    with pytest.raises(services.AlreadyGraded) as replay:
        services.submit_quiz(learner, limited, paper.id, _correct(course))
    assert replay.value.attempt.score == 7 and len(services.attempts(learner, course.slug)) == 1


def test_two_submissions_of_one_paper_at_once_grade_it_once(app, learner, course,
                                                            monkeypatch):
    services.enrol(learner, course)
    paper_id, user_id = services.open_paper(learner, course).id, learner.id
    db.session.commit()
    barrier = threading.Barrier(2, timeout=RACE_TIMEOUT)
    own_paper = services._own_paper

    def own_paper_then_wait(*args):  # both have read the paper as not yet graded
        paper = own_paper(*args)
        barrier.wait()
        return paper

    monkeypatch.setattr(services, "_own_paper", own_paper_then_wait)

    def job(_barrier):
        return services.submit_quiz(get_user(user_id), course, paper_id, _correct(course)).id

    results = race(app, [job, job], refused=services.AlreadyGraded, barrier=barrier)
    assert sorted(r[0] for r in results) == ["ok", "refused"], results
    assert len(services.attempts(learner, course.slug)) == 1
