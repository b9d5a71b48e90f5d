"""The table reader refuses spreadsheet bombs by bounds on its work, not by luck: declared
dimensions, unpacked sizes and rows are checked before the work they would cause."""

import io
import re
import zipfile

import pytest
from openpyxl import Workbook

from m4eg.core import tables

COLUMNS = ("area", "indicator", "value", "year")


def _read(filename, content, max_rows=10):
    return tables.read_table(filename, content, required=COLUMNS, allowed=COLUMNS,
                             max_bytes=5 * 1024 * 1024, max_rows=max_rows)


def _xlsx(rows=(("AZ-036", "1", "2", "2023"),), sheet=None, extra=None):
    """An XLSX made by openpyxl, its sheet XML passed through ``sheet`` and ``extra`` parts
    added, all in memory."""
    workbook = Workbook()
    workbook.active.append(COLUMNS)
    for row in rows:
        workbook.active.append(row)
    plain = io.BytesIO()
    workbook.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml" and sheet:
                data = sheet(data.decode()).encode()
            target.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def _dimension(ref):
    return lambda xml: re.sub(r'<dimension ref="[^"]*" ?/>',
                              f'<dimension ref="{ref}"/>' if ref else "", xml)


def test_a_sheet_declaring_sixteen_thousand_columns_is_refused_before_reading(app):
    bomb = _xlsx(sheet=_dimension("A1:XFD5000"))
    assert len(bomb) < 10_000
    with app.test_request_context("/en/"), pytest.raises(tables.TableError) as refused:
        _read("bomb.xlsx", bomb)
    assert "The sheet is wider than 50 columns." in refused.value.message


def test_an_unsized_sheet_with_far_away_cells_yields_only_the_capped_rows_and_columns(app):
    far = _dimension(None)  # no dimension: openpyxl would pad every row to the last cell
    bomb = _xlsx(sheet=lambda xml: far(xml).replace(
        "</sheetData>", '<row r="1000000"><c r="XFD1000000" t="inlineStr"><is><t>x</t></is>'
                        "</c></row></sheetData>"))
    with app.test_request_context("/en/"):
        rows = list(tables._xlsx_rows(bomb, max_rows=10))
    assert len(rows) <= 21  # the header, 10 rows and as many blank ones
    assert max(len(row) for row in rows) <= tables.MAX_COLUMNS


def test_a_sheet_declaring_more_rows_than_allowed_is_refused_before_reading(app):
    many = _xlsx(rows=[("AZ-036", "1", str(n), "2023") for n in range(300)])
    with app.test_request_context("/en/"), pytest.raises(tables.TableError) as refused:
        _read("many.xlsx", many)
    assert refused.value.message == "The file has more than 10 rows."
    # Without its dimension the sheet is read only up to the cap, then refused all the same.
    unsized = _xlsx(rows=[("AZ-036", "1", str(n), "2023") for n in range(300)],
                    sheet=_dimension(None))
    with app.test_request_context("/en/"):
        assert len(list(tables._xlsx_rows(unsized, max_rows=10))) == 21
        with pytest.raises(tables.TableError) as refused:
            _read("many.xlsx", unsized)
    assert refused.value.message == "The file has more than 10 rows."


def test_a_csv_with_too_many_rows_is_read_only_up_to_the_cap(app):
    content = ("area,indicator,value,year\n" + "AZ-036,1,2,2023\n" * 5000).encode()
    yielded = []
    with app.test_request_context("/en/"), pytest.raises(tables.TableError) as refused:
        for row in tables._csv_rows(content, max_rows=10):
            yielded.append(row)
    assert len(yielded) == 21 and refused.value.message == "The file has more than 10 rows."


def test_a_zip_bomb_is_refused_from_its_directory_without_unpacking(app):
    huge = "a" * (tables.MAX_UNPACKED_BYTES + 1)
    bomb = _xlsx(extra={"xl/sharedStrings.xml": '<sst xmlns="http://schemas.openxmlformats.org/'
                        f'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>{huge}'
                        "</t></si></sst>"})
    assert len(bomb) < 200_000
    with app.test_request_context("/en/"), pytest.raises(tables.TableError) as refused:
        _read("bomb.xlsx", bomb)
    assert refused.value.message == "The XLSX file unpacks to more than 32 MB."
    # The same bomb as one inline cell of the sheet itself.
    inline = _xlsx(sheet=lambda xml: xml.replace("<t>AZ-036</t>", f"<t>{huge}</t>"))
    with app.test_request_context("/en/"), pytest.raises(tables.TableError) as refused:
        _read("bomb.xlsx", inline)
    assert refused.value.message == "The XLSX file unpacks to more than 32 MB."


def test_oversized_cells_are_refused_not_echoed(app):
    with app.test_request_context("/en/"):
        for content in ("area,indicator,value,year\nAZ-036,1," + "9" * 20_000 + ",2023\n",
                        "area,indicator,value,year\nAZ-036,1," + "9" * 200_000 + ",2023\n"):
            with pytest.raises(tables.TableError) as refused:
                _read("big.csv", content.encode())
            assert "9" * 100 not in refused.value.message
        long_cell = _xlsx(rows=[("AZ-036", "1", "9" * 20_000, "2023")])
        with pytest.raises(tables.TableError) as refused:
            _read("big.xlsx", long_cell)
    assert refused.value.message == "A cell holds more than 10000 characters."


def test_nul_bytes_are_refused(app):
    nul = "The file contains a NUL character (code 0)."
    with app.test_request_context("/en/"):
        with pytest.raises(tables.TableError) as refused:
            _read("nul.csv", b"area,indicator,value,year\nAZ-0\x0036,1,2,2023\n")
        assert refused.value.message.startswith(nul)
        utf16 = "area,indicator,value,year\nAZ-036,1,2,2023\n".encode("utf-16-le")
        with pytest.raises(tables.TableError) as refused:
            _read("utf16.csv", utf16)
        assert refused.value.message.startswith(nul)
        # XML cannot hold a NUL: a sheet that writes one is refused as unreadable.
        written = _xlsx(sheet=lambda xml: xml.replace("<t>AZ-036</t>", "<t>AZ&#0;036</t>"))
        with pytest.raises(tables.TableError) as refused:
            _read("nul.xlsx", written)
        assert refused.value.message == "The XLSX file cannot be read."


def test_unknown_headers_are_quoted_short(app):
    header = ",".join([*COLUMNS, "h" * 500, *(f"extra{n}" for n in range(20))])
    with app.test_request_context("/en/"), pytest.raises(tables.TableError) as refused:
        _read("wide.csv", f"{header}\nAZ-036,1,2,2023\n".encode())
    assert "h" * 40 + "…" in refused.value.message and "h" * 41 not in refused.value.message
    assert "extra3, …" in refused.value.message and "extra4" not in refused.value.message
    assert len(refused.value.message) < 400


def test_a_plain_table_still_reads(app):
    with app.test_request_context("/en/"):
        assert _read("v.xlsx", _xlsx()) == [
            {"area": "AZ-036", "indicator": "1", "value": "2", "year": "2023"}]
        assert _read("v.csv", b"area;indicator;value;year\n\nAZ-036;1;2;2023\n") == [
            {"area": "AZ-036", "indicator": "1", "value": "2", "year": "2023"}]
