"""The annual report of a period: what it shows, gathered from the other domains' records,
and the coordinators' texts (introduction, section notes) with the step that makes it final.

The report's content is one plain dictionary (:func:`gather`) holding every text in both
languages and every count as a number, so that the page, the PDF and the Word file render
the same data, and a final report renders its stored snapshot of it in either language.
"""

from __future__ import annotations

from datetime import date

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts import services as accounts
from ..core import time as clock
from ..core import versions
from ..core.errors import DomainError
from ..core.i18n import LANGUAGES
from ..core.personal_data import Table
from ..core.privacy import SmallCell, suppress
from ..core.text import az_sort_key
from ..courses import services as courses
from ..extensions import db
from ..figures import services as figures
from ..municipalities import services as municipalities
from ..plans import services as plans
from ..portfolios import services as portfolios
from ..workshops import services as workshops
from .models import SECTIONS, AnnualReport

NOTE_MAX = 20_000

# The report counts people at events, where "not stated" means nobody recorded it (as for
# workshop guests), not the person's own "I prefer not to say".
SEX_REPORT_LABELS = accounts.SEX_COUNT_LABELS  # "Sex not stated", not the person's words

SECTION_TITLES = {
    "figures": _l("Key figures"),
    "municipalities": _l("Future Ready Municipalities"),
    "events": _l("Events of the period"),
    # The records give a story no date (it belongs to a portfolio, not to an activity or a
    # session), so the section says so rather than passing them off as the period's.
    "quotes": _l("Voices from the demonstrators — the records give no date for these quotes"),
    "ulc": _l("Urban Learning Center"),
    "p4eg": _l("Pathways for Economic Growth"),
}


class ReportError(DomainError):
    pass


class EditConflict(ReportError, versions.Conflict):
    pass


class ReportFinal(ReportError, versions.Conflict):
    """The report was marked final: its texts can no longer change. A conflict with the
    report's state, so the page answers 409 and keeps what was typed."""


def _edited_meanwhile() -> EditConflict:
    return EditConflict(_l("Someone saved this report while you were editing it. Your text "
                           "is kept below: copy what you need, reload the page and save "
                           "again."))


def _final() -> ReportFinal:
    return ReportFinal(_l("This report is final: its texts can no longer be changed."))


# ---------------------------------------------------------------- the period


def parse_period(args) -> figures.Period:
    """The whole months ``?from=YYYY-MM&to=YYYY-MM`` (both required, ``from`` not after
    ``to``), or :class:`ReportError` saying what is wrong."""
    if not args.get("from", "").strip() or not args.get("to", "").strip():
        raise ReportError(_l("Choose the first and the last month of the report."))
    try:
        return figures.Period.from_args(args)
    except figures.PeriodError as error:  # the key figures' own words for a bad month
        raise ReportError(error.message, field=error.field) from error


def _key(period: figures.Period) -> tuple[str, str]:
    args = period.as_args()
    return args["from"], args["to"]


def get_report(period: figures.Period) -> AnnualReport | None:
    """The texts written for ``period``, if any."""
    period_from, period_to = _key(period)
    return db.session.scalar(select(AnnualReport).where(
        AnnualReport.period_from == period_from, AnnualReport.period_to == period_to))


def final_reports() -> list[tuple[figures.Period, AnnualReport]]:
    """Every final report (public), newest period first, with its period."""
    reports = db.session.scalars(select(AnnualReport).where(
        AnnualReport.finalised_at.is_not(None))
        .order_by(AnnualReport.period_to.desc(), AnnualReport.period_from.desc()))
    return [(figures.Period.from_args({"from": report.period_from, "to": report.period_to}),
             report) for report in reports]


def is_public(report: AnnualReport | None) -> bool:
    """A final report is public; until then only those who write it read it."""
    return report is not None and report.is_final


# ---------------------------------------------------------------- what the report shows


def _both(text) -> dict[str, str]:
    """A translatable text (a lazy string, a label) in each language."""
    result = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            result[lang] = str(text)
    return result


def _names(obj, field: str) -> dict[str, str]:
    return {lang: getattr(obj, f"{field}_{lang}", "") or "" for lang in LANGUAGES}


def _count(value):
    """A count as JSON: a number, None (not tracked), or a suppressed small cell."""
    if isinstance(value, SmallCell):
        return {"threshold": value.threshold, "small": value.small}
    return value


