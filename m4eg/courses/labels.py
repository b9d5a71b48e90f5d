"""Translated labels of the content's vocabularies (topics and levels), in one place."""

from enum import StrEnum

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


class CourseLevel(StrEnum):
    """A course's level; the value is what ``course.md`` writes in its front matter."""

    INTRODUCTORY = "introductory"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]


_LEVEL_LABELS = {
    CourseLevel.INTRODUCTORY: _l("Introductory"),
    CourseLevel.INTERMEDIATE: _l("Intermediate"),
    CourseLevel.ADVANCED: _l("Advanced"),
}
