"""Markdown rendering: what people type renders as before, and no text can stall a page."""

import pytest

from m4eg.core.markdown import render_markdown, render_plan_text
from tests.hang import completes

# 20,000 characters is the longest text a plan field accepts (plans.services.TEXT_MAX). The
# old parser needed 8.6 s for 5,000 ``[`` and minutes for these, on every view of the plan.
ADVERSARIAL = {
    "brackets": "[" * 20000,
    "stars": "*" * 20000,
    "nested quotes": "> " * 5000,
    "open links": "[a](" * 5000,
    "images": "![" * 10000,
    "star words": "*a" * 10000,
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_adversarial_text_renders(text):
    html = completes(lambda: render_plan_text(text))
    assert html.startswith("<")  # it rendered something rather than failing


def test_typed_line_breaks_are_kept_in_plan_text_only():
    assert render_plan_text("Birinci sətir\nikinci sətir").strip() == (
        "<p>Birinci sətir<br>\nikinci sətir</p>")
    assert "<br>" not in render_markdown("wrapped\nline")


def test_course_structures_still_render():
    html = render_markdown(
        "## Title\n\nSome *emphasis* and **strong** [a link](/en/courses/x).\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n"
        "| Method | Reach |\n|---|---|\n| Survey | wide |\n")
    for fragment in ("<h2>Title</h2>", "<em>emphasis</em>", "<strong>strong</strong>",
                     '<a href="/en/courses/x" rel="noopener noreferrer">a link</a>',
                     "<ul>\n<li>one</li>", "<ol>\n<li>first</li>", "<th>Method</th>",
                     "<td>Survey</td>"):
        assert fragment in html


def test_unsafe_links_and_raw_html_never_reach_the_page():
    html = render_plan_text("[x](javascript:alert(1)) <img src=x onerror=alert(1)> "
                            "[y](data:text/html,hi)")
    assert "<img" not in html and "href" not in html and "javascript:" not in html


def test_raw_html_is_stripped_as_course_files_expect():
    assert render_markdown("<b>kept text</b> <script>alert(1)</script>").strip() == (
        "<p>kept text </p>")


def test_nested_brackets_are_read_as_text_and_links_still_work():
    html = render_plan_text("[" * 20000)
    assert html.count("[") == 20000  # every bracket typed is on the page, none lost
    linked = render_plan_text("See [the report](https://example.org/r) [[draft]] \\[x]")
    assert '<a href="https://example.org/r" rel="noopener noreferrer">the report</a>' in linked
    assert "[[draft]]" in linked and "[x]" in linked


def test_a_text_viewed_again_is_not_parsed_again():
    from m4eg.core.markdown import _render

    text = "[a](" * 5000
    render_plan_text(text)
    hits = _render.cache_info().hits
    assert render_plan_text(text) == render_plan_text(text)
    assert _render.cache_info().hits == hits + 2
