"""Browser smoke test: register, log out and in, switch language, axe-core, screenshots.

Runs against a live server (CSRF on, demo data loaded) with Debian's headless Chromium.
"""

from __future__ import annotations

import pytest

from tests.browser.conftest import format_violations

pytestmark = pytest.mark.browser

STRONG_PASSWORD = "quiet river stone 42"
PAGES = {"home": "/{lang}/", "login": "/{lang}/accounts/login",
         "register": "/{lang}/accounts/register"}
LANGS = ("az", "en")
BLOCKING_IMPACTS = {"serious", "critical"}


def _expect():
    from playwright.sync_api import expect

    return expect


def test_register_log_in_log_out_and_log_in_again(live_server, page):
    expect = _expect()
    page.goto(f"{live_server.url}/en/")
    page.get_by_role("banner").get_by_role("link", name="Register").click()
    expect(page).to_have_url(f"{live_server.url}/en/accounts/register")

    page.get_by_label("Full name").fill("Leyla Məmmədova")
    page.get_by_label("Email address").fill("leyla@example.az")
    page.get_by_label("Municipality").select_option(label="Khirdalan City Municipality")
    page.get_by_label("Position").fill("Economic development officer")
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Preferred language").select_option("en")
    page.get_by_label("Password", exact=True).fill(STRONG_PASSWORD)
    page.get_by_label("Repeat the password").fill(STRONG_PASSWORD)
    page.get_by_role("button", name="Create account").click()

    # Registration answers the same for a new and a taken address: it signs nobody in.
    expect(page).to_have_url(f"{live_server.url}/en/accounts/login")
    expect(page.get_by_text("We have sent a message to leyla@example.az")).to_be_visible()
    page.get_by_label("Email address").fill("leyla@example.az")
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{live_server.url}/en/")
    header = page.locator("header.site-header")
    expect(header).to_contain_text("Leyla Məmmədova")
    log_out = header.get_by_role("button", name="Log out")
    expect(log_out).to_be_visible()

    log_out.click()
    expect(page).to_have_url(f"{live_server.url}/en/")
    expect(page.get_by_text("You have logged out.")).to_be_visible()
    expect(header).not_to_contain_text("Leyla Məmmədova")
    expect(header.get_by_role("button", name="Log out")).to_have_count(0)

    header.get_by_role("link", name="Log in").click()
    expect(page).to_have_url(f"{live_server.url}/en/accounts/login")
    page.get_by_label("Email address").fill("leyla@example.az")
    page.get_by_label("Password").fill(STRONG_PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Log in").click()

    expect(page).to_have_url(f"{live_server.url}/en/")
    expect(header).to_contain_text("Leyla Məmmədova")
    expect(header.get_by_role("button", name="Log out")).to_be_visible()


def test_language_switch_keeps_the_page(live_server, page):
    expect = _expect()
    page.goto(f"{live_server.url}/az/accounts/login")
    expect(page.locator("html")).to_have_attribute("lang", "az")
    switch = page.locator("header nav.lang-switch")

    switch.get_by_role("link", name="English").click()
    expect(page).to_have_url(f"{live_server.url}/en/accounts/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")

    switch.get_by_role("link", name="Azərbaycanca").click()
    expect(page).to_have_url(f"{live_server.url}/az/accounts/login")
    expect(page.locator("html")).to_have_attribute("lang", "az")


def test_pages_have_no_serious_accessibility_violations(live_server, new_context):
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    # Playwright's evaluate() is not subject to the page's CSP, so axe-core runs on the pages
    # exactly as they are served (no bypass_csp needed).
    page = new_context().new_page()
    failures = []
    for lang in LANGS:
        for path in PAGES.values():
            url = live_server.url + path.format(lang=lang)
            response = page.goto(url)
            assert response is not None and response.ok, f"{url} answered {response}"
            results = axe.run(page)
            blocking = [v for v in results.response["violations"]
                        if v.get("impact") in BLOCKING_IMPACTS]
            if blocking:
                failures.append(format_violations(url, blocking))
    assert not failures, "axe-core found serious or critical violations:\n" + "\n".join(failures)


@pytest.mark.parametrize("width", [375, 1280])
def test_screenshots(live_server, new_context, screenshots_dir, width):
    page = new_context(viewport={"width": width, "height": 800}).new_page()
    for lang in LANGS:
        for name, path in PAGES.items():
            response = page.goto(live_server.url + path.format(lang=lang))
            assert response is not None and response.ok
            # Nothing may stick out sideways on a phone.
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            page.screenshot(path=screenshots_dir / f"{name}-{lang}-{width}.png", full_page=True)
            assert overflow <= 0, f"{name} ({lang}) is {overflow}px wider than a {width}px screen"


def test_pages_load_cleanly(live_server, page):
    """Every resource loads and the console stays quiet (CSP refusals are console errors)."""
    problems = []
    # ERR_ABORTED: the next navigation cancelled a late request (the favicon), not a failure.
    page.on("requestfailed", lambda request: problems.append(
        f"{request.failure}: {request.url}") if request.failure != "net::ERR_ABORTED" else None)
    page.on("response", lambda response: problems.append(f"{response.status}: {response.url}")
            if response.status >= 400 else None)
    page.on("console", lambda message: problems.append(f"console: {message.text}")
            if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    for lang in LANGS:
        for path in PAGES.values():
            page.goto(live_server.url + path.format(lang=lang))
            page.wait_for_load_state("load")
    assert not problems, "\n".join(problems)
