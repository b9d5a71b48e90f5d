"""A plan as an A4 PDF a municipality can send to its council, in either language: a cover
block, every section with every field in template order, tables laid out within the page,
the budget totals, and a footer with the page number and the EU funding line.

fpdf2 does the layout (its ``table()`` wraps cells and repeats the heading row on each new
page); only the column widths are chosen here, from the content, because fpdf2 shares the
width out evenly unless told otherwise."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from babel.dates import format_date as format_iso_date
from babel.numbers import format_currency
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.fonts import FontFace

from ..core.numbers import format_number
from ..core.pdf import add_dejavu
from . import services

FONT = "DejaVu"
EMBLEM = Path(__file__).resolve().parents[2] / "static" / "img" / "eu-emblem.svg"
# fpdf2 draws the SVG but warns, on every page, that it ignores the <title> (which is there
# for screen readers on the web pages): the emblem is read once, without it.
_EMBLEM_SVG = re.sub(rb"<title>.*?</title>", b"", EMBLEM.read_bytes())
INK, MUTED, RULE = (29, 39, 51), (90, 100, 112), (180, 188, 196)
HEADING_FILL = (228, 235, 242)
EMPTY = "—"
NBSP = "\u00a0"
CELL_PADDING = 1.2  # mm, each side of a table cell
# Cells are wrapped by fpdf2 inside ``width - 2 * padding``; a little slack keeps a word
# measured exactly at the column width from being broken anyway.
SLACK = 0.6


class _PlanPDF(FPDF):
    """FPDF with the plan's running header (from page 2) and footer (every page)."""

    def __init__(self, running_title: str):
        super().__init__(format="A4")
        self.running_title = running_title
        add_dejavu(self, FONT)
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=20)

    @property
    def body_width(self) -> float:
        return self.w - self.l_margin - self.r_margin

    def header(self):
        if self.page_no() == 1:
            return
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.set_xy(self.l_margin, 9)
        self.multi_cell(self.body_width, 4, self.running_title, max_line_height=4,
                        new_x="LMARGIN", new_y="NEXT")
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
        self.set_y(18)
        self.set_text_color(*INK)

    def footer(self):
        top = self.h - 14
        self.set_draw_color(*RULE)
        self.line(self.l_margin, top - 2, self.w - self.r_margin, top - 2)
        self.image(_EMBLEM_SVG, x=self.l_margin, y=top, w=7.5, h=5)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        self.set_xy(self.l_margin + 9.5, top)
        self.cell(110, 5, _("Funded by the European Union"))
        self.set_text_color(*INK)

    def number_pages(self) -> None:
        """Write "Page n of N" in every page's footer, once the count is known. (fpdf2's
        page-count alias is measured as the alias text, which moves right-aligned numbers
        off the margin.)"""
        total, current = self.pages_count, self.page
        self.set_auto_page_break(False)
        self.set_font(FONT, "", 8)
        self.set_text_color(*MUTED)
        for number in range(1, total + 1):
            self.page = number
            self.set_xy(self.w - self.r_margin - 50, self.h - 14)
            self.cell(50, 5, _("Page %(page)d of %(pages)d", page=number, pages=total),
                      align="R")
        self.page = current
        self.set_text_color(*INK)


def plan_pdf(plan, lang: str) -> bytes:
    """The plan's current content in ``lang`` ("az" or "en"), block by block, with the
    computed budget totals."""
    with force_locale(lang):
        name = plan.municipality.name_az if lang == "az" else plan.municipality.name_en
        title = plan.template.title_az if lang == "az" else plan.template.title_en
        pdf = _PlanPDF(f"{name} · {title} · {plan.cycle.name}")
        pdf.set_title(f"{title} — {name}")
        pdf.set_author(name)
        pdf.set_creator("M4EG Azerbaijan")
        pdf.set_lang(lang)
        pdf.add_page()
        _cover(pdf, plan, name, title)
        content = plan.content or {}
        for index, block in enumerate(plan.template.blocks, start=1):
            _block(pdf, index, block, content.get(block["key"], {}) or {}, lang)
        budget = services.budget_tables(plan, lang)
        if budget["total"]:
            _budget(pdf, budget, lang)
        pdf.number_pages()
        return bytes(pdf.output())


# ---------------------------------------------------------------- values as text


