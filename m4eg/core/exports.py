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
        mimetype="text/csv; charset=utf-8",
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
