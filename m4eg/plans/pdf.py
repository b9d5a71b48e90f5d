"""A plan as a PDF, in either language, with an embedded Unicode font."""

from __future__ import annotations

from flask_babel import force_locale, format_decimal
from flask_babel import gettext as _
from fpdf import FPDF

from ..courses.certificate import FONTS
from . import services


def plan_pdf(plan, lang: str) -> bytes:
    """The plan's current content, block by block, with the computed totals."""
    with force_locale(lang):
        pdf = FPDF(format="A4")
        pdf.add_font("DejaVu", "", str(FONTS / "DejaVuSans.ttf"))
        pdf.add_font("DejaVu", "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        name = plan.municipality.name_az if lang == "az" else plan.municipality.name_en
        pdf.set_title(f"P4EG — {name}")
        pdf.set_auto_page_break(True, margin=15)
        pdf.add_page()
        width = pdf.w - pdf.l_margin - pdf.r_margin
        pdf.set_font("DejaVu", "B", 16)
        pdf.multi_cell(width, 8, plan.template.title_az if lang == "az"
                       else plan.template.title_en)
        pdf.set_font("DejaVu", "", 12)
        pdf.multi_cell(width, 7, f"{name} · {plan.cycle.name} · {plan.status_label}")
        pdf.ln(4)
        text = services.as_text(plan.template, plan.content, lang)
        for block in plan.template.blocks:
            pdf.set_font("DejaVu", "B", 13)
            pdf.multi_cell(width, 7, block["title"][lang])
            pdf.set_font("DejaVu", "", 10)
            for line in text[block["key"]]:
                pdf.multi_cell(width, 5, line or " ")
            pdf.ln(3)
        totals = services.totals(plan)
        pdf.set_font("DejaVu", "B", 13)
        pdf.multi_cell(width, 7, _("Budget totals (AZN)"))
        pdf.set_font("DejaVu", "", 10)
        for key, value in totals["by_source"].items():
            pdf.multi_cell(width, 5, f"{key}: {format_decimal(value)}")
        for year, value in totals["by_year"].items():
            pdf.multi_cell(width, 5, f"{year}: {format_decimal(value)}")
        pdf.multi_cell(width, 5, f"{_('Total')}: {format_decimal(totals['total'])}")
        return bytes(pdf.output())
