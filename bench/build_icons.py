"""Build static/img/icons.svg, the one icon sprite, from the Lucide icons we use.

    .venv/bin/python bench/build_icons.py /path/to/lucide-static/icons

Lucide (ISC licence, static/img/LICENSE-lucide.txt). Each icon becomes a <symbol id="NAME">
used by the ``icon(name)`` macro (m4eg/templates/_macros/ui.html). Add a name to ICONS and run
this again to add an icon.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ICONS = [
    "house", "building-2", "chart-column", "layers", "graduation-cap", "gauge", "book-open",
    "file-text", "user", "log-in", "log-out", "user-plus", "globe", "search",
    "sliders-horizontal", "chevron-right", "chevron-down", "arrow-left", "arrow-right", "check",
    "circle-check", "x", "triangle-alert", "info", "calendar", "map-pin", "download", "upload",
    "mail", "users", "clock", "plus", "pencil", "trash-2", "printer", "inbox", "award",
    "shield-check", "bell",
]
OUT = Path(__file__).resolve().parents[1] / "static" / "img" / "icons.svg"


def symbol(name: str, source: str) -> str:
    body = re.search(r"<svg[^>]*>(.*)</svg>", source, re.S).group(1)
    body = re.sub(r"\s+", " ", re.sub(r"<!--.*?-->", "", body, flags=re.S)).strip()
    body = body.replace(" />", "/>").replace("> <", "><")
    return f'<symbol id="{name}" viewBox="0 0 24 24">{body}</symbol>'


def main(folder: Path) -> None:
    symbols = [symbol(name, (folder / f"{name}.svg").read_text()) for name in ICONS]
    OUT.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" fill="none" stroke="currentColor" '
        'stroke-width="2" stroke-linecap="round" stroke-linejoin="round">'
        "<!-- Lucide icons, ISC licence: static/img/LICENSE-lucide.txt -->"
        + "".join(symbols) + "</svg>\n"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]))
