"""Reading uploaded CSV and XLSX tables: one place for size, format and header checks, so
every import refuses a bad file the same way (with a translated reason)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from flask_babel import lazy_gettext as _l


class TableError(Exception):
    """The file as a whole cannot be read as the expected table."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def read_table(filename: str, content: bytes, *, required, allowed, max_bytes: int,
               max_rows: int) -> list[dict]:
    """Rows of a CSV or XLSX file as dicts keyed by lower-case header (blank rows dropped).
    Raises :class:`TableError` for anything that is not a usable table."""
    if len(content) > max_bytes:
        raise TableError(_l("The file is larger than %(size)s MB.",
                            size=round(max_bytes / 1024 / 1024)))
    if not content.strip():
        raise TableError(_l("The file is empty."))
    suffix = Path(filename or "").suffix.lower()
    if suffix == ".csv":
        table = _csv_rows(content)
    elif suffix == ".xlsx":
        table = _xlsx_rows(content)
    else:
        raise TableError(_l("Upload a CSV or XLSX file."))
    if not table:
        raise TableError(_l("The file is empty."))
    headers = [str(h or "").strip().lower() for h in table[0]]
    missing = [c for c in required if c not in headers]
    unknown = [h for h in headers if h and h not in allowed]
    if missing or unknown:
        raise TableError(_l(
            "The columns are not the expected ones. Missing: %(missing)s. Unknown: "
            "%(unknown)s. Expected: %(expected)s.", missing=", ".join(missing) or "—",
            unknown=", ".join(unknown) or "—", expected=", ".join(allowed)))
    rows = []
    for values in table[1:]:
        if not any(str(v if v is not None else "").strip() for v in values):
            continue
        rows.append({h: str(v if v is not None else "").strip()
                     for h, v in zip(headers, values, strict=False) if h})
    if not rows:
        raise TableError(_l("The file has a header but no rows."))
    if len(rows) > max_rows:
        raise TableError(_l("The file has more than %(rows)d rows.", rows=max_rows))
    return rows


def _csv_rows(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TableError(_l("The CSV file is not UTF-8 text.")) from error
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return list(csv.reader(io.StringIO(text), dialect))


def _xlsx_rows(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise TableError(_l("The XLSX file cannot be read.")) from error
    rows = [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]
    workbook.close()
    return rows


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
