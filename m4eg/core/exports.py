"""CSV and XLSX downloads, with spreadsheet formulas neutralised.

A cell that starts with = + - @ (or a tab or carriage return) would be run as a formula by
Excel or LibreOffice; such cells get a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io

from flask import Response

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_response(rows, filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([escape_cell(value) for value in row])
    return Response(
        "\ufeff" + buffer.getvalue(),  # the BOM makes Excel read UTF-8 (ə, ş, ğ) correctly
        mimetype="text/csv",  # Flask adds "; charset=utf-8" to a text/* mimetype
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def xlsx_response(rows, filename: str, sheet_title: str = "Data") -> Response:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title[:31])
    for row in rows:
        sheet.append([escape_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(
        buffer.getvalue(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def table_response(rows, fmt: str, basename: str, sheet_title: str = "Data") -> Response:
    """A table as the download the reader chose: ``fmt`` is ``csv`` or ``xlsx`` (routes take it
    from ``<any(csv, xlsx):fmt>``); ``basename`` is the file name without its extension."""
    if fmt == "csv":
        return csv_response(rows, f"{basename}.csv")
    if fmt == "xlsx":
        return xlsx_response(rows, f"{basename}.xlsx", sheet_title=sheet_title)
    raise ValueError(f"no export format {fmt!r}")
