"""What each domain holds about a person: exported on request, erased on request.

A person's data lives in many domains (courses, workshops, plans, notifications…), and the
account domain, which carries out the export and the erasure, sits below all of them in the
one-way graph. So each domain registers, in its ``init_app``, an *exporter* and an *eraser*
for the records it owns::

    register_personal_data(app, "notifications", export=services.export_for_user,
                           erase=services.erase_for_user)

``export(user_id)`` returns the person's records: a list of dicts (one table, named after the
domain) or a dict of table name → list of dicts; values are JSON-serialisable (datetimes are
written as ISO 8601 by :func:`jsonable`). ``erase(user_id)`` removes or pseudonymises the
personal data the domain copied from the account (a name printed on a certificate, a name
frozen in a report); records that count (enrolments, attendance, revisions) stay, tied to
the now pseudonymous account. Erasers run inside the erasure's transaction, after the account
itself has its pseudonym, and add and flush like any service.

``tables`` says, for each table the exporter returns, what it holds (a translatable text for
the archive's README) and its columns, so that a table with no rows still has its header row
in the CSV file and is explained in the README rather than left as an empty file.

A plain per-app list, as core.sections keeps: the order of registration is the order of the
export's files.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import Flask, current_app

_KEY = "m4eg_personal_data"


@dataclass(frozen=True)
class Table:
    """One exported table: what it holds (a lazy gettext text) and its columns in order."""

    description: object
    columns: tuple[str, ...]


@dataclass(frozen=True)
class Holder:
    """A domain that holds personal data: ``export(user_id)`` and ``erase(user_id)``."""

    name: str
    export: Callable[[int], list | dict] | None
    erase: Callable[[int], None] | None
    tables: dict[str, Table] = field(default_factory=dict)


def register_personal_data(app: Flask, name: str, *, export: Callable | None = None,
                           erase: Callable | None = None,
                           tables: dict[str, Table] | None = None) -> None:
    """Register (or replace, by ``name``) what a domain exports and erases of a person."""
    holders = [holder for holder in app.extensions.get(_KEY, []) if holder.name != name]
    holders.append(Holder(name, export, erase, dict(tables or {})))
    app.extensions[_KEY] = holders


def described_tables() -> dict[str, Table]:
    """Every registered domain's table descriptions, table name → :class:`Table`."""
    described: dict[str, Table] = {}
    for holder in holders():
        described.update(holder.tables)
    return described


def holders() -> list[Holder]:
    return list(current_app.extensions.get(_KEY, []))


def jsonable(value):
    """``value`` with dates as ISO 8601 text, recursively (what JSON and CSV files hold)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [jsonable(item) for item in value]
    return value


def export_personal_data(user_id: int) -> dict[str, list[dict]]:
    """Every registered domain's records of the person, as table name → rows."""
    tables: dict[str, list[dict]] = {}
    for holder in holders():
        if holder.export is None:
            continue
        result = holder.export(user_id)
        if isinstance(result, dict):
            for table, rows in result.items():
                tables[table] = jsonable(list(rows))
        else:
            tables[holder.name] = jsonable(list(result or []))
    return tables


def erase_personal_data(user_id: int) -> list[str]:
    """Run every registered eraser for the person; returns the domains that erased."""
    done = []
    for holder in holders():
        if holder.erase is not None:
            holder.erase(user_id)
            done.append(holder.name)
    return done
