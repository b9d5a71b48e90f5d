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
            f'<text x="{label_width + length + 4}" y="{y + 13}" font-size="11" '
            f'fill="#1d2733">{format_score(area.index)}</text>')
    return Markup(  # noqa: S704 - names escaped above, numbers formatted
        f'<svg class="chart" viewBox="0 0 {label_width + bar_width + 40} {height}" '
        f'width="100%" aria-hidden="true" focusable="false" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(parts)}</svg>')
