"""Caches of anonymous pages and of aggregates, invalidated by every committed write.

Every committed transaction that changed a row (through the ORM, or an ORM-enabled UPDATE,
INSERT or DELETE statement) moves a shared *generation* forward; an entry made under an
older generation is never served again. Bookkeeping writes that no cached page shows do not
count: the tables in :data:`IGNORED_TABLES` and, row by row, changes confined to the
columns in :data:`IGNORED_COLUMNS` (a sign-in stamps ``users.last_login_at``; without this
every sign-in would empty the whole cache). The generation lives where every gunicorn worker
sees it: a small file in the instance folder (one machine), or Redis when
``CACHE_REDIS_URL`` is set (several machines; while Redis does not answer, each machine
falls back to its file, see :mod:`.failover`). Entries also expire after
``PAGE_CACHE_SECONDS`` so that pages computed from today's date (overdue flags) move on.

Only views marked with :func:`cached_page` are cached, only for GET requests of visitors
who are not signed in and have no message waiting, and a response is kept only if
rendering it neither touched the session nor made a CSRF token (so nobody is ever served
another person's page or token).
"""

from __future__ import annotations

import os
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, current_app, g, request, session
from sqlalchemy import event, inspect

from . import assets
from .failover import Failover

CACHED_ATTR = "m4eg_cached_page"
# Writes to these tables change no cached page (sign-ins, audit trail, reset links).
# The mail queue and the form rescue stash show on no cached page either (the delivery
# worker writes every few seconds: counting it would keep the cache empty), nor do a
# person's notifications and their mail choices (only signed-in pages show them).
IGNORED_TABLES = {"user_sessions", "audit_events", "password_reset_tokens", "outbox_messages",
                  "form_stashes", "notifications", "notification_preferences"}
# Columns that no cached page shows, written as bookkeeping: a change of a row confined to
# them is no write for the cache. A sign-in stamps last_login_at and may upgrade the
# password hash (services._verify); failed attempts are counted in the limiter's storage.
IGNORED_COLUMNS = {"users": frozenset({"last_login_at", "password_hash"})}
MAX_ENTRIES = 1024
_watching = False  # the session is global: its listeners are registered once per process


def cached_page(view: Callable) -> Callable:
    """Mark a public view whose anonymous GET responses may be cached."""
    setattr(view, CACHED_ATTR, True)
    return view


