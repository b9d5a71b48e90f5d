"""The transactional outbox: every mail is a row written with the change that causes it.

A request never talks to the SMTP server. :func:`queue_mail` adds an ``outbox_messages`` row
in the caller's transaction, so a message exists exactly when its change was committed (a
rolled-back submission tells nobody anything). The delivery worker (``flask outbox work``,
started by ``make run`` beside the web server, its own process in production) sends pending
rows with retries and backoff and records each outcome.

A row is never sent twice. Before a row is handed to SMTP it is claimed (``sending``, with
a lease) in a committed transaction; a worker that dies after the server took the message
but before ``sent`` was recorded leaves the row ``sending``. When the lease runs out the
row becomes ``uncertain`` rather than being sent again: an administrator sees it on the
mail page and decides. Claiming is a conditional UPDATE (``WHERE status = 'pending'``) so
several workers on several machines share one queue; on PostgreSQL the candidates are read
with ``FOR UPDATE SKIP LOCKED`` so the workers do not wait for each other.

Why not Huey or Dramatiq: the database row is the source of truth either way (it must be
written in the request's transaction), and a broker would add a second store to keep in
step with it; the claim-and-lease loop below is what those engines would run on top of it.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY  # CRLF line ends, as SMTP's DATA wants
from email.utils import make_msgid

from flask import current_app
from sqlalchemy import DateTime, Integer, LargeBinary, String, Text, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .mail import build_message, smtp_connection
from .time import utcnow

log = logging.getLogger(__name__)

PENDING, SENDING, SENT, FAILED, UNCERTAIN = "pending", "sending", "sent", "failed", "uncertain"
STATUSES = (PENDING, SENDING, SENT, FAILED, UNCERTAIN)
# Statuses an administrator is asked to look at (and may queue again).
NEEDS_ATTENTION = (FAILED, UNCERTAIN)
KEY_HEADER = "X-M4EG-Message-Key"


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    to_address: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


def queue_mail(to: str, subject: str, body: str, *,
               attachments: tuple[tuple[str, str, bytes], ...] = ()) -> OutboxMessage:
    """Queue a plain-text message in the current transaction and return its row.

    ``attachments`` are ``(filename, mime type, content)`` triples (the ``.ics`` of a
    workshop seat). The message is built now, in the caller's locale; the worker only
    hands the bytes to SMTP."""
    key = secrets.token_hex(16)
    message = build_message(to, subject, body, attachments=attachments)
    message[KEY_HEADER] = key
    message["Message-ID"] = make_msgid(idstring=key, domain=_sender_domain(message))
    row = OutboxMessage(key=key, to_address=to, subject=subject[:255],
                        raw=message.as_bytes(policy=SMTP_POLICY), status=PENDING,
                        next_attempt_at=utcnow())
    db.session.add(row)
    return row


def _sender_domain(message: EmailMessage) -> str:
    sender = str(message["From"] or "")
    return sender.rsplit("@", 1)[-1].strip("> ") or "localhost"


# --- Delivery ------------------------------------------------------------------------------

@dataclass
class Pass:
    """What one delivery pass did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0

    @property
    def touched(self) -> int:
        return self.sent + self.retried + self.failed + self.uncertain


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 30 s, 1 min, 2 min… at most an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def deliver(limit: int = 100, *, worker: str | None = None) -> Pass:
    """Send up to ``limit`` due messages; one row claimed and recorded at a time."""
    config = current_app.config
    worker = worker or secrets.token_hex(8)
    outcome = Pass()
    outcome.uncertain = _expire_leases()
    connection = None
    try:
        for _ in range(limit):
            row = _claim(worker, lease=timedelta(seconds=config["OUTBOX_LEASE_SECONDS"]))
            if row is None:
                break
            try:
                if connection is None and config["MAIL_SERVER"]:
                    connection = smtp_connection(config)
                _send(connection, row)
            except Exception as error:  # any SMTP or network failure is the row's outcome
                connection = _close(connection)
                _record_failure(row, error, outcome)
                if _server_unreachable(error):
                    break  # the rest waits for the next pass: one timeout per pass, not per row
                continue
            _record(row.id, status=SENT, sent_at=utcnow(), last_error=None, lease_until=None)
            outcome.sent += 1
    finally:
        _close(connection)
    return outcome


