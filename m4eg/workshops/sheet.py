"""The printable sign-in sheet of a session: A4, the session's facts, a table with the
confirmed participants' names and blank rows for walk-ins, with columns for organisation or
municipality, sex (walk-ins are recorded with it) and a signature. fpdf2 lays the table out
(wrapping cells, repeating the heading row on a new page); only the column widths are chosen
here."""

from __future__ import annotations

from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from ..core.i18n import current_language
from ..core.pdf import add_dejavu
from . import services

FONT = "DejaVu"
# Blank rows for the walk-ins who sign at the door: enough to fill the session's seats, at
# least MIN_BLANK_ROWS (a full session still gets walk-ins), at most MAX_BLANK_ROWS (about two
# A4 pages of rows: a hall of hundreds signs on several printed copies, not on a 60-page file).
MIN_BLANK_ROWS = 5
MAX_BLANK_ROWS = 60
HEADING_FILL = (228, 235, 242)
COLUMNS = (8, 52, 56, 26, 42)  # mm: number, name, organisation / municipality, sex, signature


def blank_rows(workshop, names: int) -> int:
    """How many empty rows the sheet has after the ``names`` confirmed participants."""
    return min(MAX_BLANK_ROWS, max(MIN_BLANK_ROWS, workshop.capacity - names))


def sign_in_sheet_pdf(workshop) -> bytes:
    """The sign-in sheet of ``workshop`` in the page's language."""
    course = services.get_course(workshop.course_slug)
    title = course.title[current_language()] if course else workshop.course_slug
    pdf = FPDF(format="A4")
    add_dejavu(pdf, FONT)
    pdf.set_margins(13, 14, 13)
    pdf.set_auto_page_break(True, margin=14)
    pdf.set_title(_("Sign-in sheet"))
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    heading = _("Sign-in sheet")
    if workshop.is_demo:
        heading = f'{heading} ({_("demo")})'
    pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(0, 6, _("ULC workshop: %(course)s", course=title),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    when = services.when(workshop)
    if workshop.day_known:
        when = f"{when}–{services.clock_time(workshop.ends_at)}"
    facts = ((_("City"), workshop.city),
             (_("Venue"), workshop.venue or _("not given in the source")),
             (_("Date and time"), when))
    for label, value in facts:
        pdf.multi_cell(0, 5.5, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.set_font(FONT, "", 9.5)
    bold = FontFace(emphasis="BOLD", fill_color=HEADING_FILL)
    rows = services.sign_in_rows(workshop)
    with pdf.table(col_widths=COLUMNS, line_height=8, headings_style=bold,
                   first_row_as_headings=True) as table:
        table.row(("#", _("Name"), _("Organisation or municipality"), _("Sex (F/M/–)"),
                   _("Signature")))
        for number, (name, municipality) in enumerate(rows, start=1):
            table.row((str(number), name, municipality, "", ""))
        for number in range(len(rows) + 1, len(rows) + 1 + blank_rows(workshop, len(rows))):
            table.row((str(number), "", "", "", ""))
    pdf.ln(3)
    pdf.set_font(FONT, "", 8)
    pdf.multi_cell(0, 4.5, _("Those without a registration write their name, organisation "
                             "or municipality in an empty row."), new_x="LMARGIN",
                   new_y="NEXT")
    pdf.multi_cell(0, 4.5, _("Sex: F female, M male, – prefer not to say."),
                   new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
