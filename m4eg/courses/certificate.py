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

from ..core.i18n import localized
from ..core.pdf import add_dejavu

_IMAGES = Path(__file__).resolve().parents[2] / "static" / "img"


def _svg(name: str) -> bytes:
    """An SVG of static/img without its <title> (fpdf2 would not print it, but keeps it out)."""
    return re.sub(rb"<title>.*?</title>", b"", (_IMAGES / name).read_bytes())


_MARK, _EMBLEM = _svg("m4eg-mark.svg"), _svg("eu-emblem.svg")
BLUE, INK, GOLD, GREY = (11, 93, 138), (29, 39, 51), (200, 160, 40), (90, 100, 110)
WIDTH, HEIGHT = 297, 210  # A4 landscape, mm


def certificate_pdf(certificate, verify_url: str, language: str) -> bytes:
    """A one-page A4 landscape certificate in ``language`` (az or en)."""
    with force_locale(language):
        pdf = FPDF(orientation="L", format="A4")
        pdf.set_title(_("Certificate of completion"))
        pdf.set_author("M4EG Azerbaijan — Urban Learning Center")
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
    """Our mark on the left; on the right the EU emblem with its funding line beside it."""
    pdf.image(_MARK, x=22, y=20, w=80, h=16)
    pdf.image(_EMBLEM, x=194, y=21, w=21, h=14)
    pdf.set_text_color(*INK)
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_xy(218, 21)
    pdf.multi_cell(58, 5, _("Funded by the European Union"), align="L")


def _statement(pdf: FPDF, certificate, language: str) -> None:
    pdf.set_text_color(*BLUE)
    _line(pdf, 50, 14, _("Certificate of completion"), 30, "B")
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.6)
    pdf.line(118, 67, 179, 67)
    pdf.set_text_color(*INK)
    _line(pdf, 73, 8, _("This certifies that"), 13)
    _line(pdf, 83, 13, certificate.learner_name, 24, "B")
    _line(pdf, 100, 8, _("has completed the course"), 13)
    pdf.set_text_color(*BLUE)
    pdf.set_font("DejaVu", "B", 17)
    pdf.set_xy(40, 110)
    pdf.multi_cell(WIDTH - 80, 8.5, _title(certificate, language), align="C")
    pdf.set_text_color(*INK)
    _line(pdf, 131, 7, _("%(hours)s hours of study · completed on %(date)s",
                         hours=format_decimal(certificate.hours),
                         date=format_date(certificate.issued_at, "long")), 12)


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


def _line(pdf: FPDF, y: float, height: float, text: str, size: int, style: str = "") -> None:
    """One centred line across the page's frame, at ``y`` mm from the top."""
    pdf.set_font("DejaVu", style, size)
    pdf.set_xy(20, y)
    pdf.cell(WIDTH - 40, height, text, align="C")