_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_BULLET = re.compile(r"^(\s*)(?:[-*+]|\d+[.)])\s+")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_EMPHASIS = re.compile(r"\*\*|__|`")


def plain_text(markdown: str) -> str:
    """User Markdown as plain lines for print: line breaks kept, headings and emphasis
    markers dropped, list items as bullets, links as "text (address)"."""
    lines = []
    for line in str(markdown).replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = _HEADING.sub("", line.rstrip())
        line = _BULLET.sub(lambda m: f"{m.group(1)}• ", line)
        line = _EMPHASIS.sub("", _LINK.sub(r"\1 (\2)", line))
        lines.append(line)
    return "\n".join(lines).strip("\n")


def _choice(field: dict, value, lang: str) -> str:
    return next((c["label"][lang] for c in field.get("choices", []) if c["key"] == value),
                str(value))


def shown(field: dict, value, lang: str) -> str:
    """One field's or table cell's value as the PDF prints it ("—" when empty)."""
    if value is None or value == "" or value == []:
        return EMPTY
    kind = field["type"]
    if kind == "text":
        return plain_text(value) or EMPTY
    if kind == "choice":
        return _choice(field, value, lang)
    if kind == "number":
        text = str(value) if services.is_year(field) else format_number(value, locale=lang)
        unit = (field.get("unit") or {}).get(lang)
        return f"{text} {unit}" if unit else text
    if kind == "date":
        try:
            text = format_iso_date(date.fromisoformat(str(value)), "medium", locale=lang)
        except ValueError:
            return str(value)
        # In a narrow column a date may wrap before its year only ("1 fev" / "2025"), never
        # between the day and the month.
        head, _space, year = text.rpartition(" ")
        return f"{head.replace(' ', NBSP)} {year}" if head else text
    if kind == "sdgs":
        return ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value)


def money(amount, lang: str) -> str:
    # DejaVu Sans has no manat sign (₼), which Babel uses for AZN in Azerbaijani; the ISO
    # code is printed instead so that no reader sees a missing-glyph box.
    return format_currency(amount, "AZN", locale=lang).replace("\u20bc", "AZN")


# ---------------------------------------------------------------- layout


