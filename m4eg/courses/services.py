"""Learning rules: enrolment, progress, quizzes, completion, certificates and the
coordinators' reports (workshops live in ``m4eg.workshops``). Functions take explicit
arguments and raise :class:`CourseError`."""

from __future__ import annotations

import random
import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts import services as accounts
from ..core import audit
from ..core.errors import DomainError
from ..core.personal_data import Table
from ..core.time import utcnow
from ..extensions import db
from ..municipalities import services as municipalities
from .content import Catalogue, Course, Lesson, Option, Question
from .labels import TOPIC_LABELS
from .models import (
    Certificate,
    CourseLesson,
    Enrolment,
    LessonProgress,
    QuizAttempt,
    QuizPaper,
)


class CourseError(DomainError):
    pass


class QuizInvalid(CourseError):
    def __init__(self, problems):
        super().__init__(_l("Some answers could not be accepted."), problems=problems)


class QuizClosed(CourseError):
    """The learner has used every attempt the quiz allows."""


class AlreadyGraded(CourseError):
    """The paper was submitted before (a replay): ``attempt`` is its one result."""

    def __init__(self, attempt: QuizAttempt):
        super().__init__(_l("This attempt was already submitted: its result is below. It "
                            "was not graded again."))
        self.attempt = attempt


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


def ensure_demo_enrolment(user, course_slug: str, enrolled_at: datetime) -> Enrolment:
    """The demo data's enrolment of ``user`` in a course, dated ``enrolled_at``; an existing
    enrolment is kept as it is (``flask demo load`` runs again without changes)."""
    return enrolment(user, course_slug) or enrol(user, get_course(course_slug), at=enrolled_at)


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


def mark_done(user, course: Course, lesson_slug: str) -> bool:
    """Mark a lesson done and complete the course if it now is. Done twice is done once: a
    lesson already done (a second press, a request queued offline and sent again, or two
    sent at the same moment, which the unique constraint settles) changes nothing. Returns
    whether this call recorded it."""
    record = _require_enrolment(user, course)
    if course.lesson(lesson_slug) is None:
        raise CourseError(_l("This lesson does not exist."))
    recorded = _lesson_done(user, course, lesson_slug) is None
    if recorded:
        try:
            with db.session.begin_nested():
                db.session.add(LessonProgress(user_id=user.id, course_slug=course.slug,
                                              lesson_slug=lesson_slug))
        except IntegrityError:  # another request recorded it between the check and here
            recorded = False
    _update_completion(user, course, record)
    return recorded


def _lesson_done(user, course: Course, lesson_slug: str) -> int | None:
    return db.session.scalar(select(LessonProgress.id).where(
        LessonProgress.user_id == user.id, LessonProgress.course_slug == course.slug,
        LessonProgress.lesson_slug == lesson_slug))


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


def attempts_left(user, course: Course) -> int | None:
    """How many more attempts ``user`` may make (None: no limit)."""
    if course.quiz.attempts is None:
        return None
    used = db.session.scalar(select(func.count(QuizAttempt.id)).where(
        QuizAttempt.user_id == user.id, QuizAttempt.course_slug == course.slug))
    return max(course.quiz.attempts - used, 0)


def _closed(course: Course) -> QuizClosed:
    return QuizClosed(_l("You have used all %(count)d attempts at this quiz.",
                         count=course.quiz.attempts))


def draw_layout(course: Course, rng: random.Random) -> list[dict]:
    """A paper for one attempt: ``draw`` questions of the pool (all without a draw) in a
    random order, each with its options in a random order."""
    count = course.quiz.draw or len(course.questions)
    layout = []
    for question in rng.sample(course.questions, count):
        options = [option.id for option in question.options]
        rng.shuffle(options)
        layout.append({"q": question.id, "o": options})
    return layout


def _fits(course: Course, layout: list[dict]) -> bool:
    """Whether a stored paper still matches the content (a question or option removed or
    added since it was drawn makes it stale)."""
    questions = {question.id: question for question in course.questions}
    return all(item["q"] in questions and sorted(item["o"]) == sorted(
        option.id for option in questions[item["q"]].options) for item in layout)


def open_paper(user, course: Course, *, rng: random.Random | None = None) -> QuizPaper:
    """The attempt ``user`` has started and not submitted, or a new one drawn with ``rng``
    (tests pass a seeded one): the same paper until it is submitted. Refused once every
    allowed attempt is used (:class:`QuizClosed`)."""
    _require_enrolment(user, course)
    paper = db.session.scalar(select(QuizPaper).where(
        QuizPaper.user_id == user.id, QuizPaper.course_slug == course.slug,
        QuizPaper.graded_at.is_(None)).order_by(QuizPaper.id.desc()).limit(1))
    if paper is not None and _fits(course, paper.layout):
        return paper
    if attempts_left(user, course) == 0:
        raise _closed(course)
    if paper is not None:  # drawn before the content changed: it could not be graded
        paper.graded_at = utcnow()
    paper = QuizPaper(user_id=user.id, course_slug=course.slug,
                      layout=draw_layout(course, rng or random.SystemRandom()))
    db.session.add(paper)
    db.session.flush()
    return paper


