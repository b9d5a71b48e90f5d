"""Optimistic locking for the records people edit through forms (their ``version`` column).

A form carries the version of the record it was opened on. Saving compares it with the loaded
record and then claims the row with one conditional statement,
``UPDATE … SET version = version + 1 WHERE id = :id AND version = :seen``: the check and the
write are one statement, so of two saves racing on one version exactly one matches the row and
the other is refused with the domain's conflict error (nothing of it is written). The claim
also holds the row's write lock until the request commits (a row lock on PostgreSQL, the
database write lock on SQLite), so the field values flushed after it cannot interleave with
another save's. It is the pattern plan blocks already use (``plans.services.save_block``).

Why not SQLAlchemy's ``version_id_col``: it puts the condition on *every* UPDATE of the row,
also on writes that are not edits and carry no form version (a sign-in's ``last_login_at``, a
password change, a portfolio's ``last_update_at`` when one of its options is saved). Those
would then fail with ``StaleDataError`` (a 500) whenever an edit landed meanwhile; the claim
applies to edits only.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from ..extensions import db


class Conflict(Exception):
    """Mixed into a domain's conflict error (``class EditConflict(DomainError, Conflict)``):
    the record was saved by someone else after the form was opened. Views answer 409."""


def conflict_status(error: Exception, otherwise: int = 200) -> int:
    """The status a view answers a refused save with: 409 for a version conflict."""
    return 409 if isinstance(error, Conflict) else otherwise


def check(record, seen: int | None, conflict: Exception) -> None:
    """Raise ``conflict`` when the form's version ``seen`` is missing or is not the loaded
    version of ``record``. Only a first look (rules may then refuse for the right reason):
    the save itself must go through :func:`claim`."""
    if seen is None or seen != record.version:
        raise conflict


def claim(record, seen: int | None, conflict: Exception) -> None:
    """Claim ``record`` for an edit opened on version ``seen``, or raise ``conflict``.

    Refused when ``seen`` is missing or differs from the loaded version (someone saved before
    this request loaded the record), and when the conditional UPDATE matches no row (someone
    saved between the load and now). On success the row's version is ``seen + 1`` in the
    database and on ``record``; the caller then sets the fields and flushes as usual. Call it
    before changing ``record``'s fields (the UPDATE flushes pending changes first)."""
    check(record, seen, conflict)
    model = type(record)
    claimed = db.session.execute(
        update(model).where(model.id == record.id, model.version == seen)
        .values(version=model.version + 1).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise conflict
    # The row holds seen + 1 now: record it as loaded, so no second write of the column.
    set_committed_value(record, "version", seen + 1)
