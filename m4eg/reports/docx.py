"""The annual report as a Word file (python-docx), in the page's language, for the programme
team to edit: A4, real headings and real Word tables (the key figures, the municipalities,
the events, the ULC courses, the plans by status), the EU disclaimer at the end."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Mm, Pt
from flask_babel import gettext as _

from . import services

TABLE_STYLE = "Table Grid"


def _table(document, header, rows, groups=()):
    """A Word table: the heading row in bold, a row whose index is in ``groups`` merged
    across as a group heading."""
    width = len(header) if header else max(len(row) for row in rows)
    table = document.add_table(rows=0, cols=width)
    table.style = TABLE_STYLE
    if header:
        cells = table.add_row().cells
        for cell, text in zip(cells, header, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(text).bold = True
    for index, values in enumerate(rows):
        cells = table.add_row().cells
        if index in groups:
            merged = cells[0].merge(cells[-1])
            merged.text = ""
            merged.paragraphs[0].add_run(values[0]).bold = True
            continue
        for cell, text in zip(cells, values, strict=True):
            cell.text = text
    document.add_paragraph()
    return table


def _note(document, context: dict, section: str) -> None:
    for text in services.paragraphs(context["note"](context["report"], section)):
        document.add_paragraph(text)


def report_docx(context: dict) -> bytes:
    """The report rendered from the views' ``context``, as a .docx file."""
    data, t, n, report = context["data"], context["t"], context["n"], context["report"]
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(20))
    document.styles["Normal"].font.size = Pt(10.5)
    document.core_properties.title = context["title"]
    document.core_properties.language = context["lang"]

    document.add_heading(context["title"], level=0)
    document.add_paragraph(context["status"])

    document.add_heading(services.section_title("figures"), level=1)
    rows = []
    for figure in data["figures"]:
        parts = [f"{t(part['label'])}: {n(part['value'])}" for part in figure["parts"]]
        rows.append([t(figure["label"]), "\n".join([n(figure["value"]), *parts])])
    _table(document, None, rows)
    _note(document, context, "figures")

    intro = t({"az": report.intro_az, "en": report.intro_en}) if report else ""
    if intro:
        document.add_heading(_("Introduction"), level=1)
        for text in services.paragraphs(intro):
            document.add_paragraph(text)

    document.add_heading(services.section_title("municipalities"), level=1)
    rows, groups = [], set()
    for track in data["tracks"]:
        groups.add(len(rows))
        rows.append([t(track["track"]), "", ""])
        rows.extend([str(number), t(row["municipality"]), t(row["initiative"])]
                    for number, row in enumerate(track["rows"], start=1))
    if rows:
        _table(document, ["#", _("Municipality"), _("Initiative")], rows, groups)
    else:
        document.add_paragraph(_("No deep demonstrators in this period."))
    _note(document, context, "municipalities")

    document.add_heading(services.section_title("events"), level=1)
    sex = [t(label) for label in data["ulc"]["sex_labels"]]
    if data["events"]:
        _table(document, [_("Date"), _("Event"), _("Place"), *sex, _("People reached")],
               [[context["when"](event), t(event["title"]), t(event["place"]) or "—",
                 *(n(event["by_sex"][key]) for key in data["sex_keys"]),
                 n(event["reached"]) if event["reached"] is not None else "—"]
                for event in data["events"]])
    else:
        document.add_paragraph(_("No events recorded in this period."))
    _note(document, context, "events")

    document.add_heading(services.section_title("quotes"), level=1)
    for quote in data["quotes"]:
        document.add_paragraph(services.quoted(t(quote['quote'])), style="Quote")
        role = t(quote["role"])
        document.add_paragraph().add_run(
            f"{t(quote['name'])}, {role}" if role else t(quote["name"])).bold = True
    if not data["quotes"]:
        document.add_paragraph(_("No public quotes recorded."))
    _note(document, context, "quotes")

    ulc = data["ulc"]
    document.add_heading(services.section_title("ulc"), level=1)
    _table(document, [_("Course"), _("Enrolments"), _("Completions"), _("Certificates")],
           [[t(course["title"]), n(course["enrolled"]), n(course["completed"]),
             n(course["certificates"])] for course in ulc["courses"]])
    document.add_paragraph(services.sessions_line(data, t, n))
    _note(document, context, "ulc")

    p4eg = data["p4eg"]
    document.add_heading(services.section_title("p4eg"), level=1)
    document.add_paragraph(services.plans_line(data, n))
    _table(document, [_("Status"), _("Plans")],
           [[t(row["status"]), n(row["count"])] for row in p4eg["by_status"]])
    _note(document, context, "p4eg")

    document.add_paragraph().add_run(services.disclaimer()).italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
