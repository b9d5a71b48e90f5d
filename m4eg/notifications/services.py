"""The rules of notifications: the other domains call :func:`notify` where they queue the
mail of an event, and queue that mail only when it returns True (the person's choice)."""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update

from ..core.errors import DomainError
from ..core.i18n import LANGUAGES
from ..core.personal_data import Table
from ..core.time import utcnow
from ..extensions import db
from .models import Kind, MailPreference, Notification

PER_PAGE = 50
TITLE_MAX = 300


class NotificationError(DomainError):
    pass


def notify(user, kind: Kind, title: Callable[[], str], endpoint: str, *, anchor: str = "",
           **link_args) -> bool:
    """Record a notification for ``user`` and answer whether they also want it by email.

    ``title`` is called once in each language (inside ``force_locale``) so the list shows
    the reader's language; the link is ``endpoint`` with ``link_args`` (and ``anchor``),
    built when the notification is opened, in the language of the page it is opened from."""
    titles = {}
    for lang in LANGUAGES:
        with force_locale(lang):
            titles[lang] = str(title())[:TITLE_MAX]
    db.session.add(Notification(user_id=user.id, kind=str(kind), title_az=titles["az"],
                                title_en=titles["en"], endpoint=endpoint,
                                link_args=link_args, anchor=anchor))
    return wants_mail(user.id, kind)


def wants_mail(user_id: int, kind: Kind) -> bool:
    """Whether ``user_id`` gets ``kind`` by email too (yes unless they turned it off)."""
    chosen = db.session.scalar(select(MailPreference.email).where(
        MailPreference.user_id == user_id, MailPreference.kind == str(kind)))
    return chosen is None or bool(chosen)


def preferences(user_id: int) -> dict[str, bool]:
    """Every kind with the person's choice (True: also by email)."""
    chosen = dict(db.session.execute(select(MailPreference.kind, MailPreference.email).where(
        MailPreference.user_id == user_id)).all())
    return {kind.value: chosen.get(kind.value, True) for kind in Kind}


def save_preferences(user_id: int, by_mail: set[str]) -> None:
    """Keep the kinds in ``by_mail`` by email and turn the others off."""
    unknown = by_mail - {kind.value for kind in Kind}
    if unknown:
        raise NotificationError(_l("Choose among the kinds listed."), field="email")
    db.session.execute(delete(MailPreference).where(MailPreference.user_id == user_id))
    db.session.add_all(MailPreference(user_id=user_id, kind=kind.value,
                                      email=kind.value in by_mail) for kind in Kind)
    db.session.flush()


def unread_count(user_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)))


def listing(user_id: int, *, page: int = 1, per_page: int = PER_PAGE):
    """The person's notifications, unread first, then newest first (a page of them)."""
    query = (select(Notification).where(Notification.user_id == user_id)
             .order_by(Notification.read_at.is_not(None), Notification.created_at.desc(),
                       Notification.id.desc()))
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def latest(user_id: int, limit: int = 5) -> list[Notification]:
    """The person's newest unread notifications (for their home page)."""
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user_id,
                                   Notification.read_at.is_(None))
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def get(user_id: int, notification_id: int) -> Notification | None:
    """The notification of ``user_id`` with this id; None for anyone else's."""
    return db.session.scalar(select(Notification).where(
        Notification.id == notification_id, Notification.user_id == user_id))


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user_id: int) -> int:
    """Mark every unread notification of the person read; returns how many."""
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user_id,
                                   Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


def link(notification: Notification) -> str:
    """Where the notification leads, in the current page's language (the list when the page
    it named no longer exists in the URL map)."""
    try:
        return url_for(notification.endpoint, **notification.link_args) + notification.anchor
    except Exception:  # an endpoint renamed since: werkzeug's BuildError and its kin
        return url_for("notifications.index")


# --- For the account's owner: their own data, and its erasure -------------------------------

PERSONAL_TABLES = {
    "notifications": Table(_l("Your notifications, read or not, and whether each kind also "
                              "comes by email."),
                           ("id", "kind", "title_az", "title_en", "endpoint", "link_args",
                            "created_at", "read_at", "also_by_email")),
}


def export_for_user(user_id: int) -> list[dict]:
    """The person's notifications and mail choices as plain dicts (for their data export)."""
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user_id)
                              .order_by(Notification.created_at, Notification.id))
    chosen = preferences(user_id)
    return [{"id": n.id, "kind": n.kind, "title_az": n.title_az, "title_en": n.title_en,
             "endpoint": n.endpoint, "link_args": dict(n.link_args or {}),
             "created_at": n.created_at.isoformat(),
             "read_at": n.read_at.isoformat() if n.read_at else None,
             "also_by_email": chosen.get(n.kind, True)} for n in rows]


def erase_for_user(user_id: int) -> int:
    """Delete the person's notifications and mail choices (an account's erasure); returns
    how many notifications went."""
    db.session.execute(delete(MailPreference).where(MailPreference.user_id == user_id))
    result = db.session.execute(delete(Notification).where(Notification.user_id == user_id)
                                .execution_options(synchronize_session=False))
    return result.rowcount
