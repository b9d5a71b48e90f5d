"""The offline workbook, both ways: a document built from a template's sections and fields
(a plan, a monitoring report) downloaded as an XLSX workbook, filled in offline and uploaded
back.

The module knows nothing of plans or reports: it works on a :class:`Subject` — what kind of
document, its id, its template's code and version, its sections (``key``, ``title``,
``intro``, ``fields``, each field as ``plans/data/FORMAT.md`` describes it, and optionally a
``grid``), its content and each section's version, and the document's own form rules: the
input name of a plain field and the reader of a section's submitted form (``parse``, which
returns the section's content and its problems per field). :func:`build` writes the
workbook; :func:`read` checks an uploaded one and reads every section with those rules, as
if the section's form had been sent; :func:`compare` sets what was read against the document
as it was downloaded and as it is now: what would change, field by field and table row by
table row, every error with its sheet and cell, and the fields changed online meanwhile
(theirs beside yours, never overwritten). Applying is the document's own business: for a
plan, :func:`plan_subject` and :func:`apply_to_plan` at the end of this module, which saves
each changed section through :func:`.drafting.save_block` (a new draft version, in the
plan's history, refused when the section was saved meanwhile); for a monitoring report,
:mod:`.monitoring_workbook`, which saves through :func:`.monitoring.save_report`.

The layout, one sheet per section:

- column A (hidden) carries a marker per row: ``s:<section>`` in A1, ``f:<field>`` for a plain
  field, ``t:``/``h:``/``r:<field>`` for a table's title, header and rows. The upload is read
  by these markers, not by position, so a sheet renamed or a row inserted reads the same;
- column B holds the prompt (the field's label in the workbook's language), C the value and D
  the help text; a table's columns start at B, one row per table row plus blank rows;
- a section with a ``grid`` (a monitoring report's actions and targets: a fixed row per
  action or target of the plan, not rows a person adds) is laid out as one table whose cells
  are the section's plain fields: ``h:grid`` marks the header, ``g:<row>`` each row; a cell
  is a field to fill in, a locked text about the row (the action's name, the planned
  budget) or locked and grey when it does not apply (money from a source the action does
  not have). Each cell is still a field of its own, so a change or a conflict is named
  field by field;
- prompts, headers and help are locked (the sheet is protected without a password: the point
  is to stop accidents, not people), the cells to fill in are not; choices are drop-downs
  (lists on the hidden sheet ``_lists``), numbers and dates are validated as such;
- a very hidden sheet ``_m4eg`` holds the format, the kind and id of the document, its
  template code and version, the workbook's language, each section's version, the content as
  downloaded (the base of the three-way comparison) and an HMAC-SHA256 checksum over all of
  it keyed by the app's secret: an edited hidden sheet, a workbook of another document or of
  another template version is refused as a whole.

Numbers: numeric cells are written and read as numbers; a number typed as text is read the
way the workbook's language writes numbers (``1.234,5`` or ``1 234,5`` in az, ``1,234.5`` in
en, :func:`m4eg.core.numbers.parse_number`) whatever the language of the page it is uploaded
on, with the same messages as the form. Formulas, macros, files over :data:`MAX_BYTES` and
zip bombs are refused (the archive checks are :func:`m4eg.core.tables.check_workbook`).

Dates typed as text are read as people type them: ``2026-03-15``, ``15.03.2026`` or with
the month's name in the workbook's language (``15 mart 2026``, ``15 March 2026``).
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from babel.numbers import get_decimal_symbol
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter, quote_sheetname

from ..core.audit import record
from ..core.errors import DomainError
from ..core.numbers import NumberInputError, format_number, parse_number
from ..core.tables import TableError, check_workbook, shown
from ..core.time import parse_typed_date, utcnow
from . import blockform
from .drafting import is_year, parse_block, save_block
from .errors import PlanError
from .models import EDITABLE

FORMAT = 1
MARK = "m4eg-workbook"
META_SHEET = "_m4eg"
LISTS_SHEET = "_lists"
MAX_BYTES = 5 * 1024 * 1024
MAX_SHEET_ROWS = 3000
MAX_SHEET_COLUMNS = 40
BLANK_ROWS = 20  # empty rows offered under each table
CHUNK = 30_000  # characters per cell of the base content (a cell holds at most 32,767)
VALUE_COLUMN = 3  # C
TABLE_START = 2  # B
LANGUAGES = ("az", "en")
# The kinds of document, as the refusal of another document's workbook names them.
KINDS = {"plan": _l("plan"), "report": _l("monitoring report")}


class WorkbookError(DomainError):
    """The uploaded file as a whole is refused (nothing is read from it)."""


@dataclass
class Subject:
    """A document made of a template's sections and fields, as the workbook mirrors it,
    with the version of each section (or one for the whole document) the upload is written
    on, and its form's rules: ``field_name(key)`` is a plain field's input name, and
    ``parse(section, values, lang)`` reads a section's inputs (labels in ``lang``) into its
    content and its problems (per field key, per table cell key)."""

    kind: str
    id: int
    template_code: str
    template_version: int
    title: str
    sections: list[dict]
    content: dict
    versions: dict[str, int]
    parse: Callable[[dict, dict, str], tuple[dict, dict]]
    field_name: Callable[[str], str]
    subtitle: str = ""


@dataclass
class Problem:
    """An error in the workbook: where (sheet title and cell, e.g. ``C7``) and why."""

    sheet: str
    cell: str
    message: str


@dataclass
class Reading:
    """What an uploaded workbook holds: per section the parsed content, and the base it
    was downloaded on (content and versions, from the hidden sheet)."""

    lang: str
    content: dict[str, dict]
    problems: list[Problem]
    base: dict
    base_versions: dict[str, int]
    downloaded_at: str
    sheets: dict[str, str] = field(default_factory=dict)
    # Per section the fields with an error: left out of the changes (a value not read is
    # not a deletion).
    invalid: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class FieldChange:
    """A field the upload would change (``before`` and ``after`` as lines of text; for a
    table ``rows`` lists each changed row) or, with ``conflict``, one changed online since the
    download as well: ``theirs`` (online now) beside ``after`` (the workbook's), not applied."""

    section: str
    field: str
    label: str
    before: list[str]
    after: list[str]
    rows: list[dict] = field(default_factory=list)
    conflict: bool = False
    theirs: list[str] = field(default_factory=list)
    value: object = None


@dataclass
class Preview:
    """The dry run: the changes, the conflicts and the errors. Writable when there is no
    error and at least one change."""

    changes: list[FieldChange]
    conflicts: list[FieldChange]
    problems: list[Problem]
    lang: str
    versions: dict[str, int]
    sections: dict[str, str]

    @property
    def writable(self) -> bool:
        return not self.problems and bool(self.changes)

    def changed_sections(self) -> list[str]:
        keys = []
        for change in self.changes:
            if change.section not in keys:
                keys.append(change.section)
        return keys


# ---------------------------------------------------------------- writing


def _sheet_titles(sections: list[dict], lang: str) -> dict[str, str]:
    """A unique sheet title per section: its number and title, cut to Excel's 31 characters
    and without the characters Excel refuses in a sheet name."""
    titles = {}
    for number, section in enumerate(sections, start=1):
        text = f"{number}. {section['title'][lang]}"
        for char in "[]:*?/\\":
            text = text.replace(char, " ")
        titles[section["key"]] = text[:31].strip()
    return titles


def _checksum(meta: dict) -> str:
    key = hashlib.sha256(b"m4eg-workbook\x00" +
                         str(current_app.config["SECRET_KEY"]).encode()).digest()
    message = json.dumps(meta, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def _meta(subject: Subject, lang: str) -> dict:
    return {"format": FORMAT, "kind": subject.kind, "id": subject.id,
            "template": subject.template_code, "template_version": subject.template_version,
            "lang": lang, "versions": {k: int(v) for k, v in subject.versions.items()},
            "downloaded_at": utcnow().isoformat(timespec="seconds"),
            "base": subject.content or {}}


def _text(value) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))


