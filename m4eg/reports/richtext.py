"""A note's Markdown for print (the PDF and the Word file): the page's sanitised HTML with
each link written out as "text (URL)" (paper has no links), and, for Word, that HTML walked
into paragraphs of bold / italic runs and list items.

The walk is the standard library's ``html.parser`` over HTML that ``nh3`` has already
limited to a few tags: python-docx has no HTML import, and a converter library for the six
tags we keep (p, ul, ol, li, strong/b, em/i, a, br) would be larger than this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import nh3

from ..core.markdown import render_plan_text

TAGS = {"p", "ul", "ol", "li", "strong", "b", "em", "i", "br"}


class _LinksWritten(HTMLParser):
    """The HTML again, each ``<a href=URL>text</a>`` as ``text (URL)``."""

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.out: list[str] = []
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")
        else:
            self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        if tag == "a":
            href = self.hrefs.pop() if self.hrefs else ""
            if href:
                self.out.append(f" ({nh3.clean_text(href)})")
        else:
            self.out.append(f"</{tag}>")

    def handle_data(self, data):
        self.out.append(data)

    def handle_entityref(self, name):
        self.out.append(f"&{name};")

    def handle_charref(self, name):
        self.out.append(f"&#{name};")


def printable_html(markdown_text: str) -> str:
    """The note as sanitised HTML of :data:`TAGS` only, its links written out."""
    parser = _LinksWritten()
    parser.feed(str(render_plan_text(markdown_text)))
    parser.close()
    return nh3.clean("".join(parser.out), tags=TAGS, attributes={})


@dataclass
class Block:
    """A paragraph or a list item: ``runs`` of (text, bold, italic); ``bullet`` is "" for a
    paragraph, "•" or "1." for a list item."""

    bullet: str = ""
    runs: list[tuple[str, bool, bool]] = field(default_factory=list)


class _Blocks(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.lists: list[list] = []  # ["ul" | "ol", items so far]
        self.bold = self.italic = 0
        self.current: Block | None = None

    def _block(self) -> Block:
        if self.current is None:
            self.current = Block()
            self.blocks.append(self.current)
        return self.current

    def handle_starttag(self, tag, attrs):
        if tag in ("ul", "ol"):
            self.lists.append([tag, 0])
            self.current = None
        elif tag == "li":
            kind = self.lists[-1] if self.lists else ["ul", 0]
            kind[1] += 1
            self.current = Block("•" if kind[0] == "ul" else f"{kind[1]}.")
            self.blocks.append(self.current)
        elif tag == "p":
            if not self.lists:
                self.current = None
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "br":
            self._block().runs.append(("\n", False, False))

    def handle_endtag(self, tag):
        if tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self.current = None
        elif tag in ("li", "p") and not self.lists:
            self.current = None
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)

    def handle_data(self, data):
        data = data.replace("\n", "")
        if not data or (self.current is None and not data.strip()):
            return
        self._block().runs.append((data, self.bold > 0, self.italic > 0))


def blocks(markdown_text: str) -> list[Block]:
    """The note as paragraphs and list items of styled runs (for the Word file)."""
    parser = _Blocks()
    parser.feed(printable_html(markdown_text))
    parser.close()
    return [block for block in parser.blocks if "".join(t for t, _b, _i in block.runs).strip()]
