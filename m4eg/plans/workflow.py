"""The review machinery shared by plans and monitoring reports: a status move that two people
acting at once cannot both make, and the frozen revision of what was submitted."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select, update

from ..core.time import utcnow
from ..extensions import db
from .errors import PlanError


def move(obj, model, allowed_from, to_status: str, *, refused: Callable, raced: Callable) -> str:
    """Move ``obj`` (a row of ``model`` with ``status``, ``version`` and ``updated_at``) from
    one of ``allowed_from`` to ``to_status``; returns the status it left. The status seen is
    the UPDATE's condition: of two people acting at once (two reviewers, or a save racing a
    submission) only one moves it. ``refused()`` and ``raced()`` give the messages of the
    two refusals (read after the object holds its current status)."""
    if obj.status not in allowed_from:
        raise PlanError(refused())
    before = obj.status
    moved = db.session.execute(
        update(model).where(model.id == obj.id, model.status == before)
        .values(status=to_status, version=model.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        db.session.refresh(obj)
        raise PlanError(raced())
    db.session.expire(obj, ["status", "version", "updated_at"])
    return before


def freeze(model, owner_column, owner_id: int, content: dict, user):
    """A new frozen revision (``model``: number, content, submitted_by_id) of the record
    ``owner_id``, numbered after the last one."""
    number = (db.session.scalar(select(func.max(model.number))
                                .where(owner_column == owner_id)) or 0) + 1
    revision = model(number=number, content=content, submitted_by_id=getattr(user, "id", None))
    setattr(revision, owner_column.key, owner_id)
    db.session.add(revision)
    db.session.flush()
    return revision