def _put_text(cell, value) -> None:
    """A text cell, kept as text even when it starts with "=" (never run as a formula)."""
    cell.value = _text(value)
    cell.data_type = "s"


def _put(cell, value, column: dict, lang: str) -> None:
    """A stored value written in its cell's type: numbers as numbers, dates as dates, a
    choice as its label, SDGs as "8, 11"."""
    from openpyxl.styles import Protection

    cell.protection = Protection(locked=False)
    kind = column["type"]
    if value is None or value == "" or value == []:
        if kind == "number":
            cell.number_format = "0" if is_year(column) else "#,##0.##########"
        elif kind == "date":
            cell.number_format = "yyyy-mm-dd"
        return
    if kind == "number" and isinstance(value, int | float):
        cell.value = value
        cell.number_format = "0" if is_year(column) else "#,##0.##########"
    elif kind == "date":
        try:
            cell.value = date.fromisoformat(str(value))
            cell.number_format = "yyyy-mm-dd"
        except ValueError:
            _put_text(cell, value)
    elif kind == "choice":
        _put_text(cell, _choice_label(column, value, lang))
    elif isinstance(value, list):
        _put_text(cell, ", ".join(str(v) for v in value))
    else:
        _put_text(cell, value)


def _choice_label(column: dict, key, lang: str) -> str:
    return next((c["label"][lang] for c in column.get("choices", []) if c["key"] == key),
                str(key))


