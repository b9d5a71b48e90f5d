"""Fixtures for the browser tests: a live server in a thread and Debian's Chromium.

Playwright never downloads a browser here: it drives /usr/bin/chromium (``.ci/run`` installs
the ``chromium`` package). Without it, every browser test is skipped.
"""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from m4eg.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# Belt and braces: nothing in these tests may make Playwright fetch a browser.
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session; every test opens its own context."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed: .ci/run installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def live_server(make_app):
    """The app, with CSRF protection on and the demo data loaded, on 127.0.0.1:<free port>."""
    from m4eg.accounts.services import DEMO_PASSWORD, ensure_demo_users
    from m4eg.municipalities.services import ensure_demo_municipalities

    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.drop_all()
        db.create_all()
        ensure_demo_users(ensure_demo_municipalities())
        db.session.commit()
        db.session.remove()

    # Port 0: the kernel picks a free port, so two runs never race for one.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(
            app=app,
            url=f"http://127.0.0.1:{server.server_port}",
            demo_password=DEMO_PASSWORD,
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


@pytest.fixture
def new_context(browser):
    """Open browser contexts (closed at the end of the test); keyword arguments pass through."""
    contexts = []

    def new(**kwargs):
        kwargs.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(**kwargs)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context

    yield new
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()


@pytest.fixture(scope="session")
def screenshots_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def log_in(page, live_server, email: str, lang: str = "az"):
    """Sign ``page`` in through the login form as ``email`` (the demo password) and wait until
    the form is left behind; returns the page."""
    from playwright.sync_api import expect

    page.goto(f"{live_server.url}/{lang}/accounts/login")
    main = page.get_by_role("main")
    main.locator("input[name='email']").fill(email)
    main.locator("input[name='password']").fill(live_server.demo_password)
    main.locator("form button[type='submit']").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login"))
    return page


def format_violations(url: str, violations: list[dict]) -> str:
    """axe-core's violations on ``url``, one line per rule and one per offending element."""
    lines = [url]
    for violation in violations:
        lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']} "
                     f"({violation['helpUrl']})")
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node["target"])
            lines.append(f"      {target}: {node.get('failureSummary', '')!s}".replace("\n", " "))
    return "\n".join(lines)
