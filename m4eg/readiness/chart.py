"""The ranking as an SVG bar chart drawn on the server (the table carries the numbers)."""

from __future__ import annotations

from markupsafe import Markup, escape

from ..core.i18n import current_language, format_score

COLOURS = {"amplify": "#0b3d91", "accelerate_high": "#1f6fb2", "accelerate_medium": "#3d9970",
           "accelerate_low": "#b58900", "activate": "#c05621"}


def index_chart(result, names: dict) -> Markup:
    """One bar per classed area, coloured by class; decorative (aria-hidden)."""
    ranked = [a for a in result.areas if not a.flagged]
    row, label_width, bar_width = 18, 210, 260
    height = max(len(ranked), 1) * row
    lang = current_language()
    parts = []
    for i, area in enumerate(ranked):
        y = i * row
        name = names.get(area.area, {}).get(lang, area.area)
        length = max(2, round(bar_width * (area.index or 0)))
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 13}" text-anchor="end" font-size="12" '
            f'fill="#1d2733">{escape(name[:32])}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length}" height="{row - 6}" '
            f'fill="{COLOURS.get(area.klass, "#888")}"/>'
            f'<text x="{label_width + length + 4}" y="{y + 13}" font-size="12" '
            f'fill="#1d2733">{format_score(area.index)}</text>')
    return Markup(  # noqa: S704 - names escaped above, numbers formatted
        f'<svg class="chart" viewBox="0 0 {label_width + bar_width + 40} {height}" '
        f'width="100%" aria-hidden="true" focusable="false" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')


def change_chart(change: dict, labels: list[tuple[str, str]]) -> Markup:
    """The change of each dimension (and the index) since the base year: each label on a line
    of its own, under it a bar from the zero line, right and blue for a gain, left and orange
    for a loss. Drawn 360 units wide so that its 13 px labels stay 13 px on a phone.
    Decorative: the table beside it carries the numbers."""
    width, row, half = 360, 44, 120
    zero = width // 2
    rows = [(key, label) for key, label in labels if change.get(key) is not None]
    # The largest change fills half the width (at least 0.1, so small moves stay small).
    scale = max([abs(change[key]) for key, _label in rows] + [0.1])
    height = max(len(rows), 1) * row
    parts = [f'<line x1="{zero}" y1="18" x2="{zero}" y2="{height}" stroke="#1d2733" '
             f'stroke-width="1"/>']
    for i, (key, label) in enumerate(rows):
        value, y = change[key], i * row
        length = max(1, round(half * abs(value) / scale))
        x = zero if value >= 0 else zero - length
        colour = "#1f6fb2" if value >= 0 else "#c05621"
        sign = "+" if value > 0 else ""
        text_x, anchor = (zero + length + 4, "start") if value >= 0 else (zero - length - 4,
                                                                            "end")
        parts.append(
            f'<text x="0" y="{y + 14}" font-size="13" fill="#1d2733">'
            f'{escape(str(label)[:48])}</text>'
            f'<rect x="{x}" y="{y + 20}" width="{length}" height="16" fill="{colour}"/>'
            f'<text x="{text_x}" y="{y + 33}" text-anchor="{anchor}" font-size="13" '
            f'fill="#1d2733">{sign}{format_score(value)}</text>')
    return Markup(  # noqa: S704 - labels escaped above, numbers formatted
        f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-hidden="true" focusable="false" xmlns="http://www.w3.org/2000/svg">'
        f'{"".join(parts)}</svg>')
