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

    @classmethod
    def get(cls, value):
        """The member stored as ``value``, or None (``value in cls`` raises for a plain
        string before Python 3.12)."""
        return cls._value2member_map_.get(value)

    @classmethod
    def label_of(cls, value) -> str:
        """The translated label of a stored ``value``; the value itself when it is not one
        of the enum's (a row written before a value was retired)."""
        member = cls.get(value)
        return str(member.label) if member is not None else value

    @classmethod
    def choices(cls) -> list[tuple[str, object]]:
        """``(value, label)`` pairs in declaration order, for select fields and filters."""
        return [(member.value, member.label) for member in cls]
