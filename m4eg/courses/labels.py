"""Translated labels of the content's vocabularies (topics and levels), in one place."""

from flask_babel import lazy_gettext as _l

from ..core.enums import LabelledEnum

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


class CourseLevel(LabelledEnum):
    """A course's level; the value is what ``course.md`` writes in its front matter."""

    INTRODUCTORY = "introductory", _l("Introductory")
    INTERMEDIATE = "intermediate", _l("Intermediate")
    ADVANCED = "advanced", _l("Advanced")