def _cover(pdf: _PlanPDF, plan, name: str, title: str) -> None:
    pdf.set_text_color(*MUTED)
    pdf.set_font(FONT, "B", 11)
    pdf.multi_cell(pdf.body_width, 6, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.set_font(FONT, "B", 20)
    pdf.multi_cell(pdf.body_width, 9, name, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    facts = [(_("Municipality"), name), (_("Cycle"), plan.cycle.name),
             (_("Status"), plan.status_label)]
    revisions = services.revisions(plan)
    if revisions:
        latest = revisions[-1]
        facts.append((_("Revision"), _("No. %(number)d, submitted on %(date)s",
                                        number=latest.number,
                                        date=format_date(latest.submitted_at, "long"))))
    pdf.set_font(FONT, "", 10)
    label_width = max(pdf.get_string_width(label) for label, _value in facts) + 8
    pdf.set_draw_color(*RULE)
    with pdf.table(col_widths=(label_width, pdf.body_width - label_width),
                   width=pdf.body_width, align="LEFT", first_row_as_headings=False,
                   borders_layout="HORIZONTAL_LINES", text_align="LEFT", v_align="TOP",
                   padding=CELL_PADDING, line_height=5.2) as table:
        for label, value in facts:
            row = table.row()
            row.cell(label, style=FontFace(emphasis="BOLD"))
            row.cell(value)
    pdf.ln(6)


def _keep_with_next(pdf: _PlanPDF, height: float) -> None:
    """Start a new page rather than leave a heading alone at the bottom of one."""
    if pdf.will_page_break(height):
        pdf.add_page()


def _block(pdf: _PlanPDF, index: int, block: dict, values: dict, lang: str) -> None:
    _keep_with_next(pdf, 30)
    pdf.ln(2)
    pdf.set_font(FONT, "B", 14)
    pdf.set_text_color(11, 93, 138)
    pdf.multi_cell(pdf.body_width, 7, f"{index}. {block['title'][lang]}",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(1.5)
    for field in block["fields"]:
        value = values.get(field["key"])
        _keep_with_next(pdf, 22 if field["type"] == "table" else 14)
        pdf.set_font(FONT, "B", 10)
        pdf.multi_cell(pdf.body_width, 5.5, field["label"][lang],
                       new_x="LMARGIN", new_y="NEXT")
        if field["type"] == "table" and value:
            pdf.ln(1)
            _table(pdf, field, value, lang)
        else:
            pdf.set_font(FONT, "", 10)
            pdf.multi_cell(pdf.body_width, 5, shown(field, value, lang), align="LEFT",
                           new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.ln(2)


def column_widths(pdf: FPDF, headings: list[str], rows: list[list[str]], width: float,
                  size: float) -> list[float]:
    """Column widths (mm) summing to ``width``, shared out the way browsers lay out tables:
    each column gets at least its longest word (so words are not broken) and the rest of
    the width goes to the columns in proportion to how much more their text would need to
    sit on one line; headings are kept on one line only when the values leave room. Words
    are what fpdf2 will not break: text between ordinary spaces (a no-break space binds).
    When even the longest words do not fit, every column shrinks in proportion and fpdf2
    breaks the longest words."""
    pad = 2 * CELL_PADDING + SLACK
    least, natural, headed = [], [], []
    for index, heading in enumerate(headings):
        pdf.set_font(FONT, "B", size)
        words = [pdf.get_string_width(w) for w in _words(heading)] or [0]
        heading_line = pdf.get_string_width(heading) + pad
        pdf.set_font(FONT, "", size)
        lines = [0.0]
        for row in rows:
            words += [pdf.get_string_width(w) for w in _words(row[index])]
            lines += [pdf.get_string_width(line) for line in row[index].split("\n")]
        least.append(max(words) + pad)
        natural.append(max(max(lines) + pad, least[-1]))
        headed.append(max(natural[-1], heading_line))
    if sum(headed) <= width:
        return [w * width / sum(headed) for w in headed]
    if sum(natural) <= width:
        return _share(natural, headed, width)
    if sum(least) >= width:
        return [w * width / sum(least) for w in least]
    return _share(least, natural, width)


def _words(text: str) -> list[str]:
    return [word for word in re.split(r"[ \n]+", text) if word]


def _share(base: list[float], wanted: list[float], width: float) -> list[float]:
    """``base`` widths plus what is left of ``width``, in proportion to what each column
    still wants."""
    extra, short = width - sum(base), sum(w - b for w, b in zip(wanted, base, strict=True))
    if short <= 0:
        return [b * width / sum(base) for b in base]
    return [b + extra * (w - b) / short for w, b in zip(wanted, base, strict=True)]


def _fits_a_page(pdf: _PlanPDF, widths: list[float], cells: list[list[str]],
                 line_height: float) -> bool:
    """Whether every row fits on one page below the heading row: fpdf2 never splits a row
    and refuses one taller than a page (three 1,000-character cells side by side can be).
    Only cells that could come near the limit are measured line by line."""
    limit = pdf.h - pdf.t_margin - pdf.b_margin - 30  # room left for the heading row
    most_lines = limit / line_height
    for row in cells:
        height = 0.0
        for text, width in zip(row, widths, strict=True):
            room = width - 2 * CELL_PADDING
            if pdf.get_string_width(text) / room + text.count("\n") < most_lines / 3:
                continue
            lines = pdf.multi_cell(room, line_height, text, dry_run=True, output="LINES")
            height = max(height, len(lines) * line_height + 2 * CELL_PADDING)
        if height > limit:
            return False
    return True


def _table(pdf: _PlanPDF, field: dict, rows: list[dict], lang: str) -> None:
    columns = field["columns"]
    size = 8 if len(columns) > 5 else 9
    line_height = size * 0.45
    headings = [c["label"][lang] for c in columns]
    cells = [[shown(c, row.get(c["key"]), lang) for c in columns] for row in rows]
    pdf.set_font(FONT, "", size)
    widths = column_widths(pdf, headings, cells, pdf.body_width, size)
    pdf.set_font(FONT, "", size)
    if not _fits_a_page(pdf, widths, cells, line_height):
        _records(pdf, headings, cells, size)
        return
    numeric = [c["type"] == "number" for c in columns]
    pdf.set_draw_color(*RULE)
    with pdf.table(col_widths=widths, width=pdf.body_width, align="LEFT",
                   text_align="LEFT", v_align="TOP", padding=CELL_PADDING,
                   line_height=line_height, repeat_headings=1,
                   headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL)) as table:
        heading = table.row()
        for text in headings:
            heading.cell(text)
        for row in cells:
            line = table.row()
            for text, is_number in zip(row, numeric, strict=True):
                line.cell(text, align="RIGHT" if is_number and text != EMPTY else "LEFT")


def _records(pdf: _PlanPDF, headings: list[str], cells: list[list[str]], size: float) -> None:
    """A table too tall for the page as columns, printed row by row as records: a numbered
    band, then one line per column (label, value), so long cells get the page's width."""
    pdf.set_font(FONT, "B", size)
    label_width = min(max(pdf.get_string_width(h) for h in headings) + 2 * CELL_PADDING
                      + SLACK, pdf.body_width / 3)
    bold = FontFace(emphasis="BOLD")
    band = FontFace(emphasis="BOLD", fill_color=HEADING_FILL)
    pdf.set_font(FONT, "", size)
    pdf.set_draw_color(*RULE)
    with pdf.table(col_widths=(label_width, pdf.body_width - label_width),
                   width=pdf.body_width, align="LEFT", text_align="LEFT", v_align="TOP",
                   padding=CELL_PADDING, line_height=size * 0.45,
                   first_row_as_headings=False) as table:
        for number, row in enumerate(cells, start=1):
            table.row().cell(f"{number}.", colspan=2, style=band)
            for heading, text in zip(headings, row, strict=True):
                line = table.row()
                line.cell(heading, style=bold)
                line.cell(text)


def _amounts(pdf: _PlanPDF, heading: str, rows: list[tuple[str, str]],
             total: tuple[str, str] | None = None) -> None:
    """A two-column table of labels and amounts, with an optional bold total row."""
    pdf.set_font(FONT, "", 9)
    width = min(pdf.body_width, 120)
    every = [*rows, total] if total else rows
    widths = column_widths(pdf, [heading, _("Amount")], [list(row) for row in every], width, 9)
    bold = FontFace(emphasis="BOLD")
    pdf.set_draw_color(*RULE)
    with pdf.table(col_widths=widths, width=width, align="LEFT", text_align="LEFT",
                   v_align="TOP", padding=CELL_PADDING, line_height=4.2,
                   headings_style=FontFace(emphasis="BOLD", fill_color=HEADING_FILL)) as table:
        head = table.row()
        head.cell(heading)
        head.cell(_("Amount"), align="RIGHT")
        for label, amount in rows:
            line = table.row()
            line.cell(label)
            line.cell(amount, align="RIGHT")
        if total:
            line = table.row()
            line.cell(total[0], style=bold)
            line.cell(total[1], align="RIGHT", style=bold)


def _budget(pdf: _PlanPDF, budget: dict, lang: str) -> None:
    _keep_with_next(pdf, 60)
    pdf.ln(2)
    pdf.set_font(FONT, "B", 14)
    pdf.set_text_color(11, 93, 138)
    pdf.multi_cell(pdf.body_width, 7, _("Budget totals (AZN)"), new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_text_color(*INK)
    pdf.ln(1.5)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(pdf.body_width, 5.5, _("Budget by funding source (AZN)"),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    _amounts(pdf, _("Funding source"),
             [(label, money(amount, lang)) for label, amount in budget["sources"]],
             total=(_("Total"), money(budget["total"], lang)))
    pdf.ln(4)
    _keep_with_next(pdf, 30)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(pdf.body_width, 5.5, _("Budget by year (AZN)"), new_x="LMARGIN",
                   new_y="NEXT")
    pdf.ln(1)
    years = [(str(year), money(amount, lang)) for year, amount in budget["years"]]
    if budget["unscheduled"]:
        years.append((_("No start date"), money(budget["unscheduled"], lang)))
    _amounts(pdf, _("Year"), years)
    pdf.ln(2)
    pdf.set_font(FONT, "", 8.5)
    pdf.set_text_color(*MUTED)
    pdf.multi_cell(pdf.body_width, 4.2, budget["caption"], align="LEFT", new_x="LMARGIN",
                   new_y="NEXT")
    pdf.set_text_color(*INK)
