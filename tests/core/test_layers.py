"""Issue 14: the domain graph is one-way, declared in pyproject.toml and checked."""

import subprocess
import sys
from pathlib import Path

from m4eg.core.sections import register_section

ROOT = Path(__file__).resolve().parents[2]


def test_the_import_contracts_of_the_domain_graph_are_kept():
    """`make lint` runs lint-imports: layers (core lowest, figures/api/main/cli on top) and,
    for each domain, no import of another domain's models, views, forms or policies."""
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(  # noqa: S603 - a fixed command
        [str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
        timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_importing_a_domain_service_loads_no_routes_and_no_policies():
    """Another domain (or a script) importing ``plans.services`` gets the rules only: views and
    policies are loaded by ``init_app`` when the app is built, not by import order."""
    code = ("import sys, m4eg.plans.services, m4eg.figures.services, m4eg.courses.services,"
            " m4eg.workshops.services\n"
            "print(sorted(m for m in sys.modules if m.startswith('m4eg.') and\n"
            "      m.rsplit('.', 1)[-1] in ('views', 'policies')))")
    result = subprocess.run(  # noqa: S603 - a fixed command
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
        check=True)
    assert result.stdout.strip() == "[]"


def test_the_member_page_shows_the_sections_other_domains_register(app, client, roster):
    """The member page lists the sections registered by portfolios, plans and courses, in
    their order, each once, plus a section any other domain registers on the app."""
    register_section(app, "member", "extra", lambda m: f"<h2>Extra for {m.slug}</h2>",
                     order=40)
    page = client.get("/en/municipalities/urva").get_data(as_text=True)
    headings = ["Deep demonstrator", "P4EG plan", "Urban Learning Center", "Extra for urva"]
    positions = [page.index(f"{heading}</h2>") for heading in headings]
    assert positions == sorted(positions)
    assert all(page.count(f"{heading}</h2>") == 1 for heading in headings)
