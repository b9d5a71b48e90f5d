"""Page weight: what each page costs a first-time visitor, per role (run by hand).

    .venv/bin/python bench/pageweight.py http://127.0.0.1:5000

opens each page below in a fresh browser context (empty cache) as each role (demo data, demo
password) and sums the compressed bytes of the HTML and of everything it loads: CSS,
JavaScript, fonts, images (Resource Timing's encodedBodySize). Prints a Markdown table for
bench/RESULTS.md. The budget is 150 KB a page.
"""

from __future__ import annotations

import sys

from playwright.sync_api import sync_playwright

PASSWORD = "m4eg-demo-2026"
ROLES = {"anonymous": None, "staff": "staff@example.org", "focal point": "focal@example.org",
         "coordinator": "coordinator@example.org"}
PAGES = ["/az/", "/az/municipalities/", "/az/municipalities/khirdalan", "/az/figures/",
         "/az/portfolios/", "/az/courses/",
         "/az/courses/foresight-for-municipalities/what-is-foresight",
         "/az/courses/foresight-for-municipalities/quiz", "/az/workshops/", "/az/readiness/",
         "/az/plans/1", "/az/portfolios/board", "/en/municipalities/"]
WEIGHT = """() => performance.getEntriesByType("navigation")
  .concat(performance.getEntriesByType("resource"))
  .map((e) => [e.name, e.encodedBodySize || 0])"""


def main(base: str) -> None:
    print("| role | page | KB | files |")
    print("|---|---|---:|---:|")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu"])
        for role, email in ROLES.items():
            for path in PAGES:
                context = browser.new_context(viewport={"width": 390, "height": 844})
                page = context.new_page()
                if email:
                    page.goto(f"{base}/en/accounts/login")
                    page.fill("main input[name=email]", email)
                    page.fill("main input[name=password]", PASSWORD)
                    page.click("main form button[type=submit]")
                    page.wait_for_load_state()
                    page.close()
                    # A new page in the same context still has the login page's files in
                    # its cache; a new context with the session cookie has none.
                    cookies = context.cookies()
                    context.close()
                    context = browser.new_context(viewport={"width": 390, "height": 844})
                    context.add_cookies(cookies)
                    page = context.new_page()
                response = page.goto(base + path)
                if response is None or not response.ok or page.url != base + path:
                    context.close()
                    continue
                entries = page.evaluate(WEIGHT)
                total = sum(size for _name, size in entries)
                print(f"| {role} | {path} | {total / 1024:.1f} | {len(entries)} |")
                context.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"))