def _by_sex(counts: dict) -> dict:
    return {key: _count(suppress(counts.get(key, 0))) for key in accounts.SEX_LABELS}


def _by_sex_recorded(counts: dict) -> dict | None:
    """Participants by sex, or None when the records hold no attendance (shown "—")."""
    if not any(counts.get(key) for key in accounts.SEX_LABELS):
        return None
    return _by_sex(counts)


def _figures(period) -> list[dict]:
    return [{"key": figure.key, "label": _both(figure.label), "value": _count(figure.value),
             "unavailable": _both(figure.unavailable) if figure.unavailable else None,
             "parts": [{"label": _both(SEX_REPORT_LABELS["not_stated"] if key == "not_stated"
                                       else label), "value": _count(value)}
                       for key, label, value in figure.parts]}
            for figure in figures.compute(period)]


def _tracks(period) -> list[dict]:
    rows = {}
    for portfolio in portfolios.portfolios():
        if not _listed(portfolio, period):
            continue
        rows.setdefault(portfolio.track, []).append({
            "municipality": _names(portfolio.municipality, "name"),
            "initiative": _names(portfolio, "title")})
    return [{"track": _both(track.label), "rows": rows[track.value]}
            for track in municipalities.Track if track.value in rows]


def _sessions(held: list) -> list[dict]:
    """The ULC in-person sessions held (``workshops.past_sessions``) as report events."""
    sessions = []
    for session in held:
        workshop = session.workshop
        course = workshops.get_course(workshop.course_slug)
        title = dict(course.title) if course else dict.fromkeys(LANGUAGES, workshop.course_slug)
        sessions.append({
            "date": clock.as_utc(workshop.starts_at).astimezone(clock.zone()).date().isoformat(),
            "precision": session.date_precision or "day", "title": title,
            "place": _names(workshop, "city"),
            "by_sex": _by_sex_recorded(session.participants),
            "reached": None, "kind": "ulc_session"})
    return sessions


def _events(period, sessions: list[dict]) -> list[dict]:
    """The events the key figure "events" counts: activities of the kinds that count as
    events, and the ULC sessions held."""
    events = [{
        "date": activity.on_date.isoformat(), "precision": activity.date_precision,
        "title": _names(activity, "title"), "place": _names(activity, "place"),
        "by_sex": _by_sex_recorded({"female": activity.women, "male": activity.men,
                                    "not_stated": activity.not_stated}),
        "reached": activity.people_reached, "kind": "activity"}
        for activity in portfolios.activities_in(period.start, period.end,
                                                 kinds=figures.counting_kinds())]
    events.extend(sessions)
    return sorted(events, key=lambda event: event["date"])


def _listed(portfolio, period) -> bool:
    """A portfolio the report's table lists: started before the period's end."""
    return not (portfolio.start_date and period.end and portfolio.start_date >= period.end)


def _quotes(period) -> list[dict]:
    """The public quotes of the demonstrators the report lists. A story has no date of its
    own (only its portfolio), so the section's title says so."""
    listed = {portfolio.id for portfolio in portfolios.portfolios() if _listed(portfolio, period)}
    return [{"quote": _names(story, "quote"), "name": _names(story, "person_name"),
             "role": _names(story, "person_role")} for story in portfolios.public_stories()
            if story.portfolio_id in listed]


def _ulc(start, end, held: list) -> dict:
    attendance = dict.fromkeys(accounts.SEX_LABELS, 0)
    for session in held:
        for key, value in session.participants.items():
            attendance[key] = attendance.get(key, 0) + value
    return {"courses": courses.period_summary(start, end),
            "sessions": len(held), "attendance": _by_sex(attendance),
            "sex_labels": [_both(label) for label in SEX_REPORT_LABELS.values()]}


def _p4eg(start, end) -> dict:
    counts = plans.plan_figures(start, end)
    return {"submitted": counts["submitted"], "approved": counts["approved"],
            "by_status": [{"status": _both(status.label),
                           "count": plans.status_counts()[status.value]}
                          for status in plans.PlanStatus]}


