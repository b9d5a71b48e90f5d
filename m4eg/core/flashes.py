"""Messages after an action shown where the person is looking, not at the top of the page.

An action that redirects to an element of a long page (``…/plans/7#review-heading``) leaves
its message there: :func:`aim` keeps the address's fragment with the flashed message, and
the page puts ``{{ flashes_at("review-heading") }}`` (templates/_macros/flashes.html) next
to that element. When the page has no such place, ``base.html`` shows the message above the
content as before (the browser still scrolls to the element). The content block is rendered
before the top of the page, so the top knows whether a place took the messages.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, g, get_flashed_messages, session

ANCHOR_KEY = "_flash_anchor"


def aim(url: str) -> None:
    """Remember the fragment of ``url`` (the redirect after an action) for the next page."""
    fragment = urlsplit(url or "").fragment
    if fragment:
        session[ANCHOR_KEY] = fragment
    else:
        session.pop(ANCHOR_KEY, None)


def _anchor() -> str | None:
    if "flash_anchor" not in g:
        g.flash_anchor = session.pop(ANCHOR_KEY, None) if ANCHOR_KEY in session else None
    return g.flash_anchor


def flashes_for(anchor: str | None = None) -> list[tuple[str, str]]:
    """The messages to show at ``anchor`` (an element's id) when the last action aimed at
    it; with ``anchor`` None, the messages no element of the page has shown (for the top)."""
    aimed_at = _anchor()  # read (and forgotten) by the first place that asks
    if g.get("flashes_shown"):
        return []
    messages = get_flashed_messages(with_categories=True)
    if not messages or (anchor is not None and anchor != aimed_at):
        return []
    g.flashes_shown = True
    return messages


def init_app(app: Flask) -> None:
    app.jinja_env.globals["flashes_for"] = flashes_for
