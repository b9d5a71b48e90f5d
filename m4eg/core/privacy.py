"""Small counts of people are never published exactly: every public count (key figures,
member pages, the API) goes through :func:`suppress` before it is shown."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from markupsafe import escape

from .numbers import format_number


@dataclass(frozen=True)
class SmallCell:
    """A public count of people that is not shown: ``small`` when it is between 1 and the
    threshold minus 1 ("fewer than 5"), otherwise ``withheld`` because with the total and
    the other cells it would give a small one back by subtraction."""

    threshold: int
    small: bool = True

    def __str__(self) -> str:
        """As exports write it: ``<5`` or ``withheld``."""
        return f"<{self.threshold}" if self.small else "withheld"

    def __html__(self) -> str:
        if self.small:
            return str(escape(_("fewer than %(number)s",
                                number=format_number(self.threshold))))
        return str(escape(_("not shown, to protect a small count")))


def small_cell_threshold() -> int:
    """Counts of people under this (and above 0) are never published exactly."""
    return current_app.config.get("SMALL_CELL_THRESHOLD", 5)


def suppress(count: int | None, threshold: int | None = None) -> int | SmallCell | None:
    """``count`` as it may be published: 0 and counts at or above the threshold as they are,
    others as a :class:`SmallCell`."""
    threshold = small_cell_threshold() if threshold is None else threshold
    if count is None or count == 0 or count >= threshold:
        return count
    return SmallCell(threshold)


def suppress_breakdown(total: int, parts: list[tuple[str, object, int]],
                       threshold: int | None = None):
    """(total, parts) of a count of people split by category, as they may be published. When
    a single cell is small and the total is shown, the next smallest non-zero cell is
    withheld too, so no one can subtract the small one back."""
    threshold = small_cell_threshold() if threshold is None else threshold
    shown = [(key, label, suppress(value, threshold)) for key, label, value in parts]
    small = [i for i, (_k, _l, value) in enumerate(shown) if isinstance(value, SmallCell)]
    if len(small) == 1 and not isinstance(suppress(total, threshold), SmallCell):
        others = [(value, i) for i, (_k, _l, value) in enumerate(shown)
                  if i not in small and value]
        if others:
            index = min(others)[1]
            key, label, _value = shown[index]
            shown[index] = (key, label, SmallCell(threshold, small=False))
    return suppress(total, threshold), shown