class FileGeneration:
    """The generation as the content of a file, replaced atomically on every bump."""

    description = "the generation file"

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            self.bump()

    def current(self) -> str:
        try:
            return self.path.read_text()
        except OSError:
            return ""

    def bump(self) -> None:
        temporary = self.path.with_name(f"{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        temporary.write_text(secrets.token_hex(8))
        os.replace(temporary, self.path)


class RedisGeneration:
    """The generation as a Redis counter, for several machines."""

    description = "Redis"

    def __init__(self, url: str, prefix: str = "m4eg"):
        import redis

        from ..extensions import REDIS_TIMEOUTS

        self.client = redis.Redis.from_url(url, **REDIS_TIMEOUTS)
        self.key = f"{prefix}:cache-generation"

    def current(self) -> str:
        value = self.client.get(self.key)
        return value.decode() if value else "0"

    def bump(self) -> None:
        self.client.incr(self.key)


class FailoverGeneration:
    """The Redis generation while Redis answers, this machine's file while it does not.

    Each switch starts a new generation on the side switched to: the file missed the
    writes made while Redis answered, and Redis those made during the outage, so nothing
    cached under an older value of either is served again."""

    def __init__(self, primary: RedisGeneration, fallback: FileGeneration,
                 retry_seconds: float):
        import redis

        self.failover = Failover("Page cache", primary, fallback,
                                 errors=(redis.RedisError,), retry_seconds=retry_seconds,
                                 on_switch=lambda backend: backend.bump())

    def current(self) -> str:
        return self.failover.call(lambda backend: backend.current())

    def bump(self) -> None:
        self.failover.call(lambda backend: backend.bump())


class Store:
    """A bounded, thread-safe, per-process map of (key) → (generation, time, value)."""

    def __init__(self, seconds: int):
        self.seconds, self.entries, self.lock = seconds, OrderedDict(), threading.Lock()

    def get(self, key, generation: str):
        with self.lock:
            entry = self.entries.get(key)
            if entry is None:
                return None
            entry_generation, made, value = entry
            if entry_generation != generation or time.monotonic() - made > self.seconds:
                del self.entries[key]
                return None
            self.entries.move_to_end(key)
            return value

    def put(self, key, generation: str, value) -> None:
        with self.lock:
            self.entries[key] = (generation, time.monotonic(), value)
            self.entries.move_to_end(key)
            while len(self.entries) > MAX_ENTRIES:
                self.entries.popitem(last=False)


def _state():
    return current_app.extensions["m4eg_cache"]


def generation() -> str:
    return _state()["generation"].current()


def invalidate() -> None:
    """Forget every cached page and aggregate (all workers)."""
    _state()["generation"].bump()


def memoize(name: str, args: tuple, compute: Callable):
    """The value of ``compute()`` for (name, args), computed again after any write."""
    state = _state()
    if not state["enabled"]:
        return compute()
    current = state["generation"].current()
    key = ("aggregate", name, args)
    value = state["store"].get(key, current)
    if value is None:
        value = compute()
        state["store"].put(key, current, value)
    return value


# --- Request hooks -------------------------------------------------------------------------

def _cacheable_request(app: Flask) -> bool:
    if request.method != "GET" or request.endpoint is None:
        return False
    view = app.view_functions.get(request.endpoint)
    if not getattr(view, CACHED_ATTR, False):
        return False
    return "_user_id" not in session and "_flashes" not in session


def _serve_cached():
    app = current_app._get_current_object()
    state = _state()
    if not state["enabled"] or not _cacheable_request(app):
        return None
    current = state["generation"].current()
    # The host (checked against TRUSTED_HOSTS when set) and scheme are part of the key: a
    # page rendered for a forged Host is never served to a visitor of the real one.
    key = ("page", request.scheme, request.host, request.full_path)
    hit = state["store"].get(key, current)
    if hit is not None:
        body, mimetype, gzipped = hit
        g.page_cache = "hit"
        if assets.accepts_gzip():
            response = Response(gzipped, status=200, mimetype=mimetype)
            response.headers["Content-Encoding"] = "gzip"
        else:
            response = Response(body, status=200, mimetype=mimetype)
        response.vary.add("Accept-Encoding")
        return response
    # The generation is read before rendering: a write during rendering makes this entry
    # stale at once rather than hiding the write.
    g.page_cache = (key, current)
    return None


def _label(response, outcome: str) -> None:
    # Outside production only: the header tells an observer what others have just visited.
    if current_app.config.get("M4EG_ENV") != "production":
        response.headers["X-Page-Cache"] = outcome


def _keep(response):
    pending = g.get("page_cache")
    if not pending or pending == "hit":
        if pending == "hit":
            _label(response, "hit")
        return response
    key, generation_before = pending
    if (response.status_code == 200 and not response.direct_passthrough
            and not session.modified and "csrf_token" not in g
            and "Set-Cookie" not in response.headers):
        body = response.get_data()
        _state()["store"].put(key, generation_before,
                              (body, response.mimetype, assets.compress(body)))
        _label(response, "miss")
    return response


def _changed_attributes(obj) -> set[str]:
    """The mapped attributes of ``obj`` whose value this flush changed."""
    return {attribute.key for attribute in inspect(obj).attrs
            if attribute.history.has_changes()}


def _table(obj) -> str:
    return getattr(obj, "__tablename__", "")


def _update_is_bookkeeping(obj) -> bool:
    """Whether the update of ``obj`` just flushed (its history is still there) changes no
    cached page: its table is ignored, or every attribute it changed is an ignored column."""
    ignored = IGNORED_COLUMNS.get(_table(obj))
    return _table(obj) in IGNORED_TABLES or (
        bool(ignored) and _changed_attributes(obj) <= ignored)


def _statement_is_bookkeeping(statement) -> bool:
    """Whether an ORM-enabled INSERT, UPDATE or DELETE statement changes no cached page: it
    writes an ignored table, or it is an UPDATE whose SET clause names ignored columns
    only. Anything we cannot read for certain (bulk parameter lists) counts as a write."""
    table = getattr(statement, "table", None)
    name = getattr(table, "name", "")
    if name in IGNORED_TABLES:
        return True
    ignored = IGNORED_COLUMNS.get(name)
    # SQLAlchemy keeps the SET clause of update().values() in _values (no public accessor).
    values = getattr(statement, "_values", None) if ignored else None
    if not values:
        return False
    columns = {getattr(key, "key", None) or getattr(key, "name", None) or str(key)
               for key in values}
    return columns <= ignored


def _watch_writes(db) -> None:
    @event.listens_for(db.session, "after_flush")
    def _after_flush(session, _context):
        # after_flush still sees the flushed objects and their attribute history.
        added_or_removed = {_table(obj) for obj in (*session.new, *session.deleted)}
        if added_or_removed - IGNORED_TABLES or any(
                session.is_modified(obj) and not _update_is_bookkeeping(obj)
                for obj in session.dirty):
            session.info["m4eg_wrote"] = True

    @event.listens_for(db.session, "do_orm_execute")
    def _on_execute(state):
        if (state.is_update or state.is_delete or state.is_insert) \
                and not _statement_is_bookkeeping(state.statement):
            state.session.info["m4eg_wrote"] = True

    @event.listens_for(db.session, "after_commit")
    def _after_commit(session):
        if session.info.pop("m4eg_wrote", False):
            extension = current_app.extensions.get("m4eg_cache") if current_app else None
            if extension is not None:
                extension["generation"].bump()

    @event.listens_for(db.session, "after_rollback")
    def _after_rollback(session):
        session.info.pop("m4eg_wrote", None)


def init_app(app: Flask) -> None:
    """Set up the generation, the store and the hooks. Call it after the other hooks, so
    that the page is kept before compression and the security headers are added."""
    from ..extensions import db

    url = app.config.get("CACHE_REDIS_URL")
    # CACHE_GENERATION_FILE is set by the tests only, so that two test runs on one checkout
    # do not share one counter.
    backend = FileGeneration(Path(app.config.get("CACHE_GENERATION_FILE")
                                  or Path(app.instance_path) / "cache-generation"))
    if url:
        backend = FailoverGeneration(
            RedisGeneration(url, app.config.get("REDIS_KEY_PREFIX", "m4eg")), backend,
            retry_seconds=app.config.get("REDIS_RETRY_SECONDS", 5))
    app.extensions["m4eg_cache"] = {
        "enabled": app.config.get("PAGE_CACHE", True),
        "generation": backend,
        "store": Store(app.config.get("PAGE_CACHE_SECONDS", 300)),
    }
    global _watching
    if not _watching:
        _watch_writes(db)
        _watching = True
    app.before_request(_serve_cached)
    app.after_request(_keep)
