"""Markdown rendered to HTML and sanitised with nh3: what users write can never run script.

The parser is markdown-it-py (CommonMark): it runs in time linear in the text, so a field of
thousands of ``[`` or ``*`` typed into a plan cannot stall every view of that plan, as it did
with Python-Markdown's regular expressions."""

from __future__ import annotations

from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

ALLOWED_TAGS = {
    "a", "abbr", "blockquote", "br", "code", "em", "h2", "h3", "h4", "hr", "li", "ol", "p",
    "pre", "strong", "table", "tbody", "td", "th", "thead", "tr", "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "th": {"scope"}}


def _parser(breaks: bool) -> MarkdownIt:
    # Raw HTML is parsed ("html": True) so that nh3 below strips it, as course files expect
    # (courses/FORMAT.md) and as users saw before; every link is parsed as a link too, and nh3
    # is then the one guard that drops unsafe markup and URL schemes (``javascript:``), which
    # read as their text instead of as Markdown source with the script spelt out.
    parser = MarkdownIt("commonmark", {"breaks": breaks, "html": True}).enable("table")
    parser.validateLink = lambda url: True
    return parser


_PARSERS = {breaks: _parser(breaks) for breaks in (False, True)}

def _bounded(text: str) -> str:
    """``text`` with nested ``[`` escaped. Each ``[`` makes the parser look ahead for the end
    of a link label, past any nested brackets: linear overall but about 50 µs a bracket, so a
    field of 20,000 brackets still cost a second per view. Links never nest, so a ``[`` inside
    an open one is escaped (read as a plain bracket) and every look-ahead stops at the next
    ``]``: the whole text is looked through about once. (Inside a code span the escape would
    show; nested brackets in code are not what plans and lessons hold.)"""
    if text.count("[") < 2:
        return text
    out, depth, escaped = [], 0, False
    for char in text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[":
            if depth:
                out.append("\\")
            else:
                depth = 1
        elif char == "]" and depth:
            depth = 0
        out.append(char)
    return "".join(out)


def render_markdown(text: str, *, breaks: bool = False) -> Markup:
    """Render ``text`` (Markdown) to sanitised HTML safe to put in a page. With ``breaks``,
    a single line break typed in a form stays a line break (course files are wrapped at
    will, so they render without it)."""
    return Markup(_render(str(text or ""), bool(breaks)))  # noqa: S704 - sanitised by nh3


# A plan page renders the same saved texts on every view: each text is parsed once per worker
# (a 20,000-character field still costs the parser a few tenths of a second the first time).
@lru_cache(maxsize=256)
def _render(text: str, breaks: bool) -> str:
    html = _PARSERS[breaks].render(_bounded(text))
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )


def render_plan_text(text: str) -> Markup:
    """What people type into forms: Markdown with their line breaks kept."""
    return render_markdown(text, breaks=True)


def with_breaks(text) -> Markup:
    """Plain text (a table cell, a comment) escaped, its typed line breaks kept as ``<br>``."""
    lines = str(text or "").replace("\r\n", "\n").split("\n")
    return Markup("<br>").join(escape(line) for line in lines)
