"""Browser test: a focal point follows a notification to the plan and comes back to the list,
with the header's counter going down; without JavaScript (every step is a link or a form)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from m4eg.extensions import db
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

FOCAL = "focal@example.org"


@pytest.fixture
def commented_plan(live_server):
    """Khirdalan's demo draft with the demo reviewer's question on its vision (which
    notifies the focal point). Returns the plan's id."""
    from m4eg.municipalities.services import get_by_slug
    from m4eg.plans import services
    from m4eg.plans.cli import ensure_demo_plans

    with live_server.app.app_context():
        ensure_demo_plans()
        db.session.commit()
        return services.plans_of(get_by_slug("khirdalan").id)[0].id


@pytest.mark.parametrize("width", [390, 1280])
def test_focal_point_goes_from_a_notification_to_the_plan_and_back(
        live_server, new_context, commented_plan, width):
    page = new_context(viewport={"width": width, "height": 900},
                       java_script_enabled=False).new_page()
    log_in(page, live_server, FOCAL, lang="en")
    bell = page.locator("header a.bell")
    expect(bell).to_contain_text("1")
    bell.click()
    expect(page).to_have_url(re.compile(r"/en/notifications/$"))
    item = page.locator("ol.notifications li.unread").first
    expect(item).to_contain_text("wrote about «Vision and targets»")
    item.get_by_role("button", name=re.compile("wrote about")).click()
    # The plan, at the section the comment is about, with the comment there.
    expect(page).to_have_url(re.compile(rf"/en/plans/{commented_plan}#block-vision$"))
    expect(page.locator("#block-vision")).to_contain_text("sectors the municipality")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Back through the header: the notification is read, the counter gone.
    page.locator("header a.bell").click()
    expect(page.locator("ol.notifications li.unread")).to_have_count(0)
    expect(page.locator("ol.notifications li")).to_have_count(1)
    expect(page.locator("header a.bell .count")).to_have_count(0)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
