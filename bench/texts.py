"""Time the text work that once stalled pages: Markdown of adversarial plan text and the
revision diff of long texts (run by hand; the tests check what these produce, not how fast).

    python bench/texts.py

Prints, per case, the best of three runs in milliseconds. The Markdown inputs are the tests'
(tests/core/test_markdown.py): 20,000 characters, the longest a plan field accepts; the old
parser needed 8.6 s for 5,000 ``[``. The diffs compare 2,000 and 3,000 lines of which every
third changed; ndiff needed about 30 s for the first (beyond 2,000 lines the text is shown
replaced whole, hence the second's few milliseconds).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def best_of_three(work) -> float:
    times = []
    for _ in range(3):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return min(times) * 1000


def main() -> int:
    os.environ.setdefault("M4EG_ENV", "development")
    from m4eg import create_app
    from m4eg.core import markdown
    from m4eg.extensions import db
    from m4eg.plans import services
    from tests.core.test_markdown import ADVERSARIAL

    for name, text in ADVERSARIAL.items():
        def render(text=text):
            markdown._render.cache_clear()  # each run parses: no cached result
            markdown.render_plan_text(text)
        print(f"markdown {name:>14}: {best_of_three(render):8.1f} ms")

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/texts.db"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            db.create_all()
            template = services.load_template(sorted(services.DATA.glob("p4eg-v*.yml"))[-1])[0]
            for lines in (2000, 3000):
                text = [f"Sətir {n}: turizm və sənətkarlıq mərkəzi" for n in range(lines)]
                edited = [line + (" (yeniləndi)" if n % 3 == 0 else "")
                          for n, line in enumerate(text)]
                old = {"vision": {"vision": "\n".join(text)}}
                new = {"vision": {"vision": "\n".join(edited)}}
                milliseconds = best_of_three(
                    lambda old=old, new=new: services.diff(template, old, new, "az"))
                print(f"diff {lines} lines       : {milliseconds:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
