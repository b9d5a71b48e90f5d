"""Learning rules: enrolment, progress, quizzes, completion, certificates and the
coordinators' reports (workshops live in ``m4eg.workshops``). Functions take explicit
arguments and raise :class:`CourseError`."""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select

from ..accounts import services as accounts
from ..core.errors import DomainError
from ..core.time import utcnow
from ..extensions import db
from ..municipalities import services as municipalities
from .content import Catalogue, Course
from .labels import TOPIC_LABELS
from .models import (
    Certificate,
    CourseLesson,
    Enrolment,
    LessonProgress,
    QuizAttempt,
)


class CourseError(DomainError):
    pass


class QuizInvalid(CourseError):
    def __init__(self, problems):
        super().__init__(_l("Some answers could not be accepted."), problems=problems)


def catalogue() -> Catalogue:
    """The course content loaded at start-up."""
    return current_app.extensions["m4eg_courses"]


def get_course(slug: str) -> Course | None:
    return catalogue().get(slug)


def courses(topic: str = "") -> list[Course]:
    return [c for c in catalogue().courses if not topic or topic in c.topics]


def offered_topics() -> dict:
    """The topics at least one course carries, with their labels, in the vocabulary's order:
    the catalogue offers no topic filter that would lead to an empty list."""
    carried = {topic for course in catalogue().courses for topic in course.topics}
    return {key: label for key, label in TOPIC_LABELS.items() if key in carried}


# ---------------------------------------------------------------- lessons registry


def sync_lessons(current: Catalogue | None = None) -> dict[str, int]:
    """Record every lesson of the content; archive those that disappeared (their progress is
    kept) and bring back those that returned."""
    current = current or catalogue()
    present = {(c.slug, lesson.slug) for c in current.courses for lesson in c.lessons}
    known = {(r.course_slug, r.lesson_slug): r for r in db.session.scalars(select(CourseLesson))}
    counts = Counter()
    for key in present - known.keys():
        db.session.add(CourseLesson(course_slug=key[0], lesson_slug=key[1]))
        counts["added"] += 1
    for key, row in known.items():
        if key in present and row.archived_at is not None:
            row.archived_at = None
            counts["restored"] += 1
        elif key not in present and row.archived_at is None:
            row.archived_at = utcnow()
            counts["archived"] += 1
    db.session.flush()
    return dict(counts)


# ---------------------------------------------------------------- enrolment and progress


def enrolment(user, course_slug: str) -> Enrolment | None:
    return db.session.scalar(select(Enrolment).where(
        Enrolment.user_id == user.id, Enrolment.course_slug == course_slug))


def enrol(user, course: Course, *, at: datetime | None = None) -> Enrolment:
    """Enrol ``user`` (``at`` now unless given: imports and tests date it); refuses a second
    enrolment in the same course. The person's ULC registration date follows."""
    if enrolment(user, course.slug) is not None:
        raise CourseError(_l("You are already enrolled in this course."))
    record = Enrolment(user_id=user.id, course_slug=course.slug, enrolled_at=at or utcnow())
    db.session.add(record)
    db.session.flush()
    accounts.record_ulc_registration(user.id, record.enrolled_at)
    return record


def _require_enrolment(user, course: Course) -> Enrolment:
    record = enrolment(user, course.slug)
    if record is None:
        raise CourseError(_l("Enrol in the course first."))
    return record


def done_lessons(user, course: Course) -> set[str]:
    """Slugs of the course's current lessons that ``user`` has marked done."""
    rows = db.session.scalars(select(LessonProgress.lesson_slug).where(
        LessonProgress.user_id == user.id, LessonProgress.course_slug == course.slug))
    return set(rows) & set(course.lesson_slugs)


def progress_if_enrolled(user, course: Course) -> set[str] | None:
    """The lessons ``user`` has done in ``course``, or None when not enrolled: one query
    (the enrolment outer-joined to its progress), for the lesson page."""
    rows = db.session.execute(
        select(Enrolment.id, LessonProgress.lesson_slug)
        .outerjoin(LessonProgress, and_(LessonProgress.user_id == Enrolment.user_id,
                                        LessonProgress.course_slug == Enrolment.course_slug))
        .where(Enrolment.user_id == user.id, Enrolment.course_slug == course.slug)).all()
    if not rows:
        return None
    return {slug for _id, slug in rows if slug} & set(course.lesson_slugs)


