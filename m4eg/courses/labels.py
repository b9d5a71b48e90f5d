"""Translated labels of the content's vocabularies (topics and levels)."""

from flask_babel import lazy_gettext as _l

TOPIC_LABELS = {
    "foresight": _l("Foresight"),
    "listening": _l("Community listening"),
    "sensemaking": _l("Sensemaking"),
    "portfolio": _l("Portfolio approach"),
    "p4eg": _l("P4EG plans"),
    "management": _l("Adaptive management"),
    "monitoring": _l("Learning and monitoring"),
    "sdgs": _l("SDGs"),
}
LEVEL_LABELS = {
    "introductory": _l("Introductory"),
    "intermediate": _l("Intermediate"),
    "advanced": _l("Advanced"),
}
