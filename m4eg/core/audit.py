"""An append-only audit log: who did what, when, with the state before and after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, event, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .time import utcnow


class AuditEvent(db.Model):
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str | None] = mapped_column(String(64))
    target_id: Mapped[int | None] = mapped_column(Integer)
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    ip: Mapped[str | None] = mapped_column(String(64))


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(mapper, connection, target):
    raise AuditLogIsAppendOnly("audit events cannot be changed or deleted")


def record(action: str, *, actor=None, target=None, before=None, after=None, ip=None) -> AuditEvent:
    """Append an audit event to the session (the caller's commit writes it)."""
    entry = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        before=before,
        after=after,
        ip=ip,
    )
    db.session.add(entry)
    return entry


def recent(limit: int = 10) -> list[AuditEvent]:
    """The newest audit events, newest first (for the administrator's home)."""
    return list(db.session.scalars(select(AuditEvent)
                                   .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                   .limit(limit)))
