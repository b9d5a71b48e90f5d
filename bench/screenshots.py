"""Screenshots of the main pages for docs/screenshots/ (run by hand against a running server).

    .venv/bin/python bench/screenshots.py http://127.0.0.1:5000 docs/screenshots after

takes the home, directory, member page, figures, a lesson, the quiz, the plan page and the
board in az and en at 390 and 1280 px (each page as the role that uses it; demo data and the
demo password), full page up to 3000 px high, as ``<out>/<label>-<page>-<lang>-<width>.png``,
reduced to a 64-colour palette so that they stay small in the repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

PASSWORD = "m4eg-demo-2026"
WIDTHS = (390, 1280)
LANGS = ("az", "en")
# name -> (role e-mail or None for a visitor, path)
PAGES = {
    "home": (None, "/{lang}/"),
    "directory": (None, "/{lang}/municipalities/"),
    "member": (None, "/{lang}/municipalities/khirdalan"),
    "figures": (None, "/{lang}/figures/"),
    "lesson": ("staff@example.org",
               "/{lang}/courses/foresight-for-municipalities/what-is-foresight"),
    "quiz": ("staff@example.org", "/{lang}/courses/foresight-for-municipalities/quiz"),
    "plan": ("focal@example.org", "/{lang}/plans/1"),
    "board": ("coordinator@example.org", "/{lang}/portfolios/board"),
}


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/en/accounts/login")
    main = page.locator("main")
    main.locator("input[name='email']").fill(email)
    main.locator("input[name='password']").fill(PASSWORD)
    main.locator("form button[type='submit']").click()
    page.wait_for_load_state()


def shrink(path: Path, max_height: int = 3000) -> None:
    """Cut a very long page at ``max_height`` and store it with a 64-colour palette."""
    image = Image.open(path).convert("RGB")
    if image.height > max_height:
        image = image.crop((0, 0, image.width, max_height))
    image.quantize(colors=64, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main(base: str, out: Path, label: str) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                             args=["--no-sandbox", "--disable-gpu"])
        contexts = {}
        for width in WIDTHS:
            for role in {role for role, _ in PAGES.values()}:
                context = browser.new_context(viewport={"width": width, "height": 844})
                if role:
                    log_in(context.new_page(), base, role)
                contexts[width, role] = context
        for width in WIDTHS:
            for name, (role, path) in PAGES.items():
                page = contexts[width, role].new_page()
                for lang in LANGS:
                    page.goto(base + path.format(lang=lang))
                    if name == "lesson" or name == "quiz":
                        # Enrol first when the course asks for it.
                        enrol = page.locator("main form[action$='/enrol'] button")
                        if enrol.count():
                            enrol.first.click()
                            page.goto(base + path.format(lang=lang))
                    target = out / f"{label}-{name}-{lang}-{width}.png"
                    page.screenshot(path=str(target), full_page=True)
                    shrink(target)
                page.close()
        browser.close()


if __name__ == "__main__":
    main(sys.argv[1].rstrip("/"), Path(sys.argv[2]), sys.argv[3])
