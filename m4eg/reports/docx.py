"""The annual report as a Word file (python-docx), in the page's language, for the programme
team to edit: A4, real headings and real Word tables (the key figures, the municipalities,
the events, the ULC courses, the plans by status), the EU disclaimer at the end."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Mm, Pt
from flask_babel import gettext as _

from . import layout, richtext, services

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


def _markdown(document, text: str) -> None:
    """A coordinator's Markdown as Word paragraphs: list items in Word's list styles
    (bullets, numbers), bold and italic runs, each link as "text (URL)"."""
    for block in richtext.blocks(text):
        style = {"": None, "•": "List Bullet"}.get(block.bullet, "List Number")
        paragraph = document.add_paragraph(style=style)
        for run_text, bold, italic in block.runs:
            run = paragraph.add_run(run_text)
            run.bold, run.italic = bold or None, italic or None


def _note(document, context: dict, section: str) -> None:
    _markdown(document, context["note"](context["report"], section))


def report_docx(context: dict) -> bytes:
    """The report rendered from the views' ``context``, as a .docx file."""
    data, n = context["data"], context["n"]
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
    _table(document, None, layout.figure_rows(context))
    _note(document, context, "figures")

    if layout.intro(context):
        document.add_heading(_("Introduction"), level=1)
        _markdown(document, layout.intro(context))

    document.add_heading(services.section_title("municipalities"), level=1)
    header, rows, groups = layout.track_table(context)
    if rows:
        _table(document, header, rows, groups)
    else:
        document.add_paragraph(_("No deep demonstrators in this period."))
    _note(document, context, "municipalities")

    document.add_heading(services.section_title("events"), level=1)
    if data["events"]:
        _table(document, *layout.event_table(context))
    else:
        document.add_paragraph(_("No events recorded in this period."))
    _note(document, context, "events")

    document.add_heading(services.section_title("quotes"), level=1)
    for quote, person in layout.quote_lines(context):
        document.add_paragraph(quote, style="Quote")
        document.add_paragraph().add_run(person).bold = True
    if not data["quotes"]:
        document.add_paragraph(_("No public quotes recorded."))
    _note(document, context, "quotes")

    document.add_heading(services.section_title("ulc"), level=1)
    _table(document, *layout.course_table(context))
    document.add_paragraph(services.sessions_line(data, context["t"], n))
    _note(document, context, "ulc")

    document.add_heading(services.section_title("p4eg"), level=1)
    document.add_paragraph(services.plans_line(data, n))
    document.add_paragraph(layout.status_caption(context))
    _table(document, *layout.status_table(context))
    _note(document, context, "p4eg")

    document.add_paragraph().add_run(services.disclaimer()).italic = True
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