class _Lists:
    """The hidden sheet of drop-down lists: one column per distinct list of choices."""

    def __init__(self, workbook, lang: str):
        self.sheet = workbook.create_sheet(LISTS_SHEET)
        self.sheet.sheet_state = "hidden"
        self.lang, self.columns = lang, {}

    def reference(self, column: dict) -> str:
        labels = tuple(_text(c["label"][self.lang]) for c in column.get("choices", []))
        if labels not in self.columns:
            index = len(self.columns) + 1
            for row, label in enumerate(labels, start=1):
                _put_text(self.sheet.cell(row=row, column=index), label)
            self.columns[labels] = index
        letter = get_column_letter(self.columns[labels])
        return f"{quote_sheetname(LISTS_SHEET)}!${letter}$1:${letter}${max(len(labels), 1)}"


def _validation(sheet, column: dict, lists: _Lists, lang: str):
    """The data validation of a cell of ``column`` (None for free text)."""
    from openpyxl.worksheet.datavalidation import DataValidation

    kind = column["type"]
    if kind == "choice":
        rule = DataValidation(type="list", formula1=lists.reference(column), allow_blank=True)
        rule.error = _("Choose one of the options in the list.")
    elif kind == "number":
        low, high = column.get("min"), column.get("max")
        integer = bool(column.get("integer")) or is_year(column)
        rule = DataValidation(type="whole" if integer else "decimal", operator="between",
                              formula1=str(low if low is not None else -10**15),
                              formula2=str(high if high is not None else 10**15),
                              allow_blank=True)
        rule.error = (_("Type a whole number.") if integer else _("Type a number."))
    elif kind == "date":
        rule = DataValidation(type="date", operator="between", formula1="DATE(1990,1,1)",
                              formula2="DATE(2100,12,31)", allow_blank=True)
        rule.error = _("Type a date as YYYY-MM-DD.")
    else:
        return None
    rule.showErrorMessage = True
    rule.errorTitle = _("Not accepted")
    sheet.add_data_validation(rule)
    return rule


def _label(item: dict, lang: str) -> str:
    text = item["label"][lang]
    if item.get("unit"):
        text += f" ({item['unit'][lang]})"
    return text + (" *" if item.get("required") else "")


def _write_section(workbook, section: dict, values: dict, title: str, lang: str,
                   lists: _Lists) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    sheet = workbook.create_sheet(title)
    bold, grey = Font(bold=True), Font(color="555555", italic=True)
    header_fill = PatternFill("solid", fgColor="DDE7F0")
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].hidden = True
    for letter, width in (("B", 42), ("C", 60), ("D", 60)):
        sheet.column_dimensions[letter].width = width
    sheet["A1"] = f"s:{section['key']}"
    _put_text(sheet["B1"], section["title"][lang])
    sheet["B1"].font = Font(bold=True, size=14)
    if section.get("intro"):
        _put_text(sheet["B2"], section["intro"][lang])
        sheet["B2"].alignment, sheet["B2"].font = wrap, grey
    row = 4
    plain = section["fields"]
    if section.get("grid"):  # the grid's cells are the section's fields
        _write_grid(sheet, section, values, row, lang, lists, bold, header_fill, wrap)
        plain = []
    for item in plain:
        if item["type"] == "table":
            row = _write_table(sheet, item, values.get(item["key"]) or [], row, lang, lists,
                               bold, header_fill, wrap, grey)
            continue
        sheet.cell(row=row, column=1, value=f"f:{item['key']}")
        label = sheet.cell(row=row, column=2)
        _put_text(label, _label(item, lang))
        label.font, label.alignment = bold, wrap
        value = sheet.cell(row=row, column=VALUE_COLUMN)
        _put(value, values.get(item["key"]), item, lang)
        value.alignment = wrap
        rule = _validation(sheet, item, lists, lang)
        if rule is not None:
            rule.add(value.coordinate)
        if item.get("help"):
            help_cell = sheet.cell(row=row, column=4)
            _put_text(help_cell, item["help"][lang])
            help_cell.alignment, help_cell.font = wrap, grey
        row += 2
    sheet.protection.sheet = True
    sheet.protection.formatColumns = False  # widths and heights may still be adjusted
    sheet.protection.formatRows = False


def _grid_text(text, lang: str) -> str:
    return text[lang] if isinstance(text, dict) else str(text)


