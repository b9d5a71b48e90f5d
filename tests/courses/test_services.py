"""Learning rules without HTTP."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from m4eg.accounts.services import get_user
from m4eg.core.time import utcnow
from m4eg.courses import services
from m4eg.courses.content import Catalogue
from m4eg.courses.models import CourseLesson, LessonProgress, Workshop
from m4eg.extensions import db

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def learner(app_ctx, make_user):
    return get_user(make_user().id)


@pytest.fixture
def course(app_ctx):
    return services.get_course("community-listening")


def _correct(course):
    return {q.id: sorted(q.correct_ids) for q in course.questions}


def _complete(user, course):
    services.enrol(user, course)
    for lesson in course.lessons:
        services.mark_done(user, course, lesson.slug)
    return services.submit_quiz(user, course, _correct(course))


def test_enrolling_twice_is_refused(learner, course):
    services.enrol(learner, course)
    with pytest.raises(services.CourseError):
        services.enrol(learner, course)


def test_lessons_and_quiz_need_an_enrolment(learner, course):
    with pytest.raises(services.CourseError):
        services.mark_done(learner, course, course.lessons[0].slug)
    with pytest.raises(services.CourseError):
        services.submit_quiz(learner, course, _correct(course))


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
        services.submit_quiz(learner, course, answers)
    assert problem in str(error.value.problems[question.id])
    assert services.attempts(learner, course.slug) == []


def test_single_choice_questions_take_one_answer(learner, course):
    services.enrol(learner, course)
    single = next(q for q in course.questions if q.type == "single")
    answers = {**_correct(course), single.id: [o.id for o in single.options[:2]]}
    with pytest.raises(services.QuizInvalid):
        services.submit_quiz(learner, course, answers)


def test_best_attempt_counts_and_attempts_are_kept(learner, course):
    services.enrol(learner, course)
    wrong = {q.id: [next(o.id for o in q.options if not o.correct)] for q in course.questions}
    first = services.submit_quiz(learner, course, _correct(course))
    second = services.submit_quiz(learner, course, wrong)
    assert (first.percent, first.passed) == (100, True)
    assert (second.percent, second.passed) == (0, False)
    assert services.best_attempt(learner, course.slug).id == first.id
    assert len(services.attempts(learner, course.slug)) == 2


def test_completion_needs_every_lesson_and_a_passed_quiz(learner, course):
    services.enrol(learner, course)
    services.submit_quiz(learner, course, _correct(course))
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


def _workshop(capacity=1, **overrides):
    start = utcnow() + timedelta(days=10)
    data = dict(course_slug="community-listening", city_az="Şəki", city_en="Sheki",
                venue="Mədəniyyət mərkəzi", starts_at=start, ends_at=start + timedelta(hours=6),
                registration_deadline=start - timedelta(days=1), capacity=capacity)
    data.update(overrides)
    return services.save_workshop(None, data)


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
    with pytest.raises(services.CourseError):
        services.register(second, workshop)


def test_past_or_closed_sessions_refuse_registration(app_ctx, make_user):
    user = get_user(make_user().id)
    past = _workshop(starts_at=utcnow() - timedelta(days=2), ends_at=utcnow() - timedelta(days=1),
                     registration_deadline=utcnow() - timedelta(days=3))
    with pytest.raises(services.CourseError, match="already taken place"):
        services.register(user, past)
    closed = _workshop(registration_deadline=utcnow() - timedelta(hours=1))
    with pytest.raises(services.CourseError, match="closed"):
        services.register(user, closed)


def test_capacity_cannot_drop_below_seats_taken(app_ctx, make_user):
    users = [get_user(make_user().id) for _ in range(2)]
    workshop = _workshop(capacity=2)
    for user in users:
        services.register(user, workshop)
    data = {k: getattr(workshop, k) for k in ("course_slug", "city_az", "city_en", "venue",
                                              "starts_at", "ends_at", "registration_deadline")}
    with pytest.raises(services.CourseError) as error:
        services.save_workshop(workshop, {**data, "capacity": 1}, version=workshop.version)
    assert error.value.field == "capacity"


def test_raising_capacity_moves_the_waitlist_up(app_ctx, make_user):
    users = [get_user(make_user().id) for _ in range(3)]
    workshop = _workshop(capacity=1)
    for user in users:
        services.register(user, workshop)
    data = {k: getattr(workshop, k) for k in ("course_slug", "city_az", "city_en", "venue",
                                              "starts_at", "ends_at", "registration_deadline")}
    services.save_workshop(workshop, {**data, "capacity": 3}, version=workshop.version)
    assert [services.registration(workshop, u).status for u in users] == ["confirmed"] * 3


def test_attendance_and_counts_by_sex(app_ctx, make_user):
    user = get_user(make_user().id)
    workshop = _workshop(capacity=5)
    user.sex = "female"
    record = services.register(user, workshop)
    services.set_attendance(workshop, {record.id: "present"})
    assert record.attendance == "present"
    assert services.attendance_counts(workshop)["sex"] == {"female": 1}
    with pytest.raises(services.CourseError):
        services.set_attendance(workshop, {record.id + 999: "present"})


def test_seat_counter_never_exceeds_capacity_in_the_database(app_ctx):
    workshop = _workshop(capacity=1)
    assert services._take_seat(workshop.id) is True
    assert services._take_seat(workshop.id) is False
    db.session.refresh(workshop)
    assert workshop.seats_taken == 1 and isinstance(workshop, Workshop)
