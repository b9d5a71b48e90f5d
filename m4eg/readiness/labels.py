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
# One area of a kind, inside a sentence ("no village municipality has the code …").
KIND_NOUNS = {"village": _l("village municipality"), "rayon": _l("rayon"),
              "cluster": _l("village cluster")}
CLUSTER_GROUP_LABELS = {"village": _l("Clusters of village municipalities"),
                        "rayon": _l("Clusters of rayons")}
# The source the demo clusters' official class is given (stored in English, shown
# translated).
PAPER_SOURCE = "World Bank, Smart Villages in Azerbaijan, section 5.6"
SOURCE_LABELS = {PAPER_SOURCE: _l("World Bank, Smart Villages in Azerbaijan, section 5.6")}
REFERENCE_LABELS = {
    "none": _l("no fixed reference: scores are relative to the areas computed together"),
    "base_year": _l("the platform's areas in the base year %(year)s"),
    "national": _l("imported national bounds"),
}
CUT_LABELS = {"equal_width": _l("five equal-width bands of the index"),
              "fixed": _l("four fixed thresholds"),
              "quintiles": _l("quintiles of the areas computed together")}


def reference_label(settings) -> str:
    """The reference of ``settings`` as a phrase."""
    return str(REFERENCE_LABELS[settings.reference]) % {"year": settings.base_year or "—"}


def cut_label(settings) -> str:
    return str(CUT_LABELS.get(settings.cuts, CUT_LABELS["equal_width"]))


def source_label(text: str) -> str:
    """A source as the page's language writes it, where the platform knows its translation
    (the source the demo data quotes); else as it was imported."""
    return str(SOURCE_LABELS.get(text, text))
