"""Whole numbers from URLs, query strings and uploaded cells, read defensively.

``str.isdigit`` accepts "²" (which ``int`` refuses) and ``int`` accepts numbers no database
column can hold; both used to end in a 500. Everything numeric a user sends goes through here.
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2_147_483_647  # the largest value of a 32-bit integer column


def to_int(value, *, default=None, minimum: int = 0, maximum: int = MAX_ID):
    """``value`` as an int when it is plain ASCII digits within the bounds, else ``default``."""
    text = str(value if value is not None else "").strip()
    if not text or not text.isascii() or not text.isdigit():
        return default
    number = int(text)
    return number if minimum <= number <= maximum else default


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in URLs, limited to what an integer column holds (else a 404)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
