"""Statuses and vocabularies as string enums that carry their translated label.

The value is what the database (or the content file) stores, so columns stay ``String`` and
templates compare with the member; the label is declared next to it, once, and read by
templates, exports and PDFs as ``member.label``.
"""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """Members are declared as ``NAME = "stored value", lazy_gettext("Label")``."""

    def __new__(cls, value: str, label=None):
        member = str.__new__(cls, value)
        member._value_ = value
        member._label = label if label is not None else value
        return member

    @property
    def label(self) -> str:
        """The member's translated label (lazy: rendered in the current locale)."""
        return self._label