def gather(period: figures.Period) -> dict:
    """Everything the report of ``period`` shows, from the records as they are now: texts in
    both languages, counts of people by sex with small cells suppressed (it is public)."""
    start, end = period.bounds()
    held = workshops.past_sessions(start, end)
    period_from, period_to = _key(period)
    return {
        "period": {"from": period_from, "to": period_to},
        "generated_on": clock.today().isoformat(),
        "figures": _figures(period),
        "tracks": _tracks(period),
        "events": _events(period, _sessions(held)),
        "quotes": _quotes(period),
        "ulc": _ulc(start, end, held),
        "p4eg": _p4eg(start, end),
        "sex_keys": list(accounts.SEX_LABELS),
    }


def content(period: figures.Period, report: AnnualReport | None) -> dict:
    """What the report shows: a final report's snapshot, otherwise the records now."""
    if report is not None and report.is_final and report.snapshot:
        return report.snapshot
    return gather(period)


# ---------------------------------------------------------------- reading it in a language


def pick(texts: dict | None, lang: str) -> str:
    """A text of the report in ``lang``, falling back to the other language."""
    texts = texts or {}
    return texts.get(lang) or next((texts[code] for code in LANGUAGES if texts.get(code)), "")


def count_text(value, format_number) -> str:
    """A count for people: formatted for the page's language, a small cell as words."""
    if value is None:  # no attendance recorded, or a figure not yet tracked
        return "—"
    if isinstance(value, dict):  # as core.privacy.SmallCell words it on pages
        if value["small"]:
            return _("fewer than %(number)s", number=format_number(value["threshold"]))
        return _("not shown, to protect a small count")
    return format_number(value)


def event_date(event: dict, format_date) -> str:
    """An event's date to the precision the records know it (a month, a year)."""
    day = date.fromisoformat(event["date"])
    precision = event.get("precision", "day")
    if precision == "year":
        return format_date(day, "y")
    if precision in ("month", "period"):
        return format_date(day, "LLLL y")
    return format_date(day, "d MMMM y")


def section_title(section: str) -> str:
    return str(SECTION_TITLES[section])


# ---------------------------------------------------------------- the coordinators' texts


def texts_of(report: AnnualReport | None) -> dict:
    """The form's initial values: introduction and notes, ``<field>_<lang>``."""
    data = {f"intro_{lang}": getattr(report, f"intro_{lang}", "") if report else ""
            for lang in LANGUAGES}
    for section in SECTIONS:
        for lang in LANGUAGES:
            data[f"note_{section}_{lang}"] = report.note(section, lang) if report else ""
    return data