def _write_grid(sheet, section, values, row, lang, lists, bold, header_fill, wrap) -> None:
    """A section's ``grid``: a header row of column prompts, then a fixed row per record
    whose cells are the section's fields (unlocked), texts about the record (locked) or
    nothing (locked, grey: the field does not exist for this record)."""
    from openpyxl.styles import Font, PatternFill

    grid, fields = section["grid"], {f["key"]: f for f in section["fields"]}
    info_fill = PatternFill("solid", fgColor="F2F2F2")
    none_fill = PatternFill("solid", fgColor="BFBFBF")
    sheet.cell(row=row, column=1, value="h:grid")
    for index, column in enumerate(grid["columns"]):
        cell = sheet.cell(row=row, column=TABLE_START + index)
        _put_text(cell, _grid_text(column["label"], lang))
        cell.font, cell.fill, cell.alignment = bold, header_fill, wrap
        sheet.column_dimensions[get_column_letter(TABLE_START + index)].width = \
            column.get("width", 18)
    rules, header = {}, row
    for entry in grid["rows"]:
        row += 1
        sheet.cell(row=row, column=1, value=f"g:{entry['key']}")
        for index, spec in enumerate(entry["cells"]):
            cell = sheet.cell(row=row, column=TABLE_START + index)
            cell.alignment = wrap
            if spec is None:
                cell.fill = none_fill
            elif "field" in spec:
                item = fields[spec["field"]]
                _put(cell, values.get(item["key"]), item, lang)
                if index not in rules:
                    rules[index] = _validation(sheet, item, lists, lang)
                if rules[index] is not None:
                    rules[index].add(cell.coordinate)
            else:
                _put_text(cell, _grid_text(spec["text"], lang))
                cell.fill = info_fill
                if index == 0:
                    cell.font = Font(bold=True)
    sheet.freeze_panes = sheet.cell(row=header + 1, column=TABLE_START + 1)


def _write_table(sheet, item, rows, row, lang, lists, bold, header_fill, wrap, grey) -> int:
    sheet.cell(row=row, column=1, value=f"t:{item['key']}")
    title = sheet.cell(row=row, column=2)
    _put_text(title, _label(item, lang))
    title.font = bold
    if item.get("help"):
        help_cell = sheet.cell(row=row, column=3)
        _put_text(help_cell, item["help"][lang])
        help_cell.alignment, help_cell.font = wrap, grey
    row += 1
    sheet.cell(row=row, column=1, value=f"h:{item['key']}")
    for index, column in enumerate(item["columns"]):
        cell = sheet.cell(row=row, column=TABLE_START + index)
        _put_text(cell, _label(column, lang))
        cell.font, cell.fill, cell.alignment = bold, header_fill, wrap
        letter = get_column_letter(TABLE_START + index)
        if letter not in ("B", "C", "D"):
            sheet.column_dimensions[letter].width = 18 if column["type"] != "text" else 30
    count = max(len(rows) + BLANK_ROWS, item.get("min_rows", 0))
    first = row + 1
    for offset in range(count):
        row += 1
        sheet.cell(row=row, column=1, value=f"r:{item['key']}")
        values = rows[offset] if offset < len(rows) else {}
        for index, column in enumerate(item["columns"]):
            cell = sheet.cell(row=row, column=TABLE_START + index)
            _put(cell, values.get(column["key"]), column, lang)
            cell.alignment = wrap
    for index, column in enumerate(item["columns"]):
        rule = _validation(sheet, column, lists, lang)
        if rule is not None:
            letter = get_column_letter(TABLE_START + index)
            rule.add(f"{letter}{first}:{letter}{row}")
    return row + 2


def _write_cover(workbook, subject: Subject, lang: str) -> None:
    from openpyxl.styles import Alignment, Font

    sheet = workbook.active
    sheet.title = _("Read me")[:31]
    sheet.column_dimensions["A"].width = 100
    lines = [subject.title, subject.subtitle,
             _("Downloaded on %(date)s.", date=utcnow().date().isoformat()), "",
             _("Fill in the white cells of each section's sheet; the grey texts are the "
               "prompts and are protected. Required fields are marked with *."),
             _("Write numbers as numbers, or as text the way your language writes them "
               "(%(example)s). Dates as YYYY-MM-DD or DD.MM.YYYY. Choices from the drop-down "
               "lists.",
               example=format_number(Decimal("1234.5"), locale=lang)),
             _("Formulas and macros are not accepted. Do not delete the sheets: the hidden "
               "sheet identifies the document and the version you downloaded."),
             _("When you are done, upload the workbook on the document's page: you will first "
               "see what would change and every error, and nothing is written until you "
               "confirm.")]
    for number, line in enumerate(lines, start=1):
        cell = sheet.cell(row=number, column=1)
        _put_text(cell, line)
        cell.alignment = Alignment(wrap_text=True)
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.protection.sheet = True