def paper_questions(course: Course, paper: QuizPaper) -> list[tuple[Question, list[Option]]]:
    """The paper's questions with their options, in the order drawn."""
    questions = {question.id: question for question in course.questions}
    result = []
    for item in paper.layout:
        question = questions[item["q"]]
        options = {option.id: option for option in question.options}
        result.append((question, [options[oid] for oid in item["o"]]))
    return result


def _own_paper(user, course: Course, paper_id) -> QuizPaper:
    paper = db.session.get(QuizPaper, paper_id) if str(paper_id).isdigit() else None
    if paper is None or paper.user_id != user.id or paper.course_slug != course.slug \
            or not _fits(course, paper.layout):
        raise QuizInvalid({"_form": _l("The answers do not match this quiz. Reload the page.")})
    return paper


def submit_quiz(user, course: Course, paper_id, answers: dict[str, list[str]]) -> QuizAttempt:
    """Grade the paper ``paper_id`` once. Every question of the paper needs an answer among
    its options, without duplicates, and one answer only for single-choice questions;
    answers to questions not on the paper are refused (:class:`QuizInvalid`). A paper
    already graded raises :class:`AlreadyGraded` with its result; a new attempt past the
    limit :class:`QuizClosed`. A question scores a point when exactly the correct options
    are chosen."""
    record = _require_enrolment(user, course)
    paper = _own_paper(user, course, paper_id)
    if paper.graded_at is not None:
        raise AlreadyGraded(db.session.get(QuizAttempt, paper.attempt_id))
    questions = [question for question, _options in paper_questions(course, paper)]
    problems = {}
    for question in questions:
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
    if set(answers) - {question.id for question in questions}:
        problems["_form"] = _l("The answers do not match this quiz. Reload the page.")
    if problems:
        raise QuizInvalid(problems)
    if attempts_left(user, course) == 0:
        raise _closed(course)
    # The claim is the guard against a second grading: of two submissions of one paper
    # (a double click, a replay racing the first) only one finds graded_at empty.
    claimed = db.session.execute(
        update(QuizPaper).where(QuizPaper.id == paper.id, QuizPaper.graded_at.is_(None))
        .values(graded_at=utcnow()).execution_options(synchronize_session=False))
    db.session.refresh(paper)
    if claimed.rowcount != 1:
        raise AlreadyGraded(db.session.get(QuizAttempt, paper.attempt_id))
    score = sum(set(answers[q.id]) == q.correct_ids for q in questions)
    percent = round(100 * score / len(questions))
    attempt = QuizAttempt(user_id=user.id, course_slug=course.slug, score=score,
                          max_score=len(questions), percent=percent,
                          passed=percent >= course.pass_mark,
                          answers={q.id: sorted(answers[q.id]) for q in questions})
    db.session.add(attempt)
    db.session.flush()
    paper.attempt_id = attempt.id
    db.session.flush()
    _update_completion(user, course, record)
    return attempt


@dataclass
class ReviewItem:
    question: Question
    options: list[Option]
    chosen: list[str]
    right: bool
    explain: bool


@dataclass
class QuizReview:
    """What the learner sees of a graded attempt, by the course's review options."""

    attempt: QuizAttempt
    items: list[ReviewItem]
    mark_questions: bool
    reveal: bool


def review(user, course: Course, attempt: QuizAttempt) -> QuizReview:
    """The review of ``attempt``: which questions were wrong (``wrong_questions``), the
    explanations of those (``explanations``; of every question once answers are revealed),
    and the correct options only as ``correct_answers`` allows: ``after_pass_or_last`` once
    the learner has passed or has no attempt left."""
    rules = course.quiz.review
    if rules.correct_answers == "always":
        reveal = True
    elif rules.correct_answers == "never":
        reveal = False
    else:
        best = best_attempt(user, course.slug)
        reveal = bool(best and best.passed) or attempts_left(user, course) == 0
    paper = db.session.scalar(select(QuizPaper).where(QuizPaper.attempt_id == attempt.id))
    items = []
    for question, options in paper_questions(course, paper):
        chosen = attempt.answers.get(question.id, [])
        right = set(chosen) == question.correct_ids
        items.append(ReviewItem(question, options, chosen, right,
                                rules.explanations and (reveal or not right)))
    return QuizReview(attempt, items, rules.wrong_questions, reveal)


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


def next_lesson(course: Course, done: set[str]) -> Lesson | None:
    """The first lesson of ``course`` not in ``done`` (None: every lesson is done)."""
    return next((lesson for lesson in course.lessons if lesson.slug not in done), None)


