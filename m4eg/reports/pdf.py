"""The annual report as an A4 PDF, in the page's language: the same sections and tables as
the page, DejaVu Sans for the Azerbaijani letters, the EU funding line and page numbers in
every page's footer. fpdf2's ``table()`` wraps the cells and repeats a table's heading row
on a new page."""

from __future__ import annotations

from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from ..core.pdf import FONTS_DIR, add_dejavu
from . import layout, richtext, services

FONT = "DejaVu"
INK, MUTED, RULE, BRAND = (29, 39, 51), (90, 100, 112), (180, 188, 196), (0, 51, 153)
HEADING = FontFace(emphasis="BOLD", fill_color=(228, 235, 242))
PADDING = 1.2
GROUP = FontFace(emphasis="BOLD", fill_color=(244, 246, 249))


class _ReportPDF(FPDF):
    def __init__(self):
        super().__init__(format="A4")
        add_dejavu(self, FONT)
        # DejaVu Sans has no italic file here: a note's *emphasis* prints upright (bold
        # stays bold) rather than failing.
        self.add_font(FONT, "I", str(FONTS_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "BI", str(FONTS_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=22)
        self.alias_nb_pages()

    @property
    def body_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def footer(self):
        self.set_y(-16)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.set_font(FONT, "", 7.5)
        self.set_text_color(*MUTED)
        self.set_y(-14.5)
        self.multi_cell(self.body_width - 22, 3.6, services.disclaimer(), new_x="LMARGIN",
                        new_y="TOP")
        self.set_xy(self.w - self.r_margin - 20, -14.5)
        self.cell(20, 3.6, f"{self.page_no()} / {{nb}}", align="R")
        self.set_text_color(*INK)

    def heading(self, text: str) -> None:
        if self.get_y() > self.h - 60:
            self.add_page()
        self.ln(4)
        self.set_font(FONT, "B", 13)
        self.set_text_color(*BRAND)
        self.multi_cell(self.body_width, 6.5, text, new_x="LMARGIN", new_y="NEXT", align="L")
        self.set_text_color(*INK)
        self.ln(1.5)

    def paragraph(self, text: str, size: float = 10, style: str = "") -> None:
        self.set_font(FONT, style, size)
        self.multi_cell(self.body_width, size * 0.5, text, new_x="LMARGIN", new_y="NEXT")
        self.ln(1.5)

    def _header_widths(self, widths, header, total: float) -> list[float]:
        """Column widths (mm) in the proportions of ``widths``, each header column at
        least as wide as its longest word in bold, so that a heading wraps only at spaces
        («Cinsi göstərilməyib», never «göstəril/məyib»); the room comes from the columns
        that have some to spare."""
        scale = total / sum(widths)
        result = [w * scale for w in widths]
        if not header:
            return result
        self.set_font(FONT, "B", 9)
        need = [max(self.get_string_width(word) for word in (text.split() or [""]))
                + 2 * PADDING + 0.5 for text in header]
        for _round in range(len(result)):
            short = sum(max(0.0, n - w) for n, w in zip(need, result, strict=True))
            if short <= 0.01:
                break
            spare = {i: w - need[i] for i, w in enumerate(result) if w > need[i]}
            room = sum(spare.values())
            take = min(short, room)
            result = [max(w, need[i]) if i not in spare else w - take * spare[i] / room
                      for i, w in enumerate(result)]
        return result

    def markdown(self, text: str, size: float = 9.5) -> None:
        """A coordinator's Markdown: paragraphs, bulleted and numbered lists, bold, and
        each link as "text (URL)" (fpdf2's ``write_html`` on the sanitised HTML)."""
        self.set_font(FONT, "", size)
        self.write_html(richtext.printable_html(text), font_family=FONT, ul_bullet_char="•",
                        li_prefix_color=INK, warn_on_tags_not_matching=False)
        self.set_x(self.l_margin)
        self.ln(1.5)

    def table_of(self, widths, header, rows, groups=(), width=None) -> None:
        """A table of ``rows`` (lists of text) under ``header``; rows whose index is in
        ``groups`` span the whole width as a group heading. A short table is not split
        over two pages."""
        total = width or self.body_width
        widths = self._header_widths(widths, header, total)
        self.set_font(FONT, "", 9)
        if len(rows) <= 8 and self.get_y() + 6.5 * (len(rows) + 1) > self.page_break_trigger:
            self.add_page()
        with self.table(col_widths=widths, width=total,
                        align="LEFT", headings_style=HEADING,
                        line_height=4.6, padding=PADDING, text_align="LEFT",
                        first_row_as_headings=bool(header),
                        borders_layout="HORIZONTAL_LINES") as table:
            if header:
                heading = table.row()
                for text in header:
                    heading.cell(text)
            for index, cells in enumerate(rows):
                row = table.row()
                if index in groups:
                    row.cell(cells[0], colspan=len(widths), style=GROUP)
                    continue
                for text in cells:
                    row.cell(text)
        self.ln(2)


def _note(pdf: _ReportPDF, context: dict, section: str) -> None:
    text = context["note"](context["report"], section)
    if text:
        pdf.markdown(text)


def report_pdf(context: dict) -> bytes:
    """The report rendered from the views' ``context`` (its data and the helpers that
    write it in the current language)."""
    data, n = context["data"], context["n"]
    pdf = _ReportPDF()
    pdf.set_title(context["title"])
    pdf.set_creator("M4EG Azerbaijan")
    pdf.set_lang(context["lang"])
    pdf.add_page()
    pdf.set_font(FONT, "B", 17)
    pdf.set_text_color(*BRAND)
    pdf.multi_cell(pdf.body_width, 8, context["title"], new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*MUTED)
    pdf.paragraph(context["status"], 9)
    pdf.set_text_color(*INK)

    pdf.heading(services.section_title("figures"))
    pdf.table_of((3, 2), None, layout.figure_rows(context))
    _note(pdf, context, "figures")

    if layout.intro(context):
        pdf.heading(_("Introduction"))
        pdf.markdown(layout.intro(context), 10)

    pdf.heading(services.section_title("municipalities"))
    header, rows, groups = layout.track_table(context)
    if rows:
        pdf.table_of((1, 6, 10), header, rows, groups)
    else:
        pdf.paragraph(_("No deep demonstrators in this period."))
    _note(pdf, context, "municipalities")

    pdf.heading(services.section_title("events"))
    if data["events"]:
        pdf.table_of((5, 10, 6, 3.4, 3.4, 3.4, 4), *layout.event_table(context))
    else:
        pdf.paragraph(_("No events recorded in this period."))
    _note(pdf, context, "events")

    pdf.heading(services.section_title("quotes"))
    for quote, person in layout.quote_lines(context):
        pdf.paragraph(quote, 10)
        pdf.set_text_color(*MUTED)
        pdf.paragraph(person, 9, "B")
        pdf.set_text_color(*INK)
    if not data["quotes"]:
        pdf.paragraph(_("No public quotes recorded."))
    _note(pdf, context, "quotes")

    pdf.heading(services.section_title("ulc"))
    pdf.table_of((8, 3, 3, 3), *layout.course_table(context))
    pdf.paragraph(services.sessions_line(data, context["t"], n))
    _note(pdf, context, "ulc")

    pdf.heading(services.section_title("p4eg"))
    pdf.paragraph(services.plans_line(data, n))
    pdf.paragraph(layout.status_caption(context), 9)
    pdf.table_of((3, 1), *layout.status_table(context), width=100)
    _note(pdf, context, "p4eg")
    return bytes(pdf.output())