def mark_done(user, course: Course, lesson_slug: str) -> None:
    """Mark a lesson done (again is harmless) and complete the course if it now is."""
    record = _require_enrolment(user, course)
    if course.lesson(lesson_slug) is None:
        raise CourseError(_l("This lesson does not exist."))
    exists = db.session.scalar(select(LessonProgress.id).where(
        LessonProgress.user_id == user.id, LessonProgress.course_slug == course.slug,
        LessonProgress.lesson_slug == lesson_slug))
    if exists is None:
        db.session.add(LessonProgress(user_id=user.id, course_slug=course.slug,
                                      lesson_slug=lesson_slug))
        db.session.flush()
    _update_completion(user, course, record)


def best_attempt(user, course_slug: str) -> QuizAttempt | None:
    return db.session.scalar(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id,
                                  QuizAttempt.course_slug == course_slug)
        .order_by(QuizAttempt.percent.desc(), QuizAttempt.at.asc()).limit(1))


def attempts(user, course_slug: str) -> list[QuizAttempt]:
    return list(db.session.scalars(
        select(QuizAttempt).where(QuizAttempt.user_id == user.id,
                                  QuizAttempt.course_slug == course_slug)
        .order_by(QuizAttempt.at.desc())))


def submit_quiz(user, course: Course, answers: dict[str, list[str]]) -> QuizAttempt:
    """Score an attempt. Every question needs an answer among its options, without
    duplicates, and one answer only for single-choice questions (:class:`QuizInvalid`).
    A question scores a point when exactly the correct options are chosen."""
    record = _require_enrolment(user, course)
    problems = {}
    for question in course.questions:
        chosen = answers.get(question.id) or []
        option_ids = {option.id for option in question.options}
        if not chosen:
            problems[question.id] = _l("Answer this question.")
        elif len(set(chosen)) != len(chosen):
            problems[question.id] = _l("The same answer was sent twice.")
        elif not set(chosen) <= option_ids:
            problems[question.id] = _l("This answer is not one of the options.")
        elif question.type == "single" and len(chosen) > 1:
            problems[question.id] = _l("Choose one answer only.")
    unknown = set(answers) - {question.id for question in course.questions}
    if unknown:
        problems["_form"] = _l("The answers do not match this quiz. Reload the page.")
    if problems:
        raise QuizInvalid(problems)
    score = sum(set(answers[q.id]) == q.correct_ids for q in course.questions)
    percent = round(100 * score / len(course.questions))
    attempt = QuizAttempt(user_id=user.id, course_slug=course.slug, score=score,
                          max_score=len(course.questions), percent=percent,
                          passed=percent >= course.pass_mark,
                          answers={q.id: sorted(answers[q.id]) for q in course.questions})
    db.session.add(attempt)
    db.session.flush()
    _update_completion(user, course, record)
    return attempt


def is_complete(user, course: Course) -> bool:
    """All current lessons done and the quiz passed (best attempt)."""
    best = best_attempt(user, course.slug)
    return bool(best and best.passed and done_lessons(user, course) >= set(course.lesson_slugs))


def _update_completion(user, course: Course, record: Enrolment) -> None:
    if record.completed_at is None and is_complete(user, course):
        record.completed_at = utcnow()


@dataclass
class Progress:
    course: Course
    enrolment: Enrolment
    done: int
    best: QuizAttempt | None
    certificate: Certificate | None

    @property
    def total(self) -> int:
        return len(self.course.lessons)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def my_learning(user) -> list[Progress]:
    """Each course ``user`` is enrolled in, with progress: four queries in all."""
    enrolments = list(db.session.scalars(select(Enrolment).where(Enrolment.user_id == user.id)
                                         .order_by(Enrolment.enrolled_at.desc())))
    done = defaultdict(set)
    for course_slug, lesson_slug in db.session.execute(
            select(LessonProgress.course_slug, LessonProgress.lesson_slug)
            .where(LessonProgress.user_id == user.id)):
        done[course_slug].add(lesson_slug)
    best = {}
    for attempt in db.session.scalars(select(QuizAttempt).where(QuizAttempt.user_id == user.id)
                                      .order_by(QuizAttempt.percent.asc())):
        best[attempt.course_slug] = attempt
    certificates = {c.course_slug: c for c in db.session.scalars(
        select(Certificate).where(Certificate.user_id == user.id))}
    result = []
    for record in enrolments:
        course = get_course(record.course_slug)
        if course is None:  # a course removed from the content: its records stay
            continue
        result.append(Progress(course, record, len(done[course.slug] & set(course.lesson_slugs)),
                               best.get(course.slug), certificates.get(course.slug)))
    return result


# ---------------------------------------------------------------- certificates


