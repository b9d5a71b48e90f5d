"""The certificate as a PDF, with an embedded Unicode font for Azerbaijani letters."""

from __future__ import annotations

from flask_babel import force_locale, format_date, format_decimal
from flask_babel import gettext as _
from fpdf import FPDF

from ..core.pdf import add_dejavu


def certificate_pdf(certificate, verify_url: str) -> bytes:
    """A one-page A4 landscape certificate in the certificate's language."""
    with force_locale(certificate.language):
        pdf = FPDF(orientation="L", format="A4")
        pdf.set_title(_("Certificate of completion"))
        pdf.set_author("M4EG Azerbaijan — Urban Learning Center")
        add_dejavu(pdf)
        pdf.set_auto_page_break(False)
        pdf.add_page()
        pdf.set_draw_color(11, 93, 138)
        pdf.set_line_width(1.5)
        pdf.rect(10, 10, 277, 190)
        pdf.set_text_color(11, 93, 138)
        _line(pdf, 22, 8, _("Mayors for Economic Growth — Azerbaijan"), 14, "B")
        _line(pdf, 30, 8, _("Urban Learning Center (ULC)"), 12)
        pdf.set_text_color(29, 39, 51)
        _line(pdf, 52, 14, _("Certificate of completion"), 30, "B")
        _line(pdf, 76, 8, _("This certifies that"), 14)
        _line(pdf, 88, 14, certificate.learner_name, 26, "B")
        _line(pdf, 108, 8, _("has completed the course"), 14)
        pdf.set_font("DejaVu", "B", 18)
        pdf.set_xy(30, 118)
        pdf.multi_cell(237, 10, certificate.course_title, align="C")
        _line(pdf, 148, 7, _("%(hours)s hours of study · completed on %(date)s",
                             hours=format_decimal(certificate.hours),
                             date=format_date(certificate.issued_at, "long")), 12)
        _line(pdf, 172, 6, _("Verification code: %(code)s", code=certificate.code), 10)
        _line(pdf, 178, 6, verify_url, 10)
        _line(pdf, 188, 5, _("Funded by the European Union. Implemented by UNDP."), 8)
        return bytes(pdf.output())


def _line(pdf: FPDF, y: float, height: float, text: str, size: int, style: str = "") -> None:
    """One centred line across the page's frame, at ``y`` mm from the top."""
    pdf.set_font("DejaVu", style, size)
    pdf.set_xy(20, y)
    pdf.cell(257, height, text, align="C")
