"""The shared look (issue 17): the style page, the components' markup, the vendored assets."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_style_page_shows_every_component_in_both_languages(client, login_as):
    login_as("admin")
    page = client.get("/en/style").get_data(as_text=True)
    for marker in ('class="breadcrumbs"', 'class="card link-card"', "badge tone-ok",
                   'class="steps"', 'class="empty-state"', 'class="filter-panel"',
                   'class="confirm-box', 'class="post-button', "table-wrap", "check-row",
                   "#house"):
        assert marker in page, marker
    assert 'lang="az"' in page and 'lang="en"' in page
    assert "Filters (2)" in page  # the English sample
    assert page.count('aria-label="Breadcrumbs"') >= 2  # the site's and the two samples


def test_style_page_is_for_admins_only(client, login_as):
    assert client.get("/en/style").status_code == 302  # to sign in
    login_as("coordinator")
    assert client.get("/en/style").status_code == 403


def test_no_template_writes_its_own_csrf_input():
    """Hand-built forms use csrf_field() or post_button() (m4eg/templates/_macros/ui.html)."""
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / "m4eg").rglob("*.html")
                 if 'name="csrf_token"' in path.read_text()
                 and path.name != "ui.html"]
    assert offenders == []


def test_every_icon_used_is_in_the_sprite():
    sprite = (ROOT / "static/img/icons.svg").read_text()
    symbols = set(re.findall(r'<symbol id="([^"]+)"', sprite))
    used = set()
    for path in (ROOT / "m4eg").rglob("*.html"):
        used |= set(re.findall(r'icon(?:_name=|\()"([a-z0-9-]+)"', path.read_text()))
    assert used and used <= symbols, used - symbols


def test_the_webfont_and_its_licence_are_served_by_us(client):
    with client.get("/static/css/site.css") as response:
        css = response.get_data(as_text=True)
    assert "font-display: swap" in css and "../fonts/noto-sans-400.woff2" in css
    assert (ROOT / "static/fonts/OFL.txt").exists()
    assert (ROOT / "static/img/LICENSE-lucide.txt").exists()
    with client.get("/static/fonts/noto-sans-400.woff2") as font:
        assert font.status_code == 200 and font.data[:4] == b"wOF2"
