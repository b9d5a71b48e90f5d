"""Browser test of the workshop pages on a phone (390 px) and a desktop (1280 px), az and en.

The demo sessions are loaded; the demo staff member is enrolled in a course and registers for
an upcoming session through the page. Then: the workshop page (its facts list holds the long
label «Seminara yazılmanın bitmə vaxtı»), the workshops index (past sessions with their
"Present" column), My learning, and the coordinator's attendance register of a session that
took place. On every page no element of the main content may reach past the screen (the page
not scrolling sideways is not enough: a table scrolling inside its box hid its last column),
and no word of a value may be broken across two lines.
"""

from __future__ import annotations

import pytest

from m4eg.extensions import db
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

STAFF = "staff@example.org"
COORDINATOR = "coordinator@example.org"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SLUG = "community-listening"

# Elements of <main> whose box reaches past the viewport, visually hidden ones aside (1 px,
# clipped: they never show).
OVERFLOWING = """() => [...document.querySelectorAll('main *')]
    .map(e => [e, e.getBoundingClientRect()])
    .filter(([e, r]) => r.width > 1 && r.height > 1
            && (r.left < -0.5 || r.right > document.documentElement.clientWidth + 0.5))
    .map(([e, r]) => `${e.tagName}.${e.className} ${Math.round(r.left)}..${Math.round(r.right)}`)
"""

# Words of the facts' values and of the table cells drawn on more than one line ("İqtisa di").
BROKEN_WORDS = """() => {
  const broken = [];
  for (const cell of document.querySelectorAll('main .facts dd, main td, main th')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (const match of node.data.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}"""

# Each label of the facts list: is it above its value (phone) or beside it (desktop)?
FACTS = """() => [...document.querySelectorAll('main .facts dt')].map(dt => {
  const dd = dt.nextElementSibling, a = dt.getBoundingClientRect(), b = dd.getBoundingClientRect();
  return {label: dt.textContent, above: b.top >= a.bottom - 1, beside: b.left >= a.right};
})"""


def check_page(page, url: str, *, phone: bool) -> None:
    """Open ``url`` and assert what a reader sees: nothing past the screen edge, no word
    split across lines, the facts' labels above (phone) or beside (desktop) their values and
    table cells labelled on a phone."""
    response = page.goto(url)
    assert response.status == 200, url
    assert page.evaluate(OVERFLOWING) == [], url
    assert page.evaluate(BROKEN_WORDS) == [], url
    for fact in page.evaluate(FACTS):
        assert fact["above" if phone else "beside"], (url, fact)
    if phone:
        for cell in page.locator("main table.stack td[data-label]:not([data-label=''])").all():
            label = cell.evaluate("e => getComputedStyle(e, '::before').content")
            assert label.strip('"') == cell.get_attribute("data-label"), url


def check_attendance_selects(page, *, phone: bool) -> None:
    """The attendance selects: on screen whole, and a tap target of 44 px on a phone."""
    selects = page.locator("main select[name^='r-']").all()
    assert selects, "no attendance select on the page"
    width = page.evaluate("document.documentElement.clientWidth")
    for select in selects:
        box = select.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= width, box
        if phone:
            assert box["height"] >= 44, box


def _demo(app):
    """The demo sessions; the demo staff member enrolled in a course. Returns (an upcoming
    session with a long course title, a session that took place)."""
    from m4eg.accounts.services import get_by_email
    from m4eg.courses import services as courses
    from m4eg.workshops import services

    with app.app_context():
        sessions = services.ensure_demo_workshops()
        courses.enrol(get_by_email(STAFF), courses.get_course(SLUG))
        db.session.commit()
        upcoming = max((w for w in sessions if not w.has_started),
                       key=lambda w: len(services.get_course(w.course_slug).title["az"]))
        past = next(w for w in sessions if w.has_started and services.roster(w))
        return upcoming.id, past.id


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390", "1280"])
def test_workshop_pages_fit_the_screen(live_server, new_context, screenshots_dir, viewport):
    from playwright.sync_api import expect

    upcoming_id, past_id = _demo(live_server.app)
    phone, width = viewport is PHONE, viewport["width"]
    staff = log_in(new_context(viewport=viewport).new_page(), live_server, STAFF)
    staff.goto(f"{live_server.url}/az/workshops/{upcoming_id}")
    staff.locator(f"form[action$='/workshops/{upcoming_id}/register'] button").click()
    expect(staff.locator(f"form[action$='/workshops/{upcoming_id}/cancel']")).to_have_count(1)
    coordinator = log_in(new_context(viewport=viewport).new_page(), live_server, COORDINATOR)
    for lang in ("az", "en"):
        base = f"{live_server.url}/{lang}"
        for name, url in (("show", f"{base}/workshops/{upcoming_id}"),
                          ("index", f"{base}/workshops/"),
                          ("my-learning", f"{base}/courses/my-learning")):
            check_page(staff, url, phone=phone)
            staff.screenshot(path=screenshots_dir / f"workshops-{name}-{lang}-{width}.png",
                             full_page=True)
        assert staff.locator("main .my-workshops td[data-label]").count() >= 3
        check_page(coordinator, f"{base}/workshops/{past_id}/attendance", phone=phone)
        check_attendance_selects(coordinator, phone=phone)
        coordinator.screenshot(path=screenshots_dir / f"workshops-attendance-{lang}-{width}.png",
                               full_page=True)
