"""Workshop rules: sessions, registration with a waitlist, seat mail with a calendar file,
the attendance register. Functions take explicit arguments and raise :class:`WorkshopError`;
the course a session belongs to is read through ``courses.services``."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from flask_babel import force_locale, format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..core import versions
from ..core.errors import DomainError
from ..core.outbox import queue_mail
from ..core.time import as_utc, utcnow
from ..courses import services as courses
from ..extensions import db
from .models import Attendance, RegistrationStatus, Workshop, WorkshopRegistration


class WorkshopError(DomainError):
    pass


class EditConflict(WorkshopError, versions.Conflict):
    """Someone saved the workshop session after the form was opened."""


def course_list() -> list:
    """The courses a session can belong to (the catalogue, through ``courses.services``)."""
    return courses.courses()


def get_course(slug: str):
    return courses.get_course(slug)


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
        raise WorkshopError(_l("The session must end after it starts."), field="ends_at")
    if data["registration_deadline"] > data["starts_at"]:
        raise WorkshopError(_l("Registration must close before the session starts."),
                            field="registration_deadline")
    if courses.get_course(data["course_slug"]) is None:
        raise WorkshopError(_l("Choose a course from the list."), field="course_slug")
    if workshop is None:
        workshop = Workshop(seats_taken=0)
        db.session.add(workshop)
    else:
        conflict = EditConflict(_l("Someone else saved this session after you opened the "
                                   "form. Reload the page and edit again."))
        versions.check(workshop, version, conflict)
        if data["capacity"] < workshop.seats_taken:
            raise WorkshopError(_l("%(taken)d seats are already taken: the capacity cannot "
                                   "be lower.", taken=workshop.seats_taken), field="capacity")
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
    if as_utc(workshop.starts_at) <= now:
        raise WorkshopError(_l("This session has already taken place."))
    if as_utc(workshop.registration_deadline) < now:
        raise WorkshopError(_l("Registration for this session is closed."))
    record = registration(workshop, user)
    if record is not None and record.status != RegistrationStatus.CANCELLED:
        raise WorkshopError(_l("You are already registered for this session."))
    status = (RegistrationStatus.CONFIRMED if _take_seat(workshop.id)
              else RegistrationStatus.WAITLISTED)
    if record is None:
        record = WorkshopRegistration(workshop_id=workshop.id, user_id=user.id, status=status)
        db.session.add(record)
    else:
        record.status, record.created_at = status, utcnow()
    try:
        db.session.flush()
    except IntegrityError as error:  # the same person clicking twice at once
        db.session.rollback()
        raise WorkshopError(_l("You are already registered for this session.")) from error
    db.session.refresh(workshop)
    if status == RegistrationStatus.CONFIRMED:
        mail_seat(record, workshop, promoted=False)
    return record


def cancel(user, workshop: Workshop) -> WorkshopRegistration | None:
    """Cancel a registration; a freed seat goes to the first person on the waitlist.
    Returns the registration promoted from the waitlist, if any."""
    record = registration(workshop, user)
    if record is None or record.status == RegistrationStatus.CANCELLED:
        raise WorkshopError(_l("You are not registered for this session."))
    was_confirmed = record.status == RegistrationStatus.CONFIRMED
    record.status = RegistrationStatus.CANCELLED
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
               WorkshopRegistration.status == RegistrationStatus.WAITLISTED)
        .order_by(WorkshopRegistration.created_at, WorkshopRegistration.id))
    for record in waiting:
        if not _take_seat(workshop.id):
            break
        record.status = RegistrationStatus.CONFIRMED
        promoted.append(record)
        mail_seat(record, workshop, promoted=True)
    db.session.flush()
    return promoted


def mail_seat(record: WorkshopRegistration, workshop: Workshop, *, promoted: bool) -> None:
    """Queue the seat confirmation, in the learner's language, with the session as an
    ``.ics`` file for their calendar."""
    user = record.user
    language = user.preferred_language
    with force_locale(language):
        city = workshop.city
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

    return public_url("workshops.show", default="", workshop_id=workshop.id,
                      lang_code=language)


def workshop_calendar(workshop: Workshop, language: str) -> bytes:
    """The session as an iCalendar event (RFC 5545), through the icalendar library."""
    import icalendar

    course_ = courses.get_course(workshop.course_slug)
    title = course_.title[language] if course_ else workshop.course_slug
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//M4EG Azerbaijan//ULC workshops//")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = icalendar.Event()
    event.add("uid", f"workshop-{workshop.id}@m4eg")
    event.add("dtstamp", utcnow())
    event.add("dtstart", as_utc(workshop.starts_at))
    event.add("dtend", as_utc(workshop.ends_at))
    event.add("summary", f"ULC: {title}")
    city = workshop.city_az if language == "az" else workshop.city_en
    event.add("location", f"{workshop.venue}, {city}")
    link = _workshop_link(workshop, language)
    if link:
        event.add("url", link)
    calendar.add_component(event)
    return calendar.to_ical()


def waitlist_position(workshop: Workshop, record: WorkshopRegistration) -> int | None:
    if record.status != RegistrationStatus.WAITLISTED:
        return None
    earlier = or_(
        WorkshopRegistration.created_at < record.created_at,
        and_(WorkshopRegistration.created_at == record.created_at,
             WorkshopRegistration.id <= record.id))
    return db.session.scalar(select(func.count()).select_from(WorkshopRegistration).where(
        WorkshopRegistration.workshop_id == workshop.id,
        WorkshopRegistration.status == RegistrationStatus.WAITLISTED, earlier))


def roster(workshop: Workshop) -> list[WorkshopRegistration]:
    return list(db.session.scalars(
        select(WorkshopRegistration)
        .where(WorkshopRegistration.workshop_id == workshop.id,
               WorkshopRegistration.status != RegistrationStatus.CANCELLED)
        .order_by(WorkshopRegistration.status, WorkshopRegistration.created_at)))


def set_attendance(workshop: Workshop, values: dict[int, str]) -> None:
    """Record attendance (present, absent, excused) of confirmed participants."""
    records = {r.id: r for r in roster(workshop) if r.status == RegistrationStatus.CONFIRMED}
    for registration_id, value in values.items():
        if registration_id not in records or value not in (*Attendance, ""):
            raise WorkshopError(_l("The attendance register does not match this session. "
                                 "Reload the page."))
        records[registration_id].attendance = value or None
    db.session.flush()


def attendance_counts(workshop: Workshop) -> dict:
    """Confirmed participants by sex and by municipality (names of municipalities)."""
    by_sex, by_municipality = Counter(), Counter()
    for record in roster(workshop):
        if record.status == RegistrationStatus.CONFIRMED:
            by_sex[record.user.sex] += 1
            municipality = record.user.municipality
            by_municipality[municipality.name if municipality else "—"] += 1
    return {"sex": dict(by_sex), "municipality": dict(by_municipality)}




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


# ---------------------------------------------------------------- key figures


def session_figures(start: datetime, end: datetime) -> dict:
    """Sessions that took place with ``starts_at`` in [start, end), their participants
    marked present by sex and the municipalities those participants come from (read by the
    key figures: "events" counts these sessions)."""
    now = utcnow()
    held = list(db.session.scalars(select(Workshop).where(
        Workshop.starts_at >= start, Workshop.starts_at < end, Workshop.starts_at <= now)))
    by_sex = {"female": 0, "male": 0, "not_stated": 0}
    municipalities = set()
    for workshop in held:
        for record in roster(workshop):
            if record.attendance == Attendance.PRESENT:
                sex = record.user.sex if record.user.sex in by_sex else "not_stated"
                by_sex[sex] += 1
                if record.user.municipality_id is not None:
                    municipalities.add(record.user.municipality_id)
    return {"sessions": len(held), "participants": by_sex,
            "municipalities": len(municipalities)}
