"""The certificate as a PDF (fpdf2, DejaVu for Azerbaijani letters): the platform's mark, the
EU emblem with its funding line, what the certificate states, a signature line and a QR code
(segno) of the public verification page, in the language the reader asks for."""

from __future__ import annotations

import io
import re
from pathlib import Path

import segno
from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from fpdf import FPDF
from fpdf.enums import MethodReturnValue

from ..core.i18n import localized
from ..core.pdf import add_dejavu

_IMAGES = Path(__file__).resolve().parents[2] / "static" / "img"


def _svg(name: str) -> bytes:
    """An SVG of static/img without its <title> (fpdf2 would not print it, but keeps it out)."""
    return re.sub(rb"<title>.*?</title>", b"", (_IMAGES / name).read_bytes())


# Only the graphic of our mark: its words are written with the PDF's font in the page's
# language (m4eg-mark.svg has them drawn in English).
_MARK, _EMBLEM = _svg("m4eg-mark-symbol.svg"), _svg("eu-emblem.svg")
BLUE, INK, GOLD, GREY = (11, 93, 138), (29, 39, 51), (200, 160, 40), (90, 100, 110)
WIDTH, HEIGHT = 297, 210  # A4 landscape, mm
LEFT, TEXT_WIDTH = 30, WIDTH - 60  # the statement's column, well inside the frame
TOP, BOTTOM = 44, 148  # between the header and the footer (QR code, verification code)
LEADING = 0.5  # line height in mm per point of font size


def certificate_pdf(certificate, verify_url: str, language: str) -> bytes:
    """A one-page A4 landscape certificate in ``language`` (az or en)."""
    with force_locale(language):
        pdf = FPDF(orientation="L", format="A4")
        pdf.set_title(_("Certificate of completion"))
        pdf.set_author(f"{_('M4EG Azerbaijan')} — {_('Urban Learning Center')}")
        pdf.set_subject(_title(certificate, language))
        pdf.set_lang(language)
        add_dejavu(pdf)
        pdf.set_auto_page_break(False)
        pdf.add_page()
        _frame(pdf)
        _header(pdf)
        _statement(pdf, certificate, language)
        _footer(pdf, certificate, verify_url)
        return bytes(pdf.output())


def _frame(pdf: FPDF) -> None:
    pdf.set_draw_color(*BLUE)
    pdf.set_line_width(1.6)
    pdf.rect(8, 8, WIDTH - 16, HEIGHT - 16)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.5)
    pdf.rect(12, 12, WIDTH - 24, HEIGHT - 24)


def _header(pdf: FPDF) -> None:
    """Our mark on the left (its symbol, then its words in the page's language); on the right
    the EU emblem with its funding line beside it."""
    pdf.image(_MARK, x=22, y=20, w=16, h=16)
    _fitted_cell(pdf, 41, 19.5, 148, _("M4EG Azerbaijan"), 18, "B", BLUE, 8)
    _fitted_cell(pdf, 41, 28.5, 148, _("Urban Learning Center"), 12.5, "", INK, 6)
    pdf.image(_EMBLEM, x=194, y=21, w=21, h=14)
    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_xy(218, 21)
    pdf.multi_cell(58, 5, _("Funded by the European Union"), align="L")


def _fitted_cell(pdf: FPDF, x: float, y: float, width: float, text: str, size: float,
                 style: str, color: tuple[int, int, int], height: float) -> None:
    """One line of ``text`` at ``size`` points, smaller if it would be wider than ``width``."""
    pdf.set_font("DejaVu", style, size)
    pdf.set_font_size(min(size, size * width / max(pdf.get_string_width(text), 1)))
    pdf.set_text_color(*color)
    pdf.set_xy(x, y)
    pdf.cell(width, height, text, align="L")


