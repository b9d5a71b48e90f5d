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


# Keys of a recorded state that hold a person's own data: in the events of an erased person
# their values become the pseudonym, whatever they are ("female" names nobody by itself).
PERSONAL_KEYS = frozenset({"name", "email", "position", "sex"})


def _replace(value, secrets: tuple[str, ...], pseudonym: str, keys=frozenset()):
    """``value`` with every string that contains one of ``secrets``, and every value under
    one of ``keys``, replaced by ``pseudonym`` (recursively through dicts and lists)."""
    if isinstance(value, str):
        lowered = value.lower()
        return pseudonym if any(secret.lower() in lowered for secret in secrets) else value
    if isinstance(value, dict):
        return {key: pseudonym if key in keys and item not in (None, "")
                else _replace(item, secrets, pseudonym, keys) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, secrets, pseudonym, keys) for item in value]
    return value


def redact_person(user_id: int, secrets, pseudonym: str) -> int:
    """Erasure on request, the one change the log allows: in the events the person did or
    that concern their account, and in any event whose states mention their address,
    strings holding ``secrets`` (name, email, position) become ``pseudonym``; in their own
    events the values of :data:`PERSONAL_KEYS` do too, and the IP address is dropped. The
    events themselves (what happened, when, to which record) stay.
    Written as SQL UPDATEs, not through the ORM, whose hooks refuse any change; returns how
    many events changed."""
    from sqlalchemy import String, cast, or_, select, update

    secrets = tuple(secret for secret in secrets if secret and len(secret) >= 3)
    mentions = [cast(column, String).like(f"%{secret}%") for column in
                (AuditEvent.before, AuditEvent.after) for secret in secrets if "@" in secret]
    own = or_(AuditEvent.actor_id == user_id,
              (AuditEvent.target_type == "User") & (AuditEvent.target_id == user_id))
    rows = db.session.execute(
        select(AuditEvent.id, AuditEvent.before, AuditEvent.after, own.label("own"))
        .where(or_(own, *mentions))).all()
    for row in rows:
        keys = PERSONAL_KEYS if row.own else frozenset()
        values = {"before": _replace(row.before, secrets, pseudonym, keys),
                  "after": _replace(row.after, secrets, pseudonym, keys)}
        if row.own:
            values["ip"] = None
        db.session.execute(update(AuditEvent).where(AuditEvent.id == row.id).values(**values)
                           .execution_options(synchronize_session=False))
    return len(rows)


def actions() -> list[str]:
    """Every action the log holds, in alphabetical order (the viewer's filter)."""
    from sqlalchemy import select

    return list(db.session.scalars(select(AuditEvent.action).distinct()
                                   .order_by(AuditEvent.action)))


def target_types() -> list[str]:
    """Every kind of object the log names, in alphabetical order."""
    from sqlalchemy import select

    return list(db.session.scalars(select(AuditEvent.target_type).distinct()
                                   .where(AuditEvent.target_type.is_not(None))
                                   .order_by(AuditEvent.target_type)))


def events_query(*, person_ids=None, action: str = "", target_type: str = "",
                 target_id: int | None = None, start: datetime | None = None,
                 end: datetime | None = None):
    """The events that match, newest first: done by or to one of ``person_ids`` (an
    iterable of user ids, or None for anyone), of ``action``, on objects of
    ``target_type`` (and ``target_id``), at or after ``start`` and before ``end``."""
    from sqlalchemy import or_, select

    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if person_ids is not None:
        ids = list(person_ids)
        query = query.where(or_(AuditEvent.actor_id.in_(ids),
                                (AuditEvent.target_type == "User")
                                & AuditEvent.target_id.in_(ids)))
    if action:
        query = query.where(AuditEvent.action == action)
    if target_type:
        query = query.where(AuditEvent.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditEvent.target_id == target_id)
    if start is not None:
        query = query.where(AuditEvent.at >= start)
    if end is not None:
        query = query.where(AuditEvent.at < end)
    return query


def recent(limit: int = 10) -> list[AuditEvent]:
    """The newest audit events, newest first (for the administrator's home)."""
    return list(db.session.scalars(select(AuditEvent)
                                   .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
                                   .limit(limit)))