def build(subject: Subject, lang: str) -> bytes:
    """The workbook of ``subject`` with prompts in ``lang`` (az or en), as XLSX bytes."""
    from openpyxl import Workbook

    workbook = Workbook()
    with force_locale(lang):
        _write_cover(workbook, subject, lang)
        lists = _Lists(workbook, lang)
        titles = _sheet_titles(subject.sections, lang)
        for section in subject.sections:
            _write_section(workbook, section, (subject.content or {}).get(section["key"], {}),
                           titles[section["key"]], lang, lists)
    # The lists were made first (the sections refer to them): they go after the sections.
    workbook.move_sheet(lists.sheet, offset=len(workbook.sheetnames) - 1
                        - workbook.index(lists.sheet))
    meta = _meta(subject, lang)
    sheet = workbook.create_sheet(META_SHEET)
    sheet.sheet_state = "veryHidden"
    rows = [(MARK, FORMAT)]
    rows += [(key, json.dumps(meta[key], ensure_ascii=False) if key == "versions"
              else meta[key]) for key in ("kind", "id", "template", "template_version", "lang",
                                          "versions", "downloaded_at")]
    base = json.dumps(meta["base"], ensure_ascii=False, sort_keys=True)
    rows += [("base", base[start:start + CHUNK]) for start in range(0, len(base), CHUNK)]
    rows.append(("checksum", _checksum(meta)))
    for number, (key, value) in enumerate(rows, start=1):
        _put_text(sheet.cell(row=number, column=1), key)
        if isinstance(value, int):
            sheet.cell(row=number, column=2, value=value)
        else:
            _put_text(sheet.cell(row=number, column=2), value)
    sheet.protection.sheet = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# ---------------------------------------------------------------- reading


def _refuse(message) -> WorkbookError:
    return WorkbookError(message)


def _open(filename: str, content: bytes):
    from openpyxl import load_workbook

    try:
        check_workbook(filename, content, max_bytes=MAX_BYTES)
    except TableError as error:
        raise _refuse(error.message) from error
    try:
        return load_workbook(io.BytesIO(content), read_only=True, data_only=False,
                             keep_links=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise _refuse(_("The XLSX file cannot be read.")) from error


def _not_ours() -> WorkbookError:
    return _refuse(_("This workbook was not downloaded from this platform (or its hidden "
                     "sheet was deleted). Download the workbook from the document's page and "
                     "fill in that one."))


def _read_meta(workbook) -> dict:
    if META_SHEET not in workbook.sheetnames:
        raise _not_ours()
    pairs, base = {}, []
    for key, value in workbook[META_SHEET].iter_rows(max_row=500, max_col=2,
                                                      values_only=True):
        if key == "base":
            base.append(str(value or ""))
        elif key is not None:
            pairs[str(key)] = value
    if pairs.get(MARK) != FORMAT:
        raise _not_ours()
    try:
        meta = {"format": FORMAT, "kind": str(pairs["kind"]), "id": int(pairs["id"]),
                "template": str(pairs["template"]),
                "template_version": int(pairs["template_version"]),
                "lang": str(pairs["lang"]), "versions": json.loads(pairs["versions"]),
                "downloaded_at": str(pairs["downloaded_at"]),
                "base": json.loads("".join(base))}
    except (KeyError, TypeError, ValueError) as error:
        raise _tampered() from error
    if not hmac.compare_digest(str(pairs.get("checksum") or ""), _checksum(meta)):
        raise _tampered()
    return meta


def _tampered() -> WorkbookError:
    return _refuse(_("The workbook's hidden sheet was changed (its checksum does not match), "
                     "so it cannot be trusted to say which document and version it belongs "
                     "to. Download the workbook again and copy your entries into it."))


def _check_subject(meta: dict, subject: Subject) -> None:
    if meta["kind"] != subject.kind or meta["id"] != subject.id:
        raise _refuse(_("This workbook belongs to another document (%(kind)s no. %(id)d), not "
                        "to this one. Upload it on that document's page, or download this "
                        "document's workbook.", kind=KINDS.get(meta["kind"], meta["kind"]),
                        id=meta["id"]))
    if (meta["template"], meta["template_version"]) != (subject.template_code,
                                                        subject.template_version):
        raise _refuse(_("This workbook was made for version %(old)d of the template; this "
                        "document uses version %(new)d. Download the workbook again.",
                        old=meta["template_version"], new=subject.template_version))
    if meta["lang"] not in LANGUAGES:
        raise _tampered()


def _cell_text(value, column: dict, lang: str, page_lang: str) -> str:
    """A cell's value as the text the section's form would have received on a page in
    ``page_lang``: a number typed as text in the workbook's ``lang`` is rewritten the way
    ``page_lang`` writes it (the form reads numbers in the page's language), a date typed
    as a person types it becomes YYYY-MM-DD; what cannot be read stays as typed, for the
    form's own message."""
    if value is None:
        return ""
    kind = column["type"]
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, datetime):
        return value.date().isoformat() if kind == "date" else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        if kind == "number":
            return number_text(value, page_lang)
        return str(int(value)) if float(value).is_integer() else repr(value)
    text = str(value)
    if kind == "choice":
        return _choice_key(column, text)
    if kind == "number" and not is_year(column) and text.strip():
        try:
            number = parse_number(text, locale=lang)
        except NumberInputError:
            return text
        return text if number is None else number_text(number, page_lang)
    if kind == "date":
        return _typed_date(text, lang)
    return text


