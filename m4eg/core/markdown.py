"""Markdown rendered to HTML and sanitised with nh3: what users write can never run script."""

from __future__ import annotations

import markdown as _markdown
import nh3
from markupsafe import Markup, escape

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p",
    "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


def render_markdown(text: str, *, breaks: bool = False) -> Markup:
    """Render ``text`` (Markdown) to sanitised HTML safe to put in a page. With ``breaks``,
    a single line break typed in a form stays a line break (course files are wrapped at
    will, so they render without it)."""
    extensions = ["tables", "sane_lists", *(["nl2br"] if breaks else [])]
    html = _markdown.markdown(text or "", extensions=extensions)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def render_plan_text(text: str) -> Markup:
    """What people type into forms: Markdown with their line breaks kept."""
    return render_markdown(text, breaks=True)


def with_breaks(text) -> Markup:
    """Plain text (a table cell, a comment) escaped, its typed line breaks kept as ``<br>``."""
    lines = str(text or "").replace("\r\n", "\n").split("\n")
    return Markup("<br>").join(escape(line) for line in lines)
