"""Translated labels of the index's dimensions, area kinds and method choices."""

from flask_babel import lazy_gettext as _l

DIMENSION_LABELS = {
    "economic_sources": _l("Economic sources for local development"),
    "infrastructure_services": _l("Infrastructure and services"),
    "human_capital": _l("Human capital"),
    "economic_potential": _l("Economic potential (SME)"),
    "governance": _l("Governance"),
}
KIND_LABELS = {"village": _l("Village municipalities"), "rayon": _l("Rayons"),
               "cluster": _l("Village clusters")}
REFERENCE_LABELS = {
    "none": _l("no fixed reference: scores are relative to the areas computed together"),
    "base_year": _l("the platform's areas in the base year %(year)s"),
    "national": _l("imported national bounds"),
}
CUT_LABELS = {"quintiles": _l("quintiles of the areas computed together"),
              "equal_width": _l("five equal-width bands of the index"),
              "fixed": _l("four fixed thresholds")}


def reference_label(settings) -> str:
    """The reference of ``settings`` as a phrase."""
    return str(REFERENCE_LABELS[settings.reference]) % {"year": settings.base_year or "—"}


def cut_label(settings) -> str:
    return str(CUT_LABELS.get(settings.cuts, CUT_LABELS["quintiles"]))