def _typed_date(text: str, lang: str) -> str:
    """A date typed as text in a cell (core.time.parse_typed_date): YYYY-MM-DD, or the text as
    typed when it is not a date (the field's check then names it)."""
    day = parse_typed_date(text, lang)
    return text if day is None else day.isoformat()


def number_text(value, lang: str) -> str:
    """A number written so that the form's reader (``parse_number`` in ``lang``) reads back
    exactly ``value``: no grouping, the language's decimal sign, and never three decimals
    alone (``1,250`` would be refused as ambiguous: a trailing zero makes it ``1,2500``)."""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    text = format(Decimal(repr(float(value))), "f")
    whole, _sep, fraction = text.partition(".")
    if len(fraction) == 3:
        fraction += "0"
    return f"{whole}{get_decimal_symbol(lang)}{fraction}"


def _choice_key(column: dict, text: str) -> str:
    """The choice typed or picked: its label in either language, or its key."""
    typed = text.strip().casefold()
    for choice in column.get("choices", []):
        names = [choice["key"], *choice["label"].values()]
        if typed in {str(name).strip().casefold() for name in names}:
            return choice["key"]
    return text


def _is_formula(cell) -> bool:
    return getattr(cell, "data_type", None) == "f" or type(cell.value).__name__ in (
        "ArrayFormula", "DataTableFormula")


def _section_sheets(workbook) -> dict[str, object]:
    """The section sheets by the section key in their A1 marker (a renamed sheet is found)."""
    found = {}
    for name in workbook.sheetnames:
        if name in (META_SHEET, LISTS_SHEET):
            continue
        sheet = workbook[name]
        first = next(sheet.iter_rows(max_row=1, max_col=1, values_only=True), (None,))[0]
        if isinstance(first, str) and first.startswith("s:"):
            found.setdefault(first[2:], sheet)
    return found


def _read_sheet(sheet, section: dict, subject: Subject, lang: str, page_lang: str,
                problems: list) -> tuple[dict, dict]:
    """The form values a section's sheet holds (as a page in ``page_lang`` would send
    them), and where each value came from (problem key → cell coordinate)."""
    if (sheet.max_row or 0) > MAX_SHEET_ROWS or (sheet.max_column or 0) > MAX_SHEET_COLUMNS:
        raise _refuse(_("The sheet «%(sheet)s» is larger than %(rows)d rows or %(columns)d "
                        "columns.", sheet=shown(sheet.title, 40), rows=MAX_SHEET_ROWS,
                        columns=MAX_SHEET_COLUMNS))
    fields = {f["key"]: f for f in section["fields"]}
    values, where = {}, {}
    rows: dict[str, list] = {key: [] for key, f in fields.items() if f["type"] == "table"}
    grid = {r["key"]: r for r in (section.get("grid") or {}).get("rows", [])}
    table = None
    for cells in sheet.iter_rows(max_row=MAX_SHEET_ROWS, max_col=MAX_SHEET_COLUMNS):
        cells = [c for c in cells if getattr(c, "column", None) is not None]
        for cell in cells:
            if _is_formula(cell):
                problems.append(Problem(sheet.title, cell.coordinate, _(
                    "Formulas are not accepted: type the value itself.")))
        by_column = {cell.column: cell for cell in cells}
        marker = by_column.get(1)
        marker = marker.value if marker is not None else None
        kind, _sep, key = str(marker or "").partition(":")
        if kind == "f" and key in fields and fields[key]["type"] != "table":
            table = None
            cell = by_column.get(VALUE_COLUMN)
            if cell is not None and not _is_formula(cell):
                values[subject.field_name(key)] = _cell_text(cell.value, fields[key], lang,
                                                             page_lang)
            where[key] = f"{get_column_letter(VALUE_COLUMN)}{_row_of(by_column)}"
        elif kind == "g" and key in grid:
            table = None
            for index, spec in enumerate(grid[key]["cells"]):
                if not spec or "field" not in spec:
                    continue
                cell = by_column.get(TABLE_START + index)
                values[subject.field_name(spec["field"])] = (
                    "" if cell is None or _is_formula(cell)
                    else _cell_text(cell.value, fields[spec["field"]], lang, page_lang))
                where[spec["field"]] = \
                    f"{get_column_letter(TABLE_START + index)}{_row_of(by_column)}"
        elif kind in ("t", "h") and key in rows:
            table = key
        elif (kind == "r" and key in rows) or (not marker and table is not None):
            key = key if kind == "r" else table
            table = key
            columns = fields[key]["columns"]
            typed = {}
            for index, column in enumerate(columns):
                cell = by_column.get(TABLE_START + index)
                typed[column["key"]] = ("" if cell is None or _is_formula(cell)
                                        else _cell_text(cell.value, column, lang,
                                                        page_lang))
            if any(v.strip() for v in typed.values()):
                rows[key].append((typed, _row_of(by_column)))
        elif kind:
            table = None
    for key, typed_rows in rows.items():
        values[blockform.rows_name(key)] = str(len(typed_rows))
        for number, (typed, sheet_row) in enumerate(typed_rows):
            for index, column in enumerate(fields[key]["columns"]):
                values[blockform.cell_name(key, number, column["key"])] = typed[column["key"]]
                where[blockform.cell_key(key, number, column["key"])] = \
                    f"{get_column_letter(TABLE_START + index)}{sheet_row}"
        where[key] = f"B{typed_rows[0][1]}" if typed_rows else "B1"
        if len(typed_rows) > blockform.MAX_ROWS:
            problems.append(Problem(sheet.title, "B1", _(
                "%(field)s has more than %(rows)d rows.", field=fields[key]["label"][lang],
                rows=blockform.MAX_ROWS)))
    return values, where


