"""Reading uploaded CSV and XLSX tables: one place for size, format and header checks, so
every import refuses a bad file the same way (with a translated reason).

Every bound is checked before the work it limits: an XLSX file is a zip, so the sizes its
directory declares are read before anything is unpacked; its sheet is read in openpyxl's
streaming mode with a fixed number of columns and rows, whatever dimension it declares.
Messages are translated eagerly (``gettext``) so that text taken from the file is escaped
when shown: a lazy string is trusted as HTML by Jinja.
"""

from __future__ import annotations

import csv
import io
import zipfile
from contextlib import closing
from pathlib import Path

from flask_babel import gettext as _

from .errors import DomainError

MAX_COLUMNS = 50  # no import has more than 13 columns; wider sheets are refused
MAX_UNPACKED_BYTES = 32 * 1024 * 1024  # 50,000 rows of five columns unpack to ~16 MB
MAX_CELL_CHARS = 10_000
SHOWN_CHARS = 80


class TableError(DomainError):
    """The file as a whole cannot be read as the expected table."""


def shown(value, limit: int = SHOWN_CHARS) -> str:
    """``value`` as text fit to quote back in a message: at most ``limit`` characters."""
    text = str(value if value is not None else "")
    return text if len(text) <= limit else text[:limit] + "…"


def read_table(filename: str, content: bytes, *, required, allowed, max_bytes: int,
               max_rows: int) -> list[dict]:
    """Rows of a CSV or XLSX file as dicts keyed by lower-case header (blank rows dropped).
    Raises :class:`TableError` for anything that is not a usable table."""
    if len(content) > max_bytes:
        raise TableError(_("The file is larger than %(size)s MB.",
                           size=round(max_bytes / 1024 / 1024)))
    if not content.strip():
        raise TableError(_("The file is empty."))
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".csv":
        table = _csv_rows(content, max_rows)
    elif suffix == ".xlsx":
        table = _xlsx_rows(content, max_rows)
    else:
        raise TableError(_("Upload a CSV or XLSX file."))
    with closing(table):
        headers, rows = _rows(table, required, allowed, max_rows)
    if headers is None:
        raise TableError(_("The file is empty."))
    if not rows:
        raise TableError(_("The file has a header but no rows."))
    return rows


def _rows(table, required, allowed, max_rows: int):
    headers, rows = None, []
    for values in table:
        cells = [_cell(v) for v in values[:MAX_COLUMNS]]
        if headers is None:
            headers = [c.lower() for c in cells]
            _check_headers(headers, required, allowed)
            continue
        if not any(cells):
            continue
        if len(rows) == max_rows:
            raise _too_many_rows(max_rows)
        rows.append({h: v for h, v in zip(headers, cells, strict=False) if h})
    return headers, rows


def _cell(value) -> str:
    text = str(value if value is not None else "").strip()
    if "\x00" in text:  # PostgreSQL cannot store it, and no real table has one
        raise TableError(_("The file contains a NUL character (code 0). Save it again as a "
                           "UTF-8 CSV or an XLSX file."))
    if len(text) > MAX_CELL_CHARS:
        raise TableError(_("A cell holds more than %(chars)d characters.",
                           chars=MAX_CELL_CHARS))
    return text


def _check_headers(headers, required, allowed) -> None:
    missing = [c for c in required if c not in headers]
    unknown = [shown(h, 40) for h in headers if h and h not in allowed]
    if missing or unknown:
        if len(unknown) > 5:
            unknown = [*unknown[:5], "…"]
        raise TableError(_(
            "The columns are not the expected ones. Missing: %(missing)s. Unknown: "
            "%(unknown)s. Expected: %(expected)s.", missing=", ".join(missing) or "—",
            unknown=", ".join(unknown) or "—", expected=", ".join(allowed)))


def _row_limit(max_rows: int) -> int:
    """Rows read at most: the header, the rows allowed and as many blank rows again. Past
    that the file is refused without reading the rest."""
    return 2 * max_rows + 1


def _too_many_rows(max_rows: int) -> TableError:
    return TableError(_("The file has more than %(rows)d rows.", rows=max_rows))


