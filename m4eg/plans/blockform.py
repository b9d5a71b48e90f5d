"""The block form's field names, in one place: the editor page builds its inputs with them,
the rules read a submitted form with them, and the tests and the bench write form data with
them.

A block's form is built from its template definition, not declared as a WTForms class (its
fields, tables and columns come from a YAML file, and a table has as many rows as the person
adds), so its naming is written here by hand:

- a plain field (text, number, choice): ``f-<field>``;
- a table: ``rows-<field>`` holds how many rows the page offered, and each cell is
  ``t-<field>-<row>-<column>`` (rows counted from 0 among those offered);
- a problem found in a cell is reported under :func:`cell_key`, ``<field>-<row>-<column>``
  (rows counted among the non-empty ones, the rows :func:`typed_rows` returns).
"""

from __future__ import annotations

from ..core.params import to_int

VERSION = "version"
# More rows than any page offers: a forged count cannot make the server read millions.
MAX_ROWS = 500


def field_name(field_key: str) -> str:
    """The input of a plain field."""
    return f"f-{field_key}"


def rows_name(field_key: str) -> str:
    """The hidden input that tells how many rows a table's form offered."""
    return f"rows-{field_key}"


def cell_name(field_key: str, row: int, column_key: str) -> str:
    """The input of one table cell (``row`` counted from 0 among the rows offered)."""
    return f"t-{field_key}-{row}-{column_key}"


def cell_key(field_key: str, row: int, column_key: str) -> str:
    """The key of one table cell's problems (rows counted among the non-empty ones)."""
    return f"{field_key}-{row}-{column_key}"


def typed_value(field: dict, values) -> str:
    """A plain field's value as submitted (``values`` is a MultiDict-like ``get``)."""
    return values.get(field_name(field["key"]), "")


def typed_rows(field: dict, values) -> list[dict]:
    """A table's rows as typed, empty rows left out (the same rows, in the same order, that
    the parser reads, so that a problem's row number points at the right row)."""
    rows = []
    count = to_int(values.get(rows_name(field["key"])), default=0, maximum=MAX_ROWS)
    for index in range(count):
        cells = {c["key"]: str(values.get(cell_name(field["key"], index, c["key"]), ""))
                 for c in field["columns"]}
        if any(v.strip() for v in cells.values()):
            rows.append(cells)
    return rows


def typed(block: dict, values) -> dict:
    """The block's values exactly as the person typed them, to show again after an error."""
    return {field["key"]: typed_rows(field, values) if field["type"] == "table"
            else typed_value(field, values) for field in block["fields"]}


def encode(block: dict, values: dict, version: int | None = None) -> dict[str, str]:
    """Form data that submits ``values`` (plain fields by key, tables as lists of row dicts
    by column key) for ``block``, as a browser would send the editor page."""
    data = {} if version is None else {VERSION: str(version)}
    for field in block["fields"]:
        value = values.get(field["key"])
        if field["type"] == "table":
            data[rows_name(field["key"])] = str(len(value or []))
            for index, row in enumerate(value or []):
                for column_key, cell in row.items():
                    data[cell_name(field["key"], index, column_key)] = cell
        elif value is not None:
            data[field_name(field["key"])] = value
    return data
