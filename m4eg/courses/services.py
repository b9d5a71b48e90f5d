"""Learning rules: enrolment, progress, quizzes, completion, certificates, workshops and the
coordinators' reports. Functions take explicit arguments and raise :class:`CourseError`."""

from __future__ import annotations

import secrets
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from flask_babel import force_locale, format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts import services as accounts
from ..core import versions
from ..core.errors import DomainError
from ..core.outbox import queue_mail
from ..core.time import utcnow
from ..extensions import db
from ..municipalities import services as municipalities
from .content import Catalogue, Course
from .models import (
    Certificate,
    CourseLesson,
    Enrolment,
    LessonProgress,
    QuizAttempt,
    Workshop,
    WorkshopRegistration,
)


class CourseError(DomainError):
    pass


class EditConflict(CourseError, versions.Conflict):
    """Someone saved the workshop session after the form was opened."""


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


def _aware(moment: datetime | None) -> datetime | None:
    from datetime import UTC

    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


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


# ---------------------------------------------------------------- workshops


def workshops(*, upcoming_only: bool = False) -> list[Workshop]:
    query = select(Workshop).order_by(Workshop.starts_at.desc())
    if upcoming_only:
        query = query.where(Workshop.starts_at >= utcnow())
    return list(db.session.scalars(query))


def get_workshop(workshop_id: int) -> Workshop | None:
    return db.session.get(Workshop, workshop_id)


def save_workshop(workshop: Workshop | None, data: dict, *, version: int | None = None):
    """Create or edit a session. Capacity cannot drop below the seats already taken."""
    if data["ends_at"] <= data["starts_at"]:
        raise CourseError(_l("The session must end after it starts."), field="ends_at")
    if data["registration_deadline"] > data["starts_at"]:
        raise CourseError(_l("Registration must close before the session starts."),
                          field="registration_deadline")
    if get_course(data["course_slug"]) is None:
        raise CourseError(_l("Choose a course from the list."), field="course_slug")
    if workshop is None:
        workshop = Workshop(seats_taken=0)
        db.session.add(workshop)
    else:
        conflict = EditConflict(_l("Someone else saved this session after you opened the "
                                   "form. Reload the page and edit again."))
        versions.check(workshop, version, conflict)
        if data["capacity"] < workshop.seats_taken:
            raise CourseError(_l("%(taken)d seats are already taken: the capacity cannot be "
                                 "lower.", taken=workshop.seats_taken), field="capacity")
        versions.claim(workshop, version, conflict)
    for key, value in data.items():
        setattr(workshop, key, value)
    db.session.flush()
    _promote_waitlist(workshop)
    return workshop


def registration(workshop: Workshop, user) -> WorkshopRegistration | None:
    return db.session.scalar(select(WorkshopRegistration).where(
        WorkshopRegistration.workshop_id == workshop.id,
        WorkshopRegistration.user_id == user.id))