def _statement(pdf: FPDF, certificate, language: str) -> None:
    """What the certificate states, laid out from the measured height of each part: a long
    name shrinks, then wraps to two lines; a long course title wraps (and shrinks past three
    lines); the block is centred between the header and the footer and nothing overlaps."""
    hours = _("%(hours)s hours of study · completed on %(date)s",
              hours=format_decimal(certificate.hours),
              date=format_date(certificate.issued_at, "long"))
    blocks = [  # (text, style, font size, colour, lines, space after in mm)
        _fit(pdf, _("Certificate of completion"), "B", BLUE, 8, _sizes(30, 20, lines=1)),
        _fit(pdf, _("This certifies that"), "", INK, 1, _sizes(13, 10, lines=1)),
        _fit(pdf, certificate.learner_name, "B", INK, 2,
             _sizes(24, 16, lines=1) + _sizes(16, 11, lines=2)),
        _fit(pdf, _("has completed the course"), "", INK, 1, _sizes(13, 10, lines=1)),
        _fit(pdf, _title(certificate, language), "B", BLUE, 3, _sizes(17, 11, lines=3)),
        _fit(pdf, hours, "", INK, 0, _sizes(12, 9, lines=1)),
    ]
    total = sum(len(lines) * size * LEADING + after for _t, _s, size, _c, lines, after in blocks)
    y = TOP + max(0, (BOTTOM - TOP - total) / 2)
    for index, (_text, style, size, color, lines, after) in enumerate(blocks):
        pdf.set_font("DejaVu", style, size)
        pdf.set_text_color(*color)
        for line in lines:
            pdf.set_xy(LEFT, y)
            pdf.cell(TEXT_WIDTH, size * LEADING, line, align="C")
            y += size * LEADING
        if index == 0:  # the gold rule under the heading
            pdf.set_draw_color(*GOLD)
            pdf.set_line_width(0.6)
            pdf.line(118, y + after / 2, 179, y + after / 2)
        y += after


def _sizes(largest: float, smallest: float, lines: int) -> list[tuple[float, int]]:
    """Font sizes from ``largest`` down to ``smallest`` by half a point, each allowing at
    most ``lines`` lines."""
    return [(largest - step / 2, lines) for step in range(int((largest - smallest) * 2) + 1)]


def _fit(pdf: FPDF, text: str, style: str, color, after: float,
         attempts: list[tuple[float, int]]) -> tuple:
    """The first (font size, at most so many lines) of ``attempts`` in which ``text`` fits
    the statement's column, as a block for ``_statement``; past them all, the last size
    with as many lines as it takes (the database bounds the length)."""
    for size, max_lines in attempts:
        pdf.set_font("DejaVu", style, size)
        lines = _wrap(pdf, text, TEXT_WIDTH)
        if len(lines) <= max_lines:
            break
    width = TEXT_WIDTH
    while len(lines) > 1 and width > TEXT_WIDTH / 2:  # balance the lines: no lone last word
        narrower = _wrap(pdf, text, width - 2)
        if len(narrower) > len(lines):
            break
        width, lines = width - 2, narrower
    return text, style, size, color, lines, after


def _wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """``text`` broken into lines of at most ``width`` mm in the current font (fpdf2's own
    line breaking, measured without drawing)."""
    lines = pdf.multi_cell(width, 5, text, dry_run=True, output=MethodReturnValue.LINES)
    return [line.strip() for line in lines]


def _title(certificate, language: str) -> str:
    return getattr(certificate, f"course_title_{language}", None) or localized(
        certificate, "course_title")


def _footer(pdf: FPDF, certificate, verify_url: str) -> None:
    """The ULC's signature line on the left, the code in the middle, the QR code on the
    right: a verifier scans it, or types the code on the verification page."""
    pdf.set_draw_color(*INK)
    pdf.set_line_width(0.3)
    pdf.line(30, 170, 105, 170)
    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "", 9)
    pdf.set_xy(30, 172)
    pdf.multi_cell(75, 4.5, _("Urban Learning Center coordinator"), align="C")
    pdf.set_xy(30, 181)
    pdf.multi_cell(75, 4.5, _("Signature and date"), align="C")

    pdf.set_font("DejaVu", "", 9)
    pdf.set_text_color(*GREY)
    pdf.set_xy(110, 158)
    pdf.multi_cell(120, 4.5, _("Verification code"), align="C")
    pdf.set_font("DejaVu", "B", 14)
    pdf.set_text_color(*INK)
    pdf.set_xy(110, 164)
    pdf.cell(120, 7, certificate.code, align="C")
    pdf.set_font("DejaVu", "", 8)
    pdf.set_text_color(*GREY)
    pdf.set_xy(110, 173)
    pdf.multi_cell(120, 4, _("Scan the code or visit %(url)s to check that this certificate "
                             "is valid.", url=verify_url), align="C")

    qr = io.BytesIO()
    segno.make(verify_url, error="m").save(qr, kind="png", scale=8, border=2)
    pdf.image(qr, x=240, y=150, w=34, h=34)

