"""The Unicode font every generated PDF embeds (certificates, plans), so that Azerbaijani
letters (ə, ğ, ı, İ, ş, ç, ö, ü) render in every PDF reader."""

from __future__ import annotations

from pathlib import Path

FONTS_DIR = Path(__file__).parent / "fonts"


def add_dejavu(pdf, family: str = "DejaVu") -> None:
    """Register DejaVu Sans, regular and bold, on an ``fpdf.FPDF`` under ``family``."""
    pdf.add_font(family, "", str(FONTS_DIR / "DejaVuSans.ttf"))
    pdf.add_font(family, "B", str(FONTS_DIR / "DejaVuSans-Bold.ttf"))
