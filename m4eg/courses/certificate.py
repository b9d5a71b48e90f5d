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
        pdf.set_font("DejaVu", "B", 14)
        pdf.set_xy(20, 22)
        pdf.cell(257, 8, _("Mayors for Economic Growth — Azerbaijan"), align="C")
        pdf.set_xy(20, 30)
        pdf.set_font("DejaVu", "", 12)
        pdf.cell(257, 8, _("Urban Learning Center (ULC)"), align="C")
        pdf.set_text_color(29, 39, 51)
        pdf.set_font("DejaVu", "B", 30)
        pdf.set_xy(20, 52)
        pdf.cell(257, 14, _("Certificate of completion"), align="C")
        pdf.set_font("DejaVu", "", 14)
        pdf.set_xy(20, 76)
        pdf.cell(257, 8, _("This certifies that"), align="C")
        pdf.set_font("DejaVu", "B", 26)
        pdf.set_xy(20, 88)
        pdf.cell(257, 14, certificate.learner_name, align="C")
        pdf.set_font("DejaVu", "", 14)
        pdf.set_xy(20, 108)
        pdf.cell(257, 8, _("has completed the course"), align="C")
        pdf.set_font("DejaVu", "B", 18)
        pdf.set_xy(30, 118)
        pdf.multi_cell(237, 10, certificate.course_title, align="C")
        pdf.set_font("DejaVu", "", 12)
        pdf.set_xy(20, 148)
        pdf.cell(257, 7, _("%(hours)s hours of study · completed on %(date)s",
                          hours=format_decimal(certificate.hours),
                          date=format_date(certificate.issued_at, "long")), align="C")
        pdf.set_xy(20, 172)
        pdf.set_font("DejaVu", "", 10)
        pdf.cell(257, 6, _("Verification code: %(code)s", code=certificate.code), align="C")
        pdf.set_xy(20, 178)
        pdf.cell(257, 6, verify_url, align="C")
        pdf.set_xy(20, 188)
        pdf.set_font("DejaVu", "", 8)
        pdf.cell(257, 5, _("Funded by the European Union. Implemented by UNDP."), align="C")
        return bytes(pdf.output())