def _expire_leases() -> int:
    """Rows whose worker stopped mid-send: the server may have the message, so they are not
    sent again but shown to an administrator."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == SENDING, OutboxMessage.lease_until < utcnow())
        .values(status=UNCERTAIN, lease_until=None,
                last_error="The delivery worker stopped while sending this message: it may "
                           "or may not have arrived.")
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount


def _claim(worker: str, *, lease: timedelta) -> OutboxMessage | None:
    now = utcnow()
    candidates = (select(OutboxMessage.id)
                  .where(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= now)
                  .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True)
    row_id = db.session.scalar(candidates)
    if row_id is None:
        db.session.commit()
        return None
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == PENDING)
        .values(status=SENDING, claimed_by=worker, lease_until=now + lease,
                attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if not claimed:  # another worker took it between the read and the write
        return _claim(worker, lease=lease)
    return db.session.get(OutboxMessage, row_id, populate_existing=True)


def _send(connection, row: OutboxMessage) -> None:
    if connection is None:
        # No MAIL_SERVER (development and tests only: production refuses to start without
        # one). Say who would have received what; the body (a reset link) only in development.
        if current_app.config["M4EG_ENV"] == "development":
            log.warning("MAIL_SERVER is not set; mail not sent:\n%s", _readable(row.raw))
        else:
            log.warning("MAIL_SERVER is not set; mail to %s not sent: %s",
                        row.to_address, row.subject)
        return
    connection.sendmail(_envelope_sender(), [row.to_address], row.raw)


def _readable(raw: bytes) -> str:
    """The message as a person reads it (headers and text decoded, attachments named): an
    Azerbaijani body is base64 on the wire, and the developer needs the reset link."""
    import email
    from email import policy

    message = email.message_from_bytes(raw, policy=policy.default)
    lines = [f"{name}: {message[name]}" for name in ("From", "To", "Subject")]
    body = message.get_body(preferencelist=("plain",))
    lines += ["", body.get_content().rstrip() if body is not None else ""]
    lines += [f"[attachment: {part.get_filename()}]" for part in message.iter_attachments()]
    return "\n".join(lines)


def _server_unreachable(error: Exception) -> bool:
    import smtplib

    if isinstance(error, smtplib.SMTPServerDisconnected | smtplib.SMTPConnectError):
        return True
    # SMTPException is an OSError too; a refused recipient says nothing about the server.
    return isinstance(error, OSError) and not isinstance(error, smtplib.SMTPException)


def _envelope_sender() -> str:
    from email.utils import parseaddr

    return parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1]


def _record_failure(row: OutboxMessage, error: Exception, outcome: Pass) -> None:
    import smtplib

    permanent = isinstance(error, smtplib.SMTPRecipientsRefused) or (
        isinstance(error, smtplib.SMTPResponseException) and error.smtp_code >= 500)
    text = f"{type(error).__name__}: {error}"[:2000]
    if permanent or row.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        _record(row.id, status=FAILED, last_error=text, lease_until=None)
        outcome.failed += 1
        log.error("Mail %s to %s failed for good: %s", row.key, row.to_address, text)
    else:
        _record(row.id, status=PENDING, last_error=text, lease_until=None,
                next_attempt_at=utcnow() + backoff(row.attempts))
        outcome.retried += 1
        log.warning("Mail %s to %s will be tried again: %s", row.key, row.to_address, text)


def _record(row_id: int, **values) -> None:
    db.session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _close(connection):
    if connection is not None:
        with contextlib.suppress(Exception):  # a connection already gone needs no goodbye
            connection.quit()
    return None


# --- For administrators ----------------------------------------------------------------------

def counts() -> dict[str, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count())
                              .group_by(OutboxMessage.status))
    found = dict(rows.all())
    return {status: found.get(status, 0) for status in STATUSES}


def needing_attention(limit: int = 200) -> list[OutboxMessage]:
    return list(db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.status.in_(NEEDS_ATTENTION))
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()).limit(limit)))


def retry(row_id: int) -> bool:
    """Queue an undeliverable (or uncertain) message again; False if it is not one."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status.in_(NEEDS_ATTENTION))
        .values(status=PENDING, attempts=0, next_attempt_at=utcnow(), lease_until=None)
        .execution_options(synchronize_session=False))
    return result.rowcount == 1


# --- The worker loop ---------------------------------------------------------------------------

def forget_address(address: str) -> int:
    """Delete every message to ``address`` (the erasure of its owner's account): those not
    yet sent are never sent, those sent no longer keep the name and text they carried. A
    message a worker holds at this moment (``sending``) is left to it. Returns how many."""
    from sqlalchemy import delete

    result = db.session.execute(delete(OutboxMessage).where(
        func.lower(OutboxMessage.to_address) == address.strip().lower(),
        OutboxMessage.status != SENDING).execution_options(synchronize_session=False))
    return result.rowcount


def work(*, poll_seconds: float, stop: threading.Event | None = None) -> None:
    """Deliver until stopped (SIGTERM or SIGINT); a database that is down is waited for."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stop.set())
    worker = secrets.token_hex(8)
    log.info("Outbox worker %s started (polling every %ss)", worker, poll_seconds)
    while not stop.is_set():
        try:
            outcome = deliver(worker=worker)
        except Exception:  # the database restarting: wait and try again, never exit
            log.exception("Outbox delivery pass failed; retrying")
            db.session.rollback()
            db.session.remove()
            stop.wait(max(poll_seconds, 1.0))
            continue
        if outcome.touched:
            log.info("Outbox: %s", outcome)
        else:
            stop.wait(poll_seconds)
    log.info("Outbox worker %s stopped", worker)


def wait_until_empty(timeout: float = 10.0) -> bool:
    """For scripts: whether every queued message has left ``pending``/``sending`` in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.status.in_((PENDING, SENDING))))
        db.session.commit()
        if not left:
            return True
        time.sleep(0.2)
    return False