def _take_seat(workshop_id: int) -> bool:
    """Atomically take a seat if one is free: a conditional UPDATE, safe under concurrency."""
    result = db.session.execute(
        update(Workshop)
        .where(Workshop.id == workshop_id, Workshop.seats_taken < Workshop.capacity)
        .values(seats_taken=Workshop.seats_taken + 1)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


def register(user, workshop: Workshop) -> WorkshopRegistration:
    """Register for a session: a seat if one is free, else the waitlist."""
    now = utcnow()
    if _aware(workshop.starts_at) <= now:
        raise CourseError(_l("This session has already taken place."))
    if _aware(workshop.registration_deadline) < now:
        raise CourseError(_l("Registration for this session is closed."))
    record = registration(workshop, user)
    if record is not None and record.status != "cancelled":
        raise CourseError(_l("You are already registered for this session."))
    status = "confirmed" if _take_seat(workshop.id) else "waitlisted"
    if record is None:
        record = WorkshopRegistration(workshop_id=workshop.id, user_id=user.id, status=status)
        db.session.add(record)
    else:
        record.status, record.created_at = status, utcnow()
    try:
        db.session.flush()
    except IntegrityError as error:  # the same person clicking twice at once
        db.session.rollback()
        raise CourseError(_l("You are already registered for this session.")) from error
    db.session.refresh(workshop)
    if status == "confirmed":
        mail_seat(record, workshop, promoted=False)
    return record


def cancel(user, workshop: Workshop) -> WorkshopRegistration | None:
    """Cancel a registration; a freed seat goes to the first person on the waitlist.
    Returns the registration promoted from the waitlist, if any."""
    record = registration(workshop, user)
    if record is None or record.status == "cancelled":
        raise CourseError(_l("You are not registered for this session."))
    was_confirmed = record.status == "confirmed"
    record.status = "cancelled"
    if was_confirmed:
        db.session.execute(update(Workshop).where(Workshop.id == workshop.id)
                           .values(seats_taken=Workshop.seats_taken - 1)
                           .execution_options(synchronize_session=False))
    db.session.flush()
    promoted = _promote_waitlist(workshop)
    db.session.refresh(workshop)
    return promoted[0] if promoted else None


def _promote_waitlist(workshop: Workshop) -> list[WorkshopRegistration]:
    promoted = []
    waiting = db.session.scalars(
        select(WorkshopRegistration)
        .where(WorkshopRegistration.workshop_id == workshop.id,
               WorkshopRegistration.status == "waitlisted")
        .order_by(WorkshopRegistration.created_at, WorkshopRegistration.id))
    for record in waiting:
        if not _take_seat(workshop.id):
            break
        record.status = "confirmed"
        promoted.append(record)
        _mail_promotion(record, workshop)
    db.session.flush()
    return promoted


def _mail_promotion(record: WorkshopRegistration, workshop: Workshop) -> None:
    mail_seat(record, workshop, promoted=True)


def mail_seat(record: WorkshopRegistration, workshop: Workshop, *, promoted: bool) -> None:
    """Queue the seat confirmation, in the learner's language, with the session as an
    ``.ics`` file for their calendar."""
    user = record.user
    language = user.preferred_language
    with force_locale(language):
        city = workshop.city_az if language == "az" else workshop.city_en
        # "Tuesday, 16 March 2027, 10:00": the day in words, the time without seconds
        start = (f'{format_date(workshop.starts_at, "full")}, '
                 f'{format_time(workshop.starts_at, "short")}')
        if promoted:
            opening = _("A seat has become free in the ULC workshop in %(city)s (%(venue)s, "
                        "%(start)s) and your registration is now confirmed.",
                        city=city, venue=workshop.venue, start=start)
        else:
            opening = _("Your seat in the ULC workshop in %(city)s (%(venue)s, %(start)s) "
                        "is confirmed.", city=city, venue=workshop.venue, start=start)
        body = "\n\n".join([
            _("Hello %(name)s,", name=user.name), opening,
            _("The attached calendar file adds the session to your calendar."),
            _("If you cannot come, please cancel on the platform so that the next person on "
              "the waitlist gets the seat: %(link)s", link=_workshop_link(workshop, language)),
            _("M4EG Azerbaijan")])
        queue_mail(user.email, _("Your ULC workshop seat is confirmed"), body,
                   attachments=(("workshop.ics", "text/calendar",
                                 workshop_calendar(workshop, language)),))


def _workshop_link(workshop: Workshop, language: str) -> str:
    from ..core.security import public_url

    try:
        return public_url("workshops.show", workshop_id=workshop.id, lang_code=language)
    except RuntimeError:  # a command on a machine without a configured public address
        return ""


def workshop_calendar(workshop: Workshop, language: str) -> bytes:
    """The session as an iCalendar event (RFC 5545), through the icalendar library."""
    import icalendar

    course_ = get_course(workshop.course_slug)
    title = course_.title[language] if course_ else workshop.course_slug
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//M4EG Azerbaijan//ULC workshops//")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"workshop-{workshop.id}@m4eg")
    event.add("dtstamp", utcnow())
    event.add("dtstart", _aware(workshop.starts_at))
    event.add("dtend", _aware(workshop.ends_at))
    event.add("summary", f"ULC: {title}")
    city = workshop.city_az if language == "az" else workshop.city_en
    event.add("location", f"{workshop.venue}, {city}")
    link = _workshop_link(workshop, language)
    if link:
        event.add("url", link)
    calendar.add_component(event)
    return calendar.to_ical()


def waitlist_position(workshop: Workshop, record: WorkshopRegistration) -> int | None:
    if record.status != "waitlisted":
        return None
    earlier = or_(
        WorkshopRegistration.created_at < record.created_at,
        and_(WorkshopRegistration.created_at == record.created_at,
             WorkshopRegistration.id <= record.id))
    return db.session.scalar(select(func.count()).select_from(WorkshopRegistration).where(
        WorkshopRegistration.workshop_id == workshop.id,
        WorkshopRegistration.status == "waitlisted", earlier))


def roster(workshop: Workshop) -> list[WorkshopRegistration]:
    return list(db.session.scalars(
        select(WorkshopRegistration)
        .where(WorkshopRegistration.workshop_id == workshop.id,
               WorkshopRegistration.status != "cancelled")
        .order_by(WorkshopRegistration.status, WorkshopRegistration.created_at)))


def set_attendance(workshop: Workshop, values: dict[int, str]) -> None:
    """Record attendance (present, absent, excused) of confirmed participants."""
    records = {r.id: r for r in roster(workshop) if r.status == "confirmed"}
    for registration_id, value in values.items():
        if registration_id not in records or value not in ("present", "absent", "excused", ""):
            raise CourseError(_l("The attendance register does not match this session. "
                                 "Reload the page."))
        records[registration_id].attendance = value or None
    db.session.flush()


def attendance_counts(workshop: Workshop) -> dict:
    """Confirmed participants by sex and by municipality (names of municipalities)."""
    by_sex, by_municipality = Counter(), Counter()
    for record in roster(workshop):
        if record.status == "confirmed":
            by_sex[record.user.sex] += 1
            municipality = record.user.municipality
            by_municipality[municipality.name if municipality else "—"] += 1
    return {"sex": dict(by_sex), "municipality": dict(by_municipality)}


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


def report_rows() -> list[list]:
    table = [["course", "municipality_az", "municipality_en", "enrolled", "completed",
              "completion_rate", "average_best_quiz_score"]]
    data = report()
    for course_slug, name_az, name_en, enrolled, completed in data["by_municipality"]:
        course = data["by_course"][course_slug]
        table.append([course_slug, name_az or "", name_en or "", enrolled, completed,
                      round(100 * completed / enrolled), course["average_best_score"]])
    return table


def learners_by_sex(start=None, end=None) -> dict[str, int]:
    """Municipal staff registered at the ULC (enrolled in at least one course) in the period,
    by sex; each person counted once."""
    return accounts.ulc_registered_by_sex(start, end)


# ---------------------------------------------------------------- demo data

DEMO_WORKSHOPS = (
    # The ULC launch workshops of November 2023 (seed 004 names the four cities; the dates,
    # venues and seat numbers here are placeholders, hence the demo flag).
    ("foresight-for-municipalities", "Lənkəran", "Lankaran", "2023-11-06"),
    ("community-listening", "Mingəçevir", "Mingachevir", "2023-11-09"),
    ("sensemaking-and-portfolios", "Şəki", "Sheki", "2023-11-14"),
    ("designing-a-p4eg-plan", "Bakı", "Baku", "2023-11-17"),
    # An upcoming session, so that registration can be tried out.
    ("designing-a-p4eg-plan", "Bakı", "Baku", "2027-03-16"),
)


def ensure_demo_workshops() -> list[Workshop]:
    """Create the demo sessions if missing; running it again changes nothing."""
    from datetime import UTC, timedelta

    created = []
    for course_slug, city_az, city_en, day in DEMO_WORKSHOPS:
        starts = datetime.fromisoformat(f"{day}T06:00:00").replace(tzinfo=UTC)  # 10:00 Baku
        exists = db.session.scalar(select(Workshop.id).where(
            Workshop.course_slug == course_slug, Workshop.starts_at == starts))
        if exists is None:
            workshop = Workshop(
                course_slug=course_slug, city_az=city_az, city_en=city_en,
                venue="ULC (demo)", starts_at=starts, ends_at=starts + timedelta(hours=7),
                registration_deadline=starts - timedelta(days=3), capacity=30, seats_taken=0,
                is_demo=True)
            db.session.add(workshop)
            created.append(workshop)
    db.session.flush()
    return created


def count_learners(municipality_id: int) -> int:
    """How many people of a municipality are enrolled in at least one course (a count only)."""
    return db.session.scalar(
        select(func.count(func.distinct(Enrolment.user_id)))
        .where(Enrolment.user_id.in_(accounts.ids_in_municipality(municipality_id))))