def issue_certificate(user, course: Course, language: str) -> Certificate:
    """The learner's certificate for ``course``, issued on first request after completion."""
    existing = db.session.scalar(select(Certificate).where(
        Certificate.user_id == user.id, Certificate.course_slug == course.slug))
    if existing is not None:
        return existing
    if enrolment(user, course.slug) is None or not is_complete(user, course):
        raise CourseError(_l("The certificate is issued once every lesson is done and the "
                             "quiz is passed."))
    certificate = Certificate(
        code=new_certificate_code(), user_id=user.id, course_slug=course.slug,
        learner_name=user.name, course_title_az=course.title["az"],
        course_title_en=course.title["en"], hours=course.hours, language=language,
    )
    db.session.add(certificate)
    db.session.flush()
    return certificate


def new_certificate_code() -> str:
    """A code a person can read out: 12 characters without look-alikes (0/O, 1/I)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def certificate_by_code(code: str) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.code == code.upper()))


# ---------------------------------------------------------------- reports and figures


def report() -> dict:
    """Enrolments, completions and quiz results by course and by municipality."""
    people = accounts.people_subquery()
    members = municipalities.names_subquery()
    rows = db.session.execute(
        select(Enrolment.course_slug, members.c.name_az, members.c.name_en,
               func.count(Enrolment.id), func.count(Enrolment.completed_at))
        .join(people, people.c.id == Enrolment.user_id)
        .outerjoin(members, members.c.id == people.c.municipality_id)
        .group_by(Enrolment.course_slug, members.c.name_az, members.c.name_en)).all()
    best = (select(QuizAttempt.user_id, QuizAttempt.course_slug,
                   func.max(QuizAttempt.percent).label("best"))
            .group_by(QuizAttempt.user_id, QuizAttempt.course_slug).subquery())
    scores = dict(db.session.execute(
        select(best.c.course_slug, func.avg(best.c.best)).group_by(best.c.course_slug)).all())
    by_course = defaultdict(lambda: {"enrolled": 0, "completed": 0})
    for course_slug, _name_az, _name_en, enrolled, completed in rows:
        by_course[course_slug]["enrolled"] += enrolled
        by_course[course_slug]["completed"] += completed
    for course_slug, values in by_course.items():
        values["rate"] = round(100 * values["completed"] / values["enrolled"])
        values["average_best_score"] = round(scores.get(course_slug) or 0)
    return {"by_course": dict(by_course), "by_municipality": rows}


def report_rows(lang: str) -> list[list]:
    """The ULC results as a table for people: headers, course titles and municipality names
    in ``lang``."""
    table = [[str(_l("Course")), str(_l("Municipality")), str(_l("Enrolled")),
              str(_l("Completed")), str(_l("Completion rate (%)")),
              str(_l("Average best quiz score (%)"))]]
    data = report()
    for course_slug, name_az, name_en, enrolled, completed in data["by_municipality"]:
        course = data["by_course"][course_slug]
        known = get_course(course_slug)
        title = known.title[lang] if known is not None else course_slug
        table.append([title, (name_az if lang == "az" else name_en) or "", enrolled, completed,
                      round(100 * completed / enrolled), course["average_best_score"]])
    return table


def learners_by_sex(start=None, end=None) -> dict[str, int]:
    """Municipal staff registered at the ULC (enrolled in at least one course) in the period,
    by sex; each person counted once."""
    return accounts.ulc_registered_by_sex(start, end)


def count_learners(municipality_id: int) -> int:
    """How many people of a municipality are enrolled in at least one course (a count only)."""
    return db.session.scalar(
        select(func.count(func.distinct(Enrolment.user_id)))
        .where(Enrolment.user_id.in_(accounts.ids_in_municipality(municipality_id))))


def period_summary(start=None, end=None) -> list[dict]:
    """Per course of the catalogue: enrolments, completions and certificates issued in
    [start, end) (moments), with the course's title in each language (the annual report)."""
    def counts(column):
        query = select(Enrolment.course_slug if column is not Certificate.issued_at
                       else Certificate.course_slug, func.count())
        if start is not None:
            query = query.where(column >= start)
        if end is not None:
            query = query.where(column < end)
        query = query.where(column.is_not(None))
        return dict(db.session.execute(query.group_by(*query.selected_columns[:1])).all())

    enrolled, completed = counts(Enrolment.enrolled_at), counts(Enrolment.completed_at)
    issued = counts(Certificate.issued_at)
    return [{"slug": course.slug, "title": dict(course.title),
             "enrolled": enrolled.get(course.slug, 0), "completed": completed.get(course.slug, 0),
             "certificates": issued.get(course.slug, 0)}
            for course in catalogue().courses]
