"""Workshop rules: sessions, registration with a waitlist, seat mail with a calendar file,
the attendance register. Functions take explicit arguments and raise :class:`WorkshopError`;
the course a session belongs to is read through ``courses.services``."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask_babel import force_locale, format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from ..accounts import services as accounts
from ..core import versions
from ..core.errors import DomainError
from ..core.i18n import TIME_PATTERN, format_moment
from ..core.outbox import queue_mail
from ..core.personal_data import Table
from ..core.text import az_sort_key
from ..core.time import as_utc, utcnow
from ..courses import services as courses
from ..extensions import db
from ..municipalities import services as municipalities
from ..notifications import services as notifications
from ..notifications.services import Kind
from .models import (
    Attendance,
    DatePrecision,
    RegistrationStatus,
    Workshop,
    WorkshopGuest,
    WorkshopRegistration,
)

Sex = accounts.Sex
# Counts and a guest's sex as a coordinator records it: "Sex not stated", never the
# person's own "Prefer not to say".
SEX_LABELS = accounts.SEX_COUNT_LABELS


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


def upcoming_and_past() -> tuple[list[Workshop], list[Workshop]]:
    """Sessions still to come (soonest first) and those that have started (latest first)."""
    now = utcnow()
    upcoming = db.session.scalars(select(Workshop).where(Workshop.starts_at > now)
                                  .order_by(Workshop.starts_at, Workshop.id))
    past = db.session.scalars(select(Workshop).where(Workshop.starts_at <= now)
                              .order_by(Workshop.starts_at.desc(), Workshop.id))
    return list(upcoming), list(past)


def when(workshop: Workshop) -> str:
    """The session's date and start time in the page's language ("16 March 2027, 10:00"), or
    only its month ("November 2023") when the source gives no day."""
    if workshop.date_precision == DatePrecision.MONTH:
        return format_date(workshop.starts_at, "LLLL y")
    return moment(workshop.starts_at)


def moment(value: datetime) -> str:
    """A date and time in Baku time for the page: "16 mart 2027, 10:00" (en "March 16, 2027,
    10:00"), written as on every page (core.i18n)."""
    return format_moment(value)


def clock_time(value: datetime) -> str:
    """The time of day in Baku time, as 10:00 in both languages."""
    return format_time(value, TIME_PATTERN)


def get_workshop(workshop_id: int) -> Workshop | None:
    return db.session.get(Workshop, workshop_id)


def save_workshop(workshop: Workshop | None, data: dict, *, version: int | None = None):
    """Create or edit a session. Capacity cannot drop below the seats already taken. A
    session that already took place may be recorded afterwards: without a registration
    deadline, registration closes when the session starts."""
    data = {**data}
    if data.get("registration_deadline") is None:
        data["registration_deadline"] = data["starts_at"]
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
    if workshop.has_started:
        raise WorkshopError(_l("This session has already taken place."))
    if not workshop.registration_open:
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
    ``.ics`` file for their calendar (and a notification in the platform; the mail only
    when the learner has not turned that kind off)."""
    user = record.user

    def title():
        if promoted:
            return _("A seat has become free: your place in the ULC workshop in %(city)s on "
                     "%(day)s is confirmed", city=workshop.city,
                     day=format_date(workshop.starts_at, "long"))
        return _("Your seat in the ULC workshop in %(city)s on %(day)s is confirmed",
                 city=workshop.city, day=format_date(workshop.starts_at, "long"))

    if not notifications.notify(user, Kind.WORKSHOP_SEAT, title, "workshops.show",
                                workshop_id=workshop.id):
        return
    language = user.preferred_language
    with force_locale(language):
        city = workshop.city
        # "16 March 2027, 10:00": the time without seconds or AM/PM; no weekday (the full
        # format puts a capitalised weekday in the middle of an Azerbaijani sentence)
        start = (f'{format_date(workshop.starts_at, "long")}, '
                 f'{format_time(workshop.starts_at, TIME_PATTERN)}')
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


@dataclass(frozen=True)
class MyRegistration:
    workshop: Workshop
    record: WorkshopRegistration
    position: int | None  # on the waitlist


def registrations_of(user) -> list[MyRegistration]:
    """A person's registrations (not cancelled): upcoming sessions soonest first, then the
    past ones latest first."""
    rows = db.session.execute(
        select(WorkshopRegistration, Workshop)
        .join(Workshop, Workshop.id == WorkshopRegistration.workshop_id)
        .where(WorkshopRegistration.user_id == user.id,
               WorkshopRegistration.status != RegistrationStatus.CANCELLED)
        .order_by(Workshop.starts_at.desc())).all()
    mine = [MyRegistration(w, r, waitlist_position(w, r)) for r, w in rows]
    upcoming = [m for m in mine if not m.workshop.has_started]
    return [*reversed(upcoming), *(m for m in mine if m.workshop.has_started)]


def upcoming_of(user, limit: int = 5) -> list[tuple[Workshop, WorkshopRegistration]]:
    """A person's next sessions (a seat or a waitlist place), soonest first: one query."""
    rows = db.session.execute(
        select(Workshop, WorkshopRegistration)
        .join(WorkshopRegistration, WorkshopRegistration.workshop_id == Workshop.id)
        .where(WorkshopRegistration.user_id == user.id, Workshop.starts_at >= utcnow(),
               WorkshopRegistration.status != RegistrationStatus.CANCELLED)
        .order_by(Workshop.starts_at, Workshop.id).limit(limit))
    return [tuple(row) for row in rows]


def upcoming_with_seats(limit: int = 5) -> list[Workshop]:
    """The next sessions that still have a free seat, soonest first: one query."""
    return list(db.session.scalars(
        select(Workshop).where(Workshop.starts_at >= utcnow(),
                               Workshop.seats_taken < Workshop.capacity)
        .order_by(Workshop.starts_at, Workshop.id).limit(limit)))


def roster(workshop: Workshop) -> list[WorkshopRegistration]:
    return list(db.session.scalars(
        select(WorkshopRegistration)
        .where(WorkshopRegistration.workshop_id == workshop.id,
               WorkshopRegistration.status != RegistrationStatus.CANCELLED)
        .order_by(WorkshopRegistration.status, WorkshopRegistration.created_at)))


def add_participant(workshop: Workshop, user) -> WorkshopRegistration:
    """Record that a person with an account took part in a session that already took place
    (a coordinator records the session afterwards): a confirmed registration, present."""
    if not workshop.has_started:
        raise WorkshopError(_l("Attendance can be recorded only once the session has "
                               "started."))
    record = registration(workshop, user)
    if record is not None and record.status == RegistrationStatus.CONFIRMED:
        record.attendance = Attendance.PRESENT
    else:
        if not _take_seat(workshop.id):
            raise WorkshopError(_l("All seats of this session are taken: raise the number "
                                   "of seats first."))
        if record is None:
            record = WorkshopRegistration(workshop_id=workshop.id, user_id=user.id)
            db.session.add(record)
        record.status, record.attendance = RegistrationStatus.CONFIRMED, Attendance.PRESENT
    db.session.flush()
    db.session.refresh(workshop)
    return record


@dataclass(frozen=True)
class Added:
    """A person with an account recorded as present, and whether they were registered."""

    record: WorkshopRegistration
    was_registered: bool


def add_participant_by_email(workshop: Workshop, email: str) -> Added:
    """Record as present the person whose account has ``email`` (a coordinator completing a
    past session's attendance); an email that belongs to no account is refused."""
    user = accounts.get_by_email((email or "").strip())
    if user is None:
        raise WorkshopError(_l("No account has this email address. A person without an "
                               "account can be added as a guest."), field="email")
    record = registration(workshop, user)
    was_registered = record is not None and record.status == RegistrationStatus.CONFIRMED
    return Added(add_participant(workshop, user), was_registered)


def set_attendance(workshop: Workshop, values: dict[int, str]) -> None:
    """Record attendance (present, absent, excused) of confirmed participants, once the
    session has started."""
    if not workshop.has_started:
        raise WorkshopError(_l("Attendance can be recorded only once the session has "
                               "started."))
    records = {r.id: r for r in roster(workshop) if r.status == RegistrationStatus.CONFIRMED}
    for registration_id, value in values.items():
        if registration_id not in records or value not in (*Attendance, ""):
            raise WorkshopError(_l("The attendance register does not match this session. "
                                 "Reload the page."))
        records[registration_id].attendance = value or None
    db.session.flush()


def guests(workshop: Workshop) -> list[WorkshopGuest]:
    return list(db.session.scalars(select(WorkshopGuest).where(
        WorkshopGuest.workshop_id == workshop.id).order_by(WorkshopGuest.id)))


def add_guest(workshop: Workshop, *, name: str = "", organisation: str = "",
              municipality_id: int | None = None, sex: str = Sex.NOT_STATED,
              is_demo: bool = False) -> WorkshopGuest:
    """Record someone without an account who came to the session (at the door): a name or
    an organisation is needed to tell who it was; they count in the attendance."""
    name, organisation = (name or "").strip(), (organisation or "").strip()
    if not workshop.has_started:
        raise WorkshopError(_l("Attendance can be recorded only once the session has "
                               "started."))
    if not name and not organisation:
        raise WorkshopError(_l("Give the guest's name or their organisation."), field="name")
    if sex not in SEX_LABELS:
        raise WorkshopError(_l("Choose one of the listed options."), field="sex")
    if municipality_id is not None and municipalities.get(municipality_id) is None:
        raise WorkshopError(_l("Choose a municipality from the list."), field="municipality_id")
    guest = WorkshopGuest(workshop_id=workshop.id, name=name, organisation=organisation,
                          municipality_id=municipality_id, sex=sex, is_demo=is_demo)
    db.session.add(guest)
    db.session.flush()
    return guest


def remove_guest(workshop: Workshop, guest_id: int) -> None:
    guest = db.session.get(WorkshopGuest, guest_id)
    if guest is None or guest.workshop_id != workshop.id:
        raise WorkshopError(_l("This guest is not in the register of this session. "
                               "Reload the page."))
    db.session.delete(guest)
    db.session.flush()


@dataclass(frozen=True)
class Present:
    """One person who came: a registered participant marked present, or a guest."""

    sex: str
    municipality_id: int | None


def _present(workshop_ids) -> dict[int, list[Present]]:
    """Who came to each of these sessions (present registrations and guests)."""
    ids = list(workshop_ids)
    came: dict[int, list[Present]] = {i: [] for i in ids}
    if not ids:
        return came
    rows = db.session.execute(select(WorkshopRegistration.workshop_id,
                                     WorkshopRegistration.user_id).where(
        WorkshopRegistration.workshop_id.in_(ids),
        WorkshopRegistration.status == RegistrationStatus.CONFIRMED,
        WorkshopRegistration.attendance == Attendance.PRESENT)).all()
    people = {u.id: u for u in accounts.users(r.user_id for r in rows)}
    for row in rows:
        user = people[row.user_id]
        came[row.workshop_id].append(Present(user.sex or Sex.NOT_STATED, user.municipality_id))
    for guest in db.session.scalars(select(WorkshopGuest).where(
            WorkshopGuest.workshop_id.in_(ids))):
        came[guest.workshop_id].append(Present(guest.sex, guest.municipality_id))
    return came


def _by_sex(people) -> dict[str, int]:
    counts = Counter(p.sex if p.sex in SEX_LABELS else Sex.NOT_STATED for p in people)
    return {str(key): counts.get(key, 0) for key in SEX_LABELS}


def how_many_came(sessions) -> dict[int, int]:
    """How many people came to each session (present participants and guests), by id."""
    return {workshop_id: len(people)
            for workshop_id, people in _present(w.id for w in sessions).items()}


def attendance_counts(workshop: Workshop) -> dict:
    """Who came (present participants and guests), by sex and by municipality name."""
    came = _present([workshop.id])[workshop.id]
    by_municipality, without = Counter(), 0
    for person in came:
        municipality = (municipalities.get(person.municipality_id)
                        if person.municipality_id else None)
        if municipality is None:
            without += 1
        else:
            by_municipality[municipality.name] += 1
    # In the Azerbaijani alphabet (the names are Azerbaijani places), "no municipality" last
    ordered = {name: by_municipality[name] for name in sorted(by_municipality, key=az_sort_key)}
    if without:
        ordered[_("no municipality")] = without
    return {"total": len(came), "sex": _by_sex(came), "municipality": ordered,
            "municipalities": len(by_municipality)}


def _taken_place(start: datetime | None, end: datetime | None):
    query = select(Workshop).where(Workshop.starts_at < utcnow())
    if start is not None:
        query = query.where(Workshop.starts_at >= start)
    if end is not None:
        query = query.where(Workshop.starts_at < end)
    return query.order_by(Workshop.starts_at, Workshop.id)


def session_figures(start: datetime | None, end: datetime | None) -> dict:
    """The in-person sessions that took place with ``starts_at`` in [start, end) (either
    bound open when None): how many, who came by sex (present registrations and guests; a
    registered person's sex from their account) and how many distinct municipalities were
    represented among those present."""
    ids = list(db.session.scalars(_taken_place(start, end).with_only_columns(Workshop.id)))
    came = [person for people in _present(ids).values() for person in people]
    return {"sessions": len(ids), "participants": _by_sex(came),
            "municipalities": len({p.municipality_id for p in came if p.municipality_id})}


@dataclass(frozen=True)
class PastSession:
    """A session that took place, as the annual report lists it."""

    workshop: Workshop
    participants: dict  # {"female": n, "male": n, "not_stated": n}

    @property
    def city(self) -> str:
        return self.workshop.city

    @property
    def venue(self) -> str:
        return self.workshop.venue

    @property
    def starts_at(self) -> datetime:
        return self.workshop.starts_at

    @property
    def date_precision(self) -> str:
        return self.workshop.date_precision


def past_sessions(start: datetime | None, end: datetime | None) -> list[PastSession]:
    """The sessions that took place with ``starts_at`` in [start, end), in date order, each
    with its city, venue, date (and how exactly it is known) and who came by sex."""
    sessions = list(db.session.scalars(_taken_place(start, end)))
    came = _present(w.id for w in sessions)
    return [PastSession(w, _by_sex(came[w.id])) for w in sessions]


def sign_in_rows(workshop: Workshop) -> list[tuple[str, str]]:
    """(name, municipality) of each confirmed participant, for the printed sign-in sheet."""
    rows = []
    for record in roster(workshop):
        if record.status == RegistrationStatus.CONFIRMED:
            municipality = record.user.municipality
            rows.append((record.user.name, municipality.name if municipality else ""))
    return rows


def municipality_choices(lang: str) -> list[tuple[int, str]]:
    return municipalities.choices(lang)


def municipality_names(ids) -> dict[int, str]:
    names = {}
    for municipality_id in set(ids) - {None}:
        municipality = municipalities.get(municipality_id)
        if municipality is not None:
            names[municipality_id] = municipality.name
    return names


# ---------------------------------------------------------------- demo data

# The ULC launch: "officially launched in Azerbaijan in November 2023, featuring in-person
# workshops in Lankaran, Mingachevir, Sheki, and Baku" with representatives of the
# Municipality Center of the Ministry of Justice and of the EU Delegation (annual report,
# seed 004). The report gives only the month and no venue: the sessions are shown as
# "November 2023" with no venue; the days stored (for the order) and the courses are
# placeholders, hence the demo flag.
DEMO_LAUNCH = (
    ("foresight-for-municipalities", "Lənkəran", "Lankaran", "2023-11-06"),
    ("community-listening", "Mingəçevir", "Mingachevir", "2023-11-09"),
    ("sensemaking-and-portfolios", "Şəki", "Sheki", "2023-11-14"),
    ("designing-a-p4eg-plan", "Bakı", "Baku", "2023-11-17"),
)
# Upcoming sessions, so that registration can be tried out.
DEMO_UPCOMING = (("designing-a-p4eg-plan", "Bakı", "Baku", "2027-03-16"),)
DEMO_GUESTS = {  # by city: the organisations the report names
    "Lankaran": ("Municipality Center of the Ministry of Justice",),
    "Baku": ("Municipality Center of the Ministry of Justice", "EU Delegation to Azerbaijan"),
}
# The report counts 6 municipal staff registered at the ULC from May 2023 to May 2024: six
# demo accounts in different members, each enrolled in a first course in that period and
# present at the launch session nearest to them.
DEMO_ULC_STAFF = (
    ("ulc.lankaran@example.org", "Günel Babayeva (demo)", "lankaran-city", "female",
     "Lankaran", "foresight-for-municipalities", "2023-11-20"),
    ("ulc.mingachevir@example.org", "Orxan Kərimov (demo)", "mingachevir", "male",
     "Mingachevir", "community-listening", "2023-12-05"),
    ("ulc.sheki@example.org", "Səbinə Rəhimova (demo)", "sheki-city", "female",
     "Sheki", "sensemaking-and-portfolios", "2024-01-16"),
    ("ulc.naftalan@example.org", "Tural Həsənov (demo)", "naftalan", "male",
     "Mingachevir", "community-listening", "2024-02-12"),
    ("ulc.sabail@example.org", "Lalə Nəsirova (demo)", "sabail", "female",
     "Baku", "designing-a-p4eg-plan", "2024-03-19"),
    ("ulc.ganja@example.org", "Kamran Quliyev (demo)", "ganja-city", "not_stated",
     "Baku", "localising-the-sdgs", "2024-05-06"),
)


def _demo_session(course_slug, city_az, city_en, day, *, taken_place: bool) -> Workshop:
    starts = datetime.fromisoformat(f"{day}T06:00:00").replace(tzinfo=UTC)  # 10:00 Baku
    workshop = db.session.scalar(select(Workshop).where(
        Workshop.course_slug == course_slug, Workshop.starts_at == starts))
    if workshop is None:
        workshop = Workshop(
            course_slug=course_slug, city_az=city_az, city_en=city_en,
            venue="ULC (demo)", starts_at=starts, ends_at=starts + timedelta(hours=7),
            registration_deadline=starts - timedelta(days=3), capacity=30, seats_taken=0,
            is_demo=True)
        db.session.add(workshop)
    if taken_place:  # as the report gives it: the month, no venue
        workshop.date_precision, workshop.venue = DatePrecision.MONTH, ""
    db.session.flush()
    return workshop


def ensure_demo_workshops() -> list[Workshop]:
    """Create the demo sessions if missing, the launch sessions of November 2023 with their
    attendance (demo staff present, the partners' representatives as guests) and the six
    demo municipal staff enrolled at the ULC; running it again changes nothing."""
    launch = {city_en: _demo_session(slug, city_az, city_en, day, taken_place=True)
              for slug, city_az, city_en, day in DEMO_LAUNCH}
    upcoming = [_demo_session(*row, taken_place=False) for row in DEMO_UPCOMING]
    for email, name, slug, sex, city, course_slug, day in DEMO_ULC_STAFF:
        member = municipalities.get_by_slug(slug)
        user = accounts.ensure_demo_account(
            email, name, role="staff", sex=sex, position="Bələdiyyə əməkdaşı",
            municipality_id=member.id if member else None)
        courses.ensure_demo_enrolment(
            user, course_slug, datetime.fromisoformat(f"{day}T08:00:00").replace(tzinfo=UTC))
        workshop = launch[city]
        record = registration(workshop, user)
        if record is None or record.attendance != Attendance.PRESENT:
            add_participant(workshop, user)
    for city, organisations in DEMO_GUESTS.items():
        workshop = launch[city]
        known = {g.organisation for g in guests(workshop)}
        for organisation in (f"{name} (demo)" for name in organisations):
            if organisation not in known:
                add_guest(workshop, organisation=organisation, is_demo=True)
    db.session.flush()
    return [*launch.values(), *upcoming]


# ---------------------------------------------------------------- a person's own data


PERSONAL_TABLES = {
    "workshop_registrations": Table(_l("The workshops you registered for: seat or waiting "
                                       "list, and the attendance recorded."),
                                    ("workshop_id", "course_slug", "city", "venue",
                                     "starts_at", "registered_at", "status", "attendance")),
}


def export_for_user(user_id: int) -> dict[str, list[dict]]:
    """The person's workshop registrations (core.personal_data), with the session's course,
    place and time, the registration's status and the attendance recorded."""
    query = (select(WorkshopRegistration, Workshop)
             .join(Workshop, Workshop.id == WorkshopRegistration.workshop_id)
             .where(WorkshopRegistration.user_id == user_id)
             .order_by(WorkshopRegistration.id))
    return {"workshop_registrations": [{
        "workshop_id": workshop.id, "course_slug": workshop.course_slug,
        "city": workshop.city_en, "venue": workshop.venue, "starts_at": workshop.starts_at,
        "registered_at": record.created_at, "status": record.status,
        "attendance": record.attendance,
    } for record, workshop in db.session.execute(query)]}
