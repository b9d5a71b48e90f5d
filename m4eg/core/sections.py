"""Pages assembled from sections that other domains contribute.

The member page (``municipalities.show``) belongs to the municipalities domain, but its
portfolio, plan and learning sections belong to the domains that own those records. Each
domain registers a section in its ``init_app``; the page renders whatever is registered, so
the municipalities domain imports none of them (the one-way graph in pyproject.toml).
A plain per-app list is enough here: no library adds anything for an ordered list of
callables (blinker signals would lose the order and the return values' pairing).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app
from markupsafe import Markup


@dataclass(frozen=True)
class Section:
    """``render(obj)`` returns the section's HTML (a rendered partial template)."""

    name: str
    order: int
    render: Callable[[object], Markup | str]


def register_section(app: Flask, page: str, name: str, render: Callable, *,
                     order: int = 100) -> None:
    """Add (or replace, by ``name``) a section of ``page``; lower ``order`` comes first."""
    pages = app.extensions.setdefault("m4eg_sections", {})
    sections = [s for s in pages.get(page, []) if s.name != name]
    sections.append(Section(name, order, render))
    pages[page] = sorted(sections, key=lambda s: (s.order, s.name))


def render_sections(page: str, obj) -> Markup:
    """The HTML of every section registered for ``page``, in order, for ``obj``."""
    sections = current_app.extensions.get("m4eg_sections", {}).get(page, [])
    # Each section is a rendered (autoescaped) template of its own domain.
    return Markup("\n").join(
        Markup(section.render(obj)) for section in sections)  # noqa: S704
