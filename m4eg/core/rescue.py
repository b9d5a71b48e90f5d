"""Typed text survives an ended session: a POST that arrives signed out, or with an expired
CSRF token, is handed to the view's rescue handler instead of an error page.

A view opts in with :func:`rescues`. When the person is still signed in, the handler simply
shows the form again with what they typed. When they are signed out, what they typed is kept
in a :class:`FormStash` row under an unguessable token; the page says to sign in again and
the sign-in returns to the form with ``?restore=<token>``, which fills it in again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import request
from sqlalchemy import JSON, DateTime, String, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .time import utcnow

KEEP_FOR = timedelta(days=2)
_HANDLERS: dict[str, Callable] = {}


class FormStash(db.Model):
    """What a signed-out person typed into a form, kept until they sign in again."""

    __tablename__ = "form_stashes"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    path: Mapped[str] = mapped_column(String(500))
    data: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)


def rescues(endpoint: str):
    """Register ``handler(signed_in: bool)`` as the rescue of ``endpoint``'s POSTs."""

    def register(handler):
        _HANDLERS[endpoint] = handler
        return handler

    return register


def rescue_response(signed_in: bool):
    """The rescue handler's response for this request, or None when the endpoint has none
    (then the usual error page or sign-in redirect answers)."""
    if request.method != "POST" or request.endpoint not in _HANDLERS:
        return None
    return _HANDLERS[request.endpoint](signed_in)


def stash(path: str, form) -> str:
    """Keep ``form`` (a MultiDict; the CSRF token left out) for ``path``; returns the token."""
    db.session.execute(delete(FormStash).where(FormStash.created_at < utcnow() - KEEP_FOR))
    token = secrets.token_urlsafe(32)
    data = {key: form.getlist(key) for key in form if key != "csrf_token"}
    db.session.add(FormStash(token=token, path=path, data=data))
    db.session.commit()
    return token


def restore(path: str, token: str | None) -> dict[str, str] | None:
    """The form kept under ``token`` for ``path`` (first value of each field), or None."""
    if not token or len(token) > 64:
        return None
    row = db.session.scalar(select(FormStash).where(
        FormStash.token == token, FormStash.path == path,
        FormStash.created_at >= utcnow() - KEEP_FOR))
    if row is None:
        return None
    return {key: values[0] if values else "" for key, values in row.data.items()}
