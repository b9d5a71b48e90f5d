"""Reading the Azerbaijani texts of a content file (course front matter, quizzes, templates)."""

from __future__ import annotations


def az_texts(node):
    """Every ``az`` text of a parsed YAML document, in document order."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "az" and isinstance(value, str):
                yield value
            else:
                yield from az_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from az_texts(item)
