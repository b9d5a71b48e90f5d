"""A horizontal bar chart as SVG, drawn on the server: no JavaScript, no chart library.

Colours are presentation attributes, not style attributes, so the strict CSP holds.
"""

from __future__ import annotations

from flask_babel import format_decimal
from markupsafe import Markup, escape

BAR_HEIGHT, GAP, LABEL_WIDTH, BAR_WIDTH = 22, 8, 215, 140
COLOURS = ("#0b5d8a", "#2f8f5b", "#b5651d", "#6b4fa0")


def bar_chart(parts: list[tuple[str, object, int]]) -> Markup:
    """SVG bars for ``(key, label, value)`` parts; decorative (the table carries the data).
    A suppressed small count (not an int) has no bar and is written as the exports write it."""
    top = max((value for _key, _label, value in parts if isinstance(value, int)),
              default=0) or 1
    height = len(parts) * (BAR_HEIGHT + GAP)
    width = LABEL_WIDTH + BAR_WIDTH + 45
    bars = []
    for index, (_key, label, value) in enumerate(parts):
        y = index * (BAR_HEIGHT + GAP)
        exact = isinstance(value, int)
        length = round(BAR_WIDTH * value / top) if exact else 0
        colour = COLOURS[index % len(COLOURS)]
        bars.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + 16}" text-anchor="end" font-size="13" '
            f'fill="#1d2733">{escape(str(label))}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{max(length, 2)}" height="{BAR_HEIGHT}" '
            f'rx="3" fill="{colour}"/>'
            f'<text x="{LABEL_WIDTH + max(length, 2) + 6}" y="{y + 16}" font-size="13" '
            f'font-weight="700" fill="#1d2733">'
            f'{escape(format_decimal(value) if exact else str(value))}</text>'
        )
    return Markup(  # noqa: S704 - every label and number above is escaped
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f'{"".join(bars)}</svg>'
    )