def _csv_rows(content: bytes, max_rows: int):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TableError(_("The CSV file is not UTF-8 text.")) from error
    if "\x00" in text:  # csv refuses it mid-file; a UTF-16 file is full of them
        raise TableError(_("The file contains a NUL character (code 0). Save it again as a "
                           "UTF-8 CSV or an XLSX file."))
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        for number, row in enumerate(reader, start=1):
            if number > _row_limit(max_rows):
                raise _too_many_rows(max_rows)
            yield row
    except csv.Error as error:  # a field over csv's limit (128 KB), a stray quote…
        raise TableError(_("The CSV file cannot be read: a quote is not closed or a cell is "
                           "far too long.")) from error


def _xlsx_rows(content: bytes, max_rows: int):
    from openpyxl import load_workbook

    _check_zip(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise TableError(_("The XLSX file cannot be read.")) from error
    try:
        sheet = workbook.worksheets[0]
        if (sheet.max_column or 0) > MAX_COLUMNS:
            raise TableError(_("The sheet is wider than %(columns)d columns.",
                               columns=MAX_COLUMNS))
        if (sheet.max_row or 0) > _row_limit(max_rows):
            raise _too_many_rows(max_rows)
        # Both bounds given: openpyxl would otherwise pad every row to the declared width.
        yield from sheet.iter_rows(max_col=MAX_COLUMNS, max_row=_row_limit(max_rows),
                                   values_only=True)
    except TableError:
        raise
    except Exception as error:
        raise TableError(_("The XLSX file cannot be read.")) from error
    finally:
        workbook.close()


def _check_zip(content: bytes) -> None:
    """Refuse an XLSX whose parts unpack to more than :data:`MAX_UNPACKED_BYTES` (a zip
    bomb), from the sizes in its directory; zipfile never unpacks more than declared."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise TableError(_("The XLSX file cannot be read.")) from error
    if unpacked > MAX_UNPACKED_BYTES:
        raise TableError(_("The XLSX file unpacks to more than %(size)d MB.",
                           size=MAX_UNPACKED_BYTES // 1024 // 1024))


def check_workbook(filename: str, content: bytes, *, max_bytes: int) -> None:
    """Refuse, before openpyxl opens it, an uploaded workbook that is too large, empty, not
    an ``.xlsx`` file, a zip bomb or one that carries macros (an ``.xlsm`` file, or a
    ``vbaProject.bin`` part whatever the file is called). Raises :class:`TableError`."""
    if len(content) > max_bytes:
        raise TableError(_("The file is larger than %(size)s MB.",
                           size=round(max_bytes / 1024 / 1024)))
    if not content.strip():
        raise TableError(_("The file is empty."))
    suffix = Path(filename or "").suffix.lower()
    if suffix in {".xlsm", ".xlsb", ".xltm"}:
        raise TableError(_("Workbooks with macros are not accepted. Save the workbook as an "
                           "Excel workbook (.xlsx) and upload it again."))
    if suffix != ".xlsx":
        raise TableError(_("Upload an XLSX file."))
    _check_zip(content)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        names = [name.lower() for name in archive.namelist()]
    if any(name.endswith("vbaproject.bin") for name in names):
        raise TableError(_("Workbooks with macros are not accepted. Save the workbook as an "
                           "Excel workbook (.xlsx) and upload it again."))


def stash_upload(folder: Path, filename: str, content: bytes) -> str:
    """Keep an uploaded file between the dry run and the confirmation; returns its token
    (the content's SHA-256, so the same file always gets the same token)."""
    import hashlib

    token = hashlib.sha256(content).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{token}{Path(filename).suffix.lower()}").write_bytes(content)
    return token


def stashed_upload(folder: Path, token: str) -> Path | None:
    """The file stashed under ``token`` (a 64-character hex string), or None."""
    if len(token or "") != 64 or any(c not in "0123456789abcdef" for c in token):
        return None
    return next(iter(sorted(folder.glob(f"{token}.*"))), None) if folder.is_dir() else None