def _clean(text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > NOTE_MAX:
        raise ReportError(_l("A text of the report can be at most %(max)s characters long.",
                             max=NOTE_MAX))
    return text


def save_texts(period: figures.Period, data: dict, *, version: int | None) -> AnnualReport:
    """Save the introduction and section notes (Markdown, ``<field>_<lang>`` as in
    :func:`texts_of`) of ``period``'s report, opened at ``version`` (0: there was no report
    yet). Refused when someone saved meanwhile, or when the report is final."""
    cleaned = {name: _clean(data.get(name, "")) for name in texts_of(None)}
    report = _claim(period, version)
    for lang in LANGUAGES:
        setattr(report, f"intro_{lang}", cleaned[f"intro_{lang}"])
    report.notes = {section: {lang: cleaned[f"note_{section}_{lang}"] for lang in LANGUAGES}
                    for section in SECTIONS}
    report.updated_at = clock.utcnow()
    db.session.flush()
    return report


def _claim(period: figures.Period, version: int | None) -> AnnualReport:
    """``period``'s report claimed for a change opened at ``version`` (0: no report yet, so
    one is made); refused when it is final or someone changed it meanwhile."""
    report = get_report(period)
    if report is not None and report.is_final:
        raise _final()
    if report is None:
        if version != 0:
            raise _edited_meanwhile()
        return _create(period)
    versions.claim(report, version, _edited_meanwhile())
    return report


def _create(period: figures.Period) -> AnnualReport:
    """A new report row for ``period``; two first saves racing: the second is a conflict."""
    period_from, period_to = _key(period)
    report = AnnualReport(period_from=period_from, period_to=period_to, notes={})
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        raise _edited_meanwhile() from None
    return report


def finalise(period: figures.Period, actor, *, version: int | None) -> AnnualReport:
    """Mark ``period``'s report final: store what it shows now, when and by whom. Refused
    when it is final already or was saved after the page was opened."""
    report = _claim(period, version)
    report.snapshot = gather(period)
    report.finalised_at = clock.utcnow()
    report.finalised_by_id = actor.id
    report.finalised_by_name = actor.name
    db.session.flush()
    return report


def save_and_finalise(period: figures.Period, data: dict, actor, *,
                      version: int | None) -> AnnualReport:
    """Save the texts as typed, then mark the report final, both on the version the
    coordinator's page was opened on: a page opened before someone else's save finalises
    nothing (another tab's texts are never made final unseen)."""
    try:
        report = save_texts(period, data, version=version)
    except EditConflict:
        raise EditConflict(_l("Someone saved this report while you were editing it, so it "
                              "was not marked final. Your text is kept below: reload the "
                              "page, read the saved texts and mark it final again.")) from None
    return finalise(period, actor, version=report.version)


def sessions_line(data: dict, t, n) -> str:
    """The ULC's in-person sessions and their attendance by sex, as one sentence."""
    ulc = data["ulc"]
    by_sex = "; ".join(f"{t(label)} {n(ulc['attendance'][key])}"
                       for key, label in zip(data["sex_keys"], ulc["sex_labels"], strict=True))
    return "{} {} {}.".format(_("In-person sessions held: %(count)s.", count=n(ulc["sessions"])),
                              _("Attendance by sex:"), by_sex)


def plans_line(data: dict, n) -> str:
    return _("Plans submitted in the period: %(submitted)s. Plans approved in the period: "
             "%(approved)s.", submitted=n(data["p4eg"]["submitted"]),
             approved=n(data["p4eg"]["approved"]))


def disclaimer() -> str:
    """The EU funding line and the report's disclaimer (the site footer's sentences)."""
    return "{}. {}".format(_("Funded by the European Union"), _(
        "Its contents are the sole responsibility of the \"Mayors for Economic Growth\" "
        "Facility and do not necessarily reflect the views of the European Union."))


def quoted(text: str) -> str:
    """A quote in «…»: as it is when already one quote in them; otherwise wrapped, its own
    «…» (a name it quotes) turned into the inner quotes “…”, never ««…».»"""
    text = text.strip()
    inner = text[1:-1]
    if text.startswith("«") and text.endswith("»") and "«" not in inner and "»" not in inner:
        return text
    return "«{}»".format(text.replace("«", "“").replace("»", "”"))


def figure_value(figure: dict, n) -> str:
    """A key figure's value: "n/a" when the records cannot give it (the reason apart)."""
    return _("n/a") if figure.get("unavailable") else n(figure["value"])


def attendance(event: dict, key: str, n) -> str:
    """An event's participants of one sex, "—" when the records hold no attendance."""
    return n(event["by_sex"][key]) if event.get("by_sex") else "—"


def sorted_courses(data: dict, lang: str) -> list[dict]:
    """The ULC courses in the alphabetical order of ``lang`` (Azerbaijani: ç after c, ə
    after e, …)."""
    def key(course):
        title = pick(course["title"], lang)
        return az_sort_key(title) if lang == "az" else title.casefold()

    return sorted(data["ulc"]["courses"], key=key)


def status_caption(data: dict, format_date) -> str:
    """What the P4EG status table counts: every plan as it stood the day it was counted."""
    return _("All plans by their status on %(date)s, the day the report was counted (not "
             "only the plans of the period).",
             date=format_date(date.fromisoformat(data["generated_on"]), "d MMMM y"))


# ---------------------------------------------------------------- a person's own data


PERSONAL_TABLES = {
    "reports_finalised": Table(_l("The annual reports you finalised, with the name printed "
                                  "on them."),
                               ("period_from", "period_to", "finalised_at", "name_printed")),
}


def export_for_user(user_id: int) -> dict[str, list[dict]]:
    """The annual reports the person finalised (core.personal_data)."""
    return {"reports_finalised": [
        {"period_from": report.period_from, "period_to": report.period_to,
         "finalised_at": report.finalised_at, "name_printed": report.finalised_by_name}
        for report in db.session.scalars(select(AnnualReport).where(
            AnnualReport.finalised_by_id == user_id).order_by(AnnualReport.id))]}


def erase_for_user(user_id: int) -> None:
    """Erasure (core.personal_data): a final report names the account's pseudonym as the
    person who finalised it."""
    pseudonym = accounts.get_user(user_id).name
    for report in db.session.scalars(select(AnnualReport).where(
            AnnualReport.finalised_by_id == user_id)):
        report.finalised_by_name = pseudonym
    db.session.flush()
