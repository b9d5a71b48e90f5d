"""Browser test of a monitoring report on a phone (390 px) in Azerbaijani: the demo's draft
report of Urva is filled in and saved with the fingers' keyboard, nothing scrolls sideways,
every control is big enough to touch, and the plan page draws the targets' progress."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from m4eg.extensions import db
from tests.browser.conftest import log_in

pytestmark = pytest.mark.browser

FOCAL = "focal.urva@example.org"
PHONE = {"width": 390, "height": 844}


def _demo(app) -> dict:
    from m4eg.plans.cli import ensure_demo_plans
    from m4eg.plans.monitoring_models import MonitoringReport

    with app.app_context():
        ensure_demo_plans()
        db.session.commit()
        reports = list(db.session.scalars(select(MonitoringReport).order_by(
            MonitoringReport.id)))
        ids = {"plan": reports[0].plan_id, "accepted": reports[0].id, "draft": reports[1].id}
        db.session.remove()
        return ids


def _fits(page, url):
    response = page.goto(url)
    assert response.status == 200, f"{url}: HTTP {response.status}"
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth + 1).map(e => e.tagName + '.' + e.className).slice(0, 8)")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        f"{url} is wider than the screen; too wide: {wide}")


def _small_targets(page):
    return page.evaluate("""() => [...document.querySelectorAll(
        'main button, main .button, main select, main input:not([type=hidden]), main textarea')]
        .filter(e => e.offsetParent !== null)
        .map(e => [e, e.getBoundingClientRect()])
        .filter(([e, r]) => r.height < 44 || r.width < 44)
        .map(([e, r]) => `${e.tagName}#${e.id} ${Math.round(r.width)}x${Math.round(r.height)}`)
    """)


def test_a_monitoring_report_is_filled_in_on_a_phone_in_azerbaijani(live_server, new_context,
                                                                     screenshots_dir):
    from m4eg.plans.monitoring_models import MonitoringReport

    ids = _demo(live_server.app)
    page = log_in(new_context(viewport=PHONE).new_page(), live_server, FOCAL)
    edit = f"{live_server.url}/az/plans/monitoring/{ids['draft']}/edit"
    _fits(page, edit)
    assert _small_targets(page) == []
    page.screenshot(path=screenshots_dir / "monitoring-edit-az-390.png", full_page=True)

    # Typed as Azerbaijani writes numbers: 12.500 is twelve thousand five hundred.
    page.locator("#a-1-spent-private").fill("12.500")
    page.locator("#a-1-done").fill("62,5")
    page.get_by_label("Status").nth(1).select_option("ongoing")
    page.locator("#t-1-actual").fill("8")
    page.locator("#t-1-date").fill("2026-09-30")
    page.locator("form.monitoring-form .form-actions button[type='submit']:not([name])").click()
    expect(page).to_have_url(f"{live_server.url}/az/plans/monitoring/{ids['draft']}")
    expect(page.get_by_role("heading", name="Təqdimdən əvvəl yoxlamalar")).to_be_visible()
    _fits(page, page.url)
    page.screenshot(path=screenshots_dir / "monitoring-report-az-390.png", full_page=True)
    with live_server.app.app_context():
        content = db.session.get(MonitoringReport, ids["draft"]).content
        action = content["actions"][1]
        assert action["spent"] == {"private": 12500} and action["done_pct"] == 62.5
        assert content["targets"][1] == {"row": 1, "actual": 8, "date": "2026-09-30"}

    # A bad value comes back on its field, with what was typed, still fitting the screen.
    page.goto(edit)
    page.locator("#a-0-done").fill("120")
    page.locator("form.monitoring-form .form-actions button[type='submit']:not([name])").click()
    expect(page.locator("#p-a-0-done")).to_be_visible()
    expect(page.locator("#a-0-done")).to_have_value("120")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    # The plan page draws the accepted report's progress, with a table beside it.
    _fits(page, f"{live_server.url}/az/plans/{ids['plan']}")
    expect(page.get_by_role("heading", name="Hədəflərə doğru irəliləyiş")).to_be_visible()
    assert page.locator("svg.target-progress title").count() == 2
    page.screenshot(path=screenshots_dir / "monitoring-plan-az-390.png", full_page=True)
