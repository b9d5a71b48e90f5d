"""The ranking and the change since the base year as SVG bar charts drawn on the server (the
tables beside them carry the numbers)."""

from __future__ import annotations

import textwrap

from markupsafe import Markup, escape

from ..core.i18n import current_language, format_score

COLOURS = {"amplify": "#0b3d91", "accelerate_high": "#1f6fb2", "accelerate_medium": "#3d9970",
           "accelerate_low": "#b58900", "activate": "#c05621"}
INK = "#1d2733"
# Both charts are drawn 360 units wide, so that their 13 px text stays 13 px on a phone.
WIDTH = 360
LINE = 16
LABEL_CHARS = 44  # what fits on one 360-unit line at 13 px


def signed_score(value) -> str:
    """A change of a score with two decimals and its sign: ``+0,12``, ``-0,05``; a change
    that rounds to nothing is ``0,00`` (never ``+0,00`` or ``-0,00``)."""
    if value is None:
        return format_score(None)
    shown = round(value, 2)
    if shown == 0:
        return format_score(0.0)
    return ("+" if shown > 0 else "") + format_score(shown)


def _label(text: str, y: int) -> tuple[str, int]:
    """A label on lines of its own above its bar (wrapped, never cut): the SVG and the
    height it takes."""
    lines = textwrap.wrap(str(text), LABEL_CHARS) or [""]
    spans = "".join(f'<tspan x="0" dy="{0 if i == 0 else LINE}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return (f'<text x="0" y="{y + 13}" font-size="13" fill="{INK}">{spans}</text>',
            LINE * len(lines))


def _svg(height: int, parts: list[str]) -> Markup:
    return Markup(  # noqa: S704 - labels escaped by _label, numbers formatted
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f'{"".join(parts)}</svg>')


def index_chart(result, names: dict) -> Markup:
    """One bar per classed area, coloured by class, its name on a line of its own above it
    (long names wrap rather than run off the edge); decorative (aria-hidden)."""
    ranked = [a for a in result.areas if not a.flagged]
    bar_width, lang = WIDTH - 48, current_language()
    parts, y = [], 0
    for area in ranked:
        name = names.get(area.area, {}).get(lang, area.area)
        label, taken = _label(name, y)
        length = max(2, round(bar_width * (area.index or 0)))
        top = y + taken + 2
        parts.append(
            f'{label}<rect x="0" y="{top}" width="{length}" height="14" '
            f'fill="{COLOURS.get(area.klass, "#888")}"/>'
            f'<text x="{length + 4}" y="{top + 12}" font-size="13" '
            f'fill="{INK}">{format_score(area.index)}</text>')
        y = top + 22
    return _svg(max(y, LINE), parts)


def change_chart(change: dict, labels: list[tuple[str, str]]) -> Markup:
    """The change of each dimension (and the index) since the base year: each label on
    lines of its own, under it a bar from the zero line, right and blue for a gain, left
    and orange for a loss, and at the foot a scale marking zero and the largest change
    either way. Decorative: the table beside it carries the numbers."""
    half = 120
    zero = WIDTH // 2
    rows = [(key, label) for key, label in labels if change.get(key) is not None]
    # The largest change fills half the width (at least 0.1, so small moves stay small).
    scale = max([abs(change[key]) for key, _label in rows] + [0.1])
    parts, y = [], 0
    for key, text in rows:
        value = change[key]
        label, taken = _label(text, y)
        top = y + taken + 4
        length = max(1, round(half * abs(value) / scale))
        x = zero if value >= 0 else zero - length
        colour = "#1f6fb2" if value >= 0 else "#c05621"
        text_x, anchor = ((zero + length + 4, "start") if value >= 0
                          else (zero - length - 4, "end"))
        parts.append(
            f'{label}<rect x="{x}" y="{top}" width="{length}" height="16" fill="{colour}"/>'
            f'<text x="{text_x}" y="{top + 13}" text-anchor="{anchor}" font-size="13" '
            f'fill="{INK}">{signed_score(value)}</text>')
        y = top + 24
    axis = y + 4
    parts.insert(0, f'<line x1="{zero}" y1="0" x2="{zero}" y2="{axis}" stroke="{INK}" '
                    f'stroke-width="1"/>')
    parts.append(f'<line x1="{zero - half}" y1="{axis}" x2="{zero + half}" y2="{axis}" '
                 f'stroke="{INK}" stroke-width="1"/>')
    for x, value, anchor in ((zero - half, -scale, "middle"), (zero, 0.0, "middle"),
                             (zero + half, scale, "middle")):
        parts.append(f'<line x1="{x}" y1="{axis}" x2="{x}" y2="{axis + 5}" stroke="{INK}" '
                     f'stroke-width="1"/><text x="{x}" y="{axis + 19}" '
                     f'text-anchor="{anchor}" font-size="13" fill="{INK}">'
                     f'{signed_score(value)}</text>')
    return _svg(axis + 24, parts)