def _row_of(by_column) -> int:
    return next(iter(by_column.values())).row


def _field_of(section: dict, key: str) -> str:
    """The field a problem's key names: the field itself or one of its table's cells."""
    keys = sorted((item["key"] for item in section["fields"]), key=len, reverse=True)
    return next((k for k in keys if key == k or key.startswith(f"{k}-")), key)


def read(subject: Subject, filename: str, content: bytes,
         page_lang: str | None = None) -> Reading:
    """Check and read an uploaded workbook of ``subject``. Raises :class:`WorkbookError`
    (translated) for a file refused as a whole: too large, not XLSX, macros, a zip bomb,
    not downloaded here, an edited hidden sheet, another document or another template
    version. Cell errors are :attr:`Reading.problems`, each with its sheet and cell, written
    in ``page_lang`` (the reader's; the workbook's language by default) while the values
    are read the way the workbook's language writes them."""
    workbook = _open(filename, content)
    try:
        meta = _read_meta(workbook)
        _check_subject(meta, subject)
        lang = meta["lang"]
        sheets = _section_sheets(workbook)
        titles = _sheet_titles(subject.sections, lang)
        problems, parsed, invalid = [], {}, {}
        page_lang = page_lang or lang
        with force_locale(page_lang):
            for section in subject.sections:
                sheet = sheets.get(section["key"])
                if sheet is None:
                    problems.append(Problem(titles[section["key"]], "—", _(
                        "The sheet of the section «%(section)s» is missing. Download the "
                        "workbook again.", section=section["title"][lang])))
                    continue
                titles[section["key"]] = sheet.title
                values, where = _read_sheet(sheet, section, subject, lang, page_lang,
                                            problems)
                section_content, found = subject.parse(section, values, page_lang)
                parsed[section["key"]] = section_content
                invalid[section["key"]] = {_field_of(section, key) for key in found}
                for key, messages in found.items():
                    for message in messages:
                        problems.append(Problem(sheet.title, where.get(key, "—"),
                                                str(message)))
    except WorkbookError:
        raise
    except Exception as error:  # a damaged part openpyxl meets only while reading
        raise _refuse(_("The XLSX file cannot be read.")) from error
    finally:
        workbook.close()
    return Reading(lang=lang, content=parsed, problems=problems, base=meta["base"],
                   base_versions=meta["versions"], downloaded_at=meta["downloaded_at"],
                   sheets=titles, invalid=invalid)


# ---------------------------------------------------------------- comparing


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def _normal(value):
    """A value as compared: empties are one, a table's rows without their empty cells."""
    if _empty(value):
        return None
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [{k: v for k, v in row.items() if not _empty(v)} for row in value]
    return value


def _shown(value, column: dict, lang: str) -> str:
    if _empty(value):
        return "—"
    if column["type"] == "choice":
        return _choice_label(column, value, lang)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if column["type"] == "number" and not is_year(column):
        return format_number(value, locale=lang)
    return str(value)


def _row_text(row: dict, item: dict, lang: str) -> str:
    return " | ".join(f"{c['label'][lang]}: {_shown(row.get(c['key']), c, lang)}"
                      for c in item["columns"] if not _empty(row.get(c["key"])))


def _lines(value, item: dict, lang: str) -> list[str]:
    if item["type"] == "table":
        return [f"{n}. {_row_text(row, item, lang)}" for n, row in
                enumerate(value or [], start=1)] or ["—"]
    return _shown(value, item, lang).splitlines() or ["—"]


def _row_changes(before, after, item: dict, lang: str) -> list[dict]:
    """Table rows that differ, by position: added, removed or changed, with both texts."""
    before, after = before or [], after or []
    changes = []
    for index in range(max(len(before), len(after))):
        old = _normal([before[index]])[0] if index < len(before) else None
        new = _normal([after[index]])[0] if index < len(after) else None
        if old == new:
            continue
        kind = "added" if old is None else "removed" if new is None else "changed"
        changes.append({"row": index + 1, "kind": kind,
                        "before": _row_text(before[index], item, lang) if old else "",
                        "after": _row_text(after[index], item, lang) if new else ""})
    return changes