@dataclass
class Resume:
    course: Course
    lesson: Lesson | None  # None: every lesson is done, the quiz is what remains


def resume(user) -> list[Resume]:
    """Where ``user`` left each course enrolled in and not completed, most recent enrolment
    first: two queries whatever the number of courses."""
    enrolments = list(db.session.scalars(
        select(Enrolment).where(Enrolment.user_id == user.id, Enrolment.completed_at.is_(None))
        .order_by(Enrolment.enrolled_at.desc(), Enrolment.id.desc())))
    if not enrolments:
        return []
    done = defaultdict(set)
    for course_slug, lesson_slug in db.session.execute(
            select(LessonProgress.course_slug, LessonProgress.lesson_slug)
            .where(LessonProgress.user_id == user.id)):
        done[course_slug].add(lesson_slug)
    result = []
    for record in enrolments:
        course = get_course(record.course_slug)
        if course is not None:  # a course removed from the content: nothing to resume
            result.append(Resume(course, next_lesson(course, done[course.slug])))
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
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
REVOKE_REASON_MAX = 500


def normalise_code(typed: str) -> str:
    """The code as stored (``ABCD-EFGH-JKLM``) from what a person typed off the paper: any
    case, spaces, dashes or none. Raises CourseError when it cannot be a certificate code."""
    raw = "".join(ch for ch in (typed or "")[:200]
                  if not ch.isspace() and ch not in "-–—_.").upper()
    if not raw:
        raise CourseError(_l("Type the code printed on the certificate."), field="code")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        raise CourseError(_l("A certificate code has 12 letters and digits, such as "
                             "ABCD-EFGH-JKLM."), field="code")
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def certificate_by_code(code: str) -> Certificate | None:
    """The certificate with ``code`` as a person may type it; None when there is none."""
    try:
        code = normalise_code(code)
    except CourseError:
        return None
    return db.session.scalar(select(Certificate).where(Certificate.code == code))


def revoke_certificate(certificate: Certificate, actor, reason: str, *,
                       ip: str | None = None) -> Certificate:
    """Revoke ``certificate`` for ``reason`` (required, at most 500 characters), audited.
    The record stays, so that a verifier is told it was revoked, when and why."""
    reason = " ".join((reason or "").split())
    if certificate.revoked:
        raise CourseError(_l("This certificate is already revoked."))
    if not reason:
        raise CourseError(_l("Give the reason for revoking the certificate."), field="reason")
    if len(reason) > REVOKE_REASON_MAX:
        raise CourseError(_l("Keep the reason under %(max)d characters.",
                             max=REVOKE_REASON_MAX), field="reason")
    certificate.revoked_at = utcnow()
    certificate.revoked_by_id = actor.id
    certificate.revoke_reason = reason
    audit.record("certificate.revoked", actor=actor, target=certificate, ip=ip,
                 before={"code": certificate.code}, after={"reason": reason})
    db.session.flush()
    return certificate


def certificate_for(user, course_slug: str) -> Certificate | None:
    """``user``'s certificate for the course, if one was issued."""
    return db.session.scalar(select(Certificate).where(
        Certificate.user_id == user.id, Certificate.course_slug == course_slug))


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


# ---------------------------------------------------------------- a person's own data


PERSONAL_TABLES = {
    "enrolments": Table(_l("The ULC courses you enrolled in and when you completed them."),
                        ("course_slug", "enrolled_at", "completed_at")),
    "lesson_progress": Table(_l("The lessons you marked as done."),
                             ("course_slug", "lesson_slug", "completed_at")),
    "quiz_attempts": Table(_l("Your quiz attempts: score, result and the answers you gave."),
                           ("course_slug", "at", "score", "max_score", "percent", "passed",
                            "answers")),
    "certificates": Table(_l("The certificates issued to you."),
                          ("code", "course_slug", "learner_name", "course_title_en", "hours",
                           "language", "issued_at", "revoked_at")),
}


def export_for_user(user_id: int) -> dict[str, list[dict]]:
    """The person's learning records (core.personal_data): enrolments, lessons done, quiz
    attempts and certificates."""
    def rows(model, *columns):
        return [{column: getattr(record, column) for column in columns}
                for record in db.session.scalars(select(model).where(
                    model.user_id == user_id).order_by(model.id))]

    models = {"enrolments": Enrolment, "lesson_progress": LessonProgress,
              "quiz_attempts": QuizAttempt, "certificates": Certificate}
    return {table: rows(model, *PERSONAL_TABLES[table].columns)
            for table, model in models.items()}


def erase_for_user(user_id: int) -> None:
    """Erasure (core.personal_data): certificates keep their code and course but print the
    account's pseudonym instead of the name they were issued to."""
    pseudonym = accounts.get_user(user_id).name
    db.session.execute(update(Certificate).where(Certificate.user_id == user_id)
                       .values(learner_name=pseudonym)
                       .execution_options(synchronize_session="fetch"))
