"""Numbers typed by people, read the way their language writes them (Babel, strict).

On an Azerbaijani page four hundred thousand is written ``400.000`` and one and a half ``1,5``;
on an English page ``400,000`` and ``1.5``. Reading either with ``float()`` silently divides
budgets by a thousand, so every number field goes through :func:`parse_number`.
"""

from __future__ import annotations

import re
from decimal import Decimal

from babel.numbers import (
    NumberFormatError,
    format_decimal,
    get_decimal_symbol,
    get_group_symbol,
    parse_decimal,
)
from flask_babel import get_locale

# Spaces people (and spreadsheets) use between thousands: space, no-break, narrow no-break.
_SPACES = re.compile("[ \u00a0\u202f]")
_MINUS = "\u2212"
_SHAPE = re.compile(r"-?[0-9][0-9.,]*")


class NumberInputError(ValueError):
    """The text is not a number as the locale writes it; ``ambiguous`` when it could be read
    two ways (``400.000`` on an English page)."""

    def __init__(self, ambiguous: bool = False):
        super().__init__("not a number")
        self.ambiguous = ambiguous


def _locale(locale):
    return str(locale or get_locale() or "az")


def parse_number(raw: str, *, integer: bool = False, locale=None) -> int | float | None:
    """``raw`` as typed on a page in ``locale`` (the page's by default): None when empty, an
    int when whole (or when ``integer``), else a float. Raises :class:`NumberInputError`."""
    locale = _locale(locale)
    text = (raw or "").strip().replace(_MINUS, "-")
    if not text:
        return None
    group, decimal = get_group_symbol(locale), get_decimal_symbol(locale)
    # Spaces may group thousands in either language (Babel accepts only the locale's symbol).
    text = _SPACES.sub(group, text)
    if not _SHAPE.fullmatch(text):
        raise NumberInputError()
    whole, _, fraction = text.partition(decimal)
    if len(fraction) == 3 and group not in whole and fraction.isdigit():
        # "400.000" on an English page (or "400,000" on an Azerbaijani one): four hundred or
        # four hundred thousand? Refused rather than guessed.
        raise NumberInputError(ambiguous=True)
    try:
        value = parse_decimal(text, locale=locale, strict=True)
    except NumberFormatError as error:
        raise NumberInputError() from error
    if not value.is_finite():
        raise NumberInputError()
    if integer and value != value.to_integral_value():
        raise NumberInputError()
    if value == value.to_integral_value():
        return int(value)
    return float(value)


def number_examples(integer: bool = False, locale=None) -> str:
    """How to type numbers on this page, e.g. "400.000, 400 000 or 400000"."""
    locale = _locale(locale)
    if integer:
        return ", ".join((format_decimal(400000, locale=locale), "400 000", "400000"))
    return ", ".join((format_decimal(400000, locale=locale),
                      format_decimal(Decimal("1234.5"), locale=locale)))


def format_number(value, locale=None) -> str:
    """A stored number written back for the page's language (empty for None)."""
    if value is None or value == "":
        return ""
    return format_decimal(value, locale=_locale(locale))