def compare(subject: Subject, reading: Reading, lang: str) -> Preview:
    """What applying ``reading`` to ``subject`` as it is now would do, for a reader of
    ``lang``: a field the workbook leaves as downloaded stays as it is now; one the workbook
    changes is a change when nobody changed it online since the download, and a conflict
    (theirs beside yours, not applied) when someone did and to another value."""
    changes, conflicts = [], []
    current = subject.content or {}
    for section in subject.sections:
        key = section["key"]
        if key not in reading.content:
            continue
        base, now, yours = (reading.base.get(key) or {}, current.get(key) or {},
                            reading.content[key])
        for item in section["fields"]:
            if item["key"] in reading.invalid.get(key, ()):
                continue
            b, t, y = (_normal(base.get(item["key"])), _normal(now.get(item["key"])),
                       _normal(yours.get(item["key"])))
            if y in (b, t):
                continue
            change = FieldChange(
                section=key, field=item["key"],
                label=f"{section['title'][lang]}: {item['label'][lang]}",
                before=_lines(now.get(item["key"]), item, lang),
                after=_lines(yours.get(item["key"]), item, lang),
                value=yours.get(item["key"]))
            if item["type"] == "table":
                change.rows = _row_changes(now.get(item["key"]), yours.get(item["key"]),
                                           item, lang)
            if t != b:
                change.conflict = True
                change.theirs = change.before
                conflicts.append(change)
            else:
                changes.append(change)
    return Preview(changes=changes, conflicts=conflicts, problems=reading.problems,
                   lang=reading.lang, versions=dict(subject.versions),
                   sections={s["key"]: s["title"][lang] for s in subject.sections})


def form_values(section: dict, values: dict, lang: str) -> dict[str, str]:
    """Stored ``values`` of a section as its form would send them, numbers written for
    ``lang`` exactly (:func:`number_text`): what a save through the form reads back as the
    same values."""
    def text(value, column):
        if _empty(value):
            return ""
        if column["type"] == "number" and isinstance(value, int | float):
            return number_text(value, lang)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value)
        return str(value)

    encoded = {}
    for item in section["fields"]:
        value = values.get(item["key"])
        if item["type"] == "table":
            encoded[item["key"]] = [{c["key"]: text(row.get(c["key"]), c)
                                     for c in item["columns"]} for row in value or []]
        else:
            encoded[item["key"]] = text(value, item)
    return blockform.encode(section, encoded)


# ---------------------------------------------------------------- plans


def plan_subject(plan, lang: str) -> Subject:
    """A plan as a workbook's subject (titles in ``lang``)."""
    with force_locale(lang):
        title = f"{plan.template.title}: {plan.municipality.name}"
    return Subject(kind="plan", id=plan.id, template_code=plan.template.code,
                   template_version=plan.template.version, title=title,
                   subtitle=plan.cycle.name, sections=plan.template.blocks,
                   content=plan.content, parse=parse_block,
                   field_name=blockform.field_name,
                   versions={b["key"]: plan.block_version(b["key"])
                             for b in plan.template.blocks})


def read_for_plan(plan, filename: str, content: bytes, lang: str) -> Preview:
    """The dry run of an uploaded workbook of ``plan`` for a reader of ``lang`` (nothing is
    written). A plan that can no longer be edited is refused as a whole."""
    if plan.status not in EDITABLE:
        raise WorkbookError(_("This plan is %(status)s and cannot be edited now.",
                              status=plan.status_label))
    subject = plan_subject(plan, lang)
    return compare(subject, read(subject, filename, content, lang), lang)


def apply_to_plan(plan, preview: Preview, user) -> list[str]:
    """Write the changes of a dry run without errors into the plan's draft: each changed
    section is saved through the section form's rules (a new version of the section, an
    entry in the history) on the version the dry run compared with, so a section saved by
    someone else meanwhile refuses the whole upload. Conflicting fields keep the plan's
    value. Returns the keys of the sections written."""
    if preview.problems:
        raise PlanError(_("Nothing was written: correct the errors in the workbook first."))
    if not preview.changes:
        raise PlanError(_("Nothing to write: the workbook holds no change to this plan."))
    written = preview.changed_sections()
    for key in written:
        section = plan.template.block(key)
        merged = dict((plan.content or {}).get(key, {}))
        for change in preview.changes:
            if change.section == key:
                merged[change.field] = change.value
        with force_locale(preview.lang):
            save_block(plan, key, form_values(section, merged, preview.lang), user,
                       version=preview.versions.get(key, 0), lang=preview.lang)
    record("plans.workbook_applied", actor=user, target=plan,
           after={"sections": written, "fields": [f"{c.section}.{c.field}"
                                                  for c in preview.changes],
                  "conflicts_kept": [f"{c.section}.{c.field}" for c in preview.conflicts]})
    return written
