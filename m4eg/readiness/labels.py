"""Translated labels of the index's dimensions and area kinds."""

from flask_babel import lazy_gettext as _l

DIMENSION_LABELS = {
    "economic_sources": _l("Economic sources for local development"),
    "infrastructure_services": _l("Infrastructure and services"),
    "human_capital": _l("Human capital"),
    "economic_potential": _l("Economic potential (SME)"),
    "governance": _l("Governance"),
}
KIND_LABELS = {"village": _l("Village municipalities"), "rayon": _l("Rayons")}
