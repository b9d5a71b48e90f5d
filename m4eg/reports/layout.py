"""The report's tables as rows of text in the current language, shared by the PDF and the
Word file (the page lays them out in its template). ``context`` is what the views give
every rendering: the data and the helpers ``t`` (a text in the language), ``n`` (a count)
and ``when`` (an event's date)."""

from __future__ import annotations

from flask_babel import gettext as _

from . import services


def figure_rows(context: dict) -> list[list[str]]:
    """The key figures: the figure, and its value with the breakdown on the lines below."""
    t, n = context["t"], context["n"]
    return [[t(figure["label"]), "\n".join([services.figure_value(figure, n), *(
        [t(figure["unavailable"])] if figure.get("unavailable") else []), *(
        f"{t(part['label'])}: {n(part['value'])}" for part in figure["parts"])])]
        for figure in context["data"]["figures"]]


def track_table(context: dict) -> tuple[list[str], list[list[str]], set[int]]:
    """Future Ready Municipalities: heading, rows, and the indexes of the track rows (a
    single cell spanning the table)."""
    t = context["t"]
    rows, groups = [], set()
    for track in context["data"]["tracks"]:
        groups.add(len(rows))
        rows.append([t(track["track"])])
        rows.extend([str(number), t(row["municipality"]), t(row["initiative"])]
                    for number, row in enumerate(track["rows"], start=1))
    return ["#", _("Municipality"), _("Initiative")], rows, groups


def event_table(context: dict) -> tuple[list[str], list[list[str]]]:
    """The period's events: date, event, place, participants by sex, people reached."""
    data, t, n = context["data"], context["t"], context["n"]
    header = [_("Date"), _("Event"), _("Place"),
              *(t(label) for label in data["ulc"]["sex_labels"]), _("People reached")]
    return header, [[context["when"](event), t(event["title"]), t(event["place"]) or "—",
                     *(services.attendance(event, key, n) for key in data["sex_keys"]),
                     n(event["reached"]) if event["reached"] is not None else "—"]
                    for event in data["events"]]


def course_table(context: dict) -> tuple[list[str], list[list[str]]]:
    t, n = context["t"], context["n"]
    return ([_("Course"), _("Enrolments"), _("Completions"), _("Certificates")],
            [[t(course["title"]), n(course["enrolled"]), n(course["completed"]),
              n(course["certificates"])]
             for course in services.sorted_courses(context["data"], context["lang"])])


def status_caption(context: dict) -> str:
    return services.status_caption(context["data"], context["format_date"])


def status_table(context: dict) -> tuple[list[str], list[list[str]]]:
    t, n = context["t"], context["n"]
    return ([_("Status"), _("Plans")],
            [[t(row["status"]), n(row["count"])] for row in context["data"]["p4eg"]["by_status"]])


def quote_lines(context: dict) -> list[tuple[str, str]]:
    """Each public quote in «…» and who said it (name, role)."""
    t = context["t"]
    return [(services.quoted(t(quote["quote"])), ", ".join(filter(None, (t(quote["name"]),
                                                              t(quote["role"])))))
            for quote in context["data"]["quotes"]]


def intro(context: dict) -> str:
    report = context["report"]
    return context["t"]({"az": report.intro_az, "en": report.intro_en}) if report else ""
