"""The per-account limit on password guesses, shared by every worker.

Built on the app's Flask-Limiter storage (memory in development and tests, Redis in
production), so the counters are atomic and shared between gunicorn workers. What the
``limits`` library does not offer is a progressive slow-down after the limit, so that part is
written here on top of its storage primitives (``incr``, ``get``, ``get_expiry``, ``clear``),
which Redis and the memory storage both implement atomically.

The attempt is counted *before* the password is checked: counting after the check (as a
``deduct_when`` decorator does) lets parallel requests all pass the test before any of them
is counted.

After :data:`LOGIN_LIMIT` failed attempts the account is not locked: one attempt is let
through every ``2**n`` seconds (``n`` = attempts so far, capped at :data:`MAX_WAIT`), so the
owner with the right password gets in after a short wait and a guesser gets a handful of
tries a day. A success clears the counters (``clear`` rather than a decrement: it proves the
person knows the password, so their earlier typos must not count against them later).

When the storage is Redis and Redis does not answer, the counting goes on in this worker's
memory (:class:`~m4eg.core.failover.Failover`: a warning in the log once per outage, Redis
asked again every ``REDIS_RETRY_SECONDS``), so sign-ins keep working and stay throttled,
per worker rather than shared, until Redis is back.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage
from limits.strategies import FixedWindowRateLimiter

from ..core.failover import Failover
from ..extensions import limiter

LOGIN_LIMIT = parse("5 per 15 minutes")
MAX_WAIT = 60 * 60
# How long the slow-down remembers an account that reached the limit.
STAGE_TTL = 24 * 60 * 60


@dataclass(frozen=True)
class Verdict:
    """The answer before a sign-in attempt."""

    allowed: bool
    wait: int = 0  # seconds until the next attempt may be made, when not allowed
    first_refusal: bool = False  # the limit has just been reached (warn the owner once)


def _failover() -> Failover[Storage]:
    """The app's storage (the one Flask-Limiter was given) with a memory fallback."""
    primary = limiter.storage
    state = current_app.extensions.get("m4eg_throttle")
    if state is None or state.primary is not primary:
        if isinstance(primary, MemoryStorage):
            fallback, errors = primary, ()
        else:
            fallback = MemoryStorage()
            base = primary.base_exceptions
            errors = (StorageError, *(base if isinstance(base, tuple) else (base,)))
        state = Failover("Login throttle", primary, fallback, errors=errors,
                         retry_seconds=current_app.config.get("REDIS_RETRY_SECONDS", 5))
        current_app.extensions["m4eg_throttle"] = state
    return state


def _keys(account: str) -> tuple[str, str]:
    return f"m4eg/login-gate/{account}", f"m4eg/login-stage/{account}"


def before_attempt(account: str) -> Verdict:
    """Count an attempt on ``account`` (a normalised email) and say whether it may go on."""
    if not limiter.enabled:
        return Verdict(True)
    return _failover().call(lambda storage: _before_attempt(storage, account))


def _before_attempt(storage: Storage, account: str) -> Verdict:
    gate, stage_key = _keys(account)
    if storage.get(gate):
        return _refused(storage, gate)
    if FixedWindowRateLimiter(storage).hit(LOGIN_LIMIT, "login", account):
        return Verdict(True)
    stage = storage.get(stage_key)
    wait = min(2 ** (LOGIN_LIMIT.amount + stage), MAX_WAIT)
    # Only the request whose increment opens the gate gets through; the gate then stays
    # closed for ``wait`` seconds, for every worker.
    if storage.incr(gate, wait) != 1:
        return _refused(storage, gate)
    storage.incr(stage_key, STAGE_TTL)
    if stage == 0:
        # The limit has just been reached: the first wait starts now.
        return Verdict(False, wait=wait, first_refusal=True)
    return Verdict(True)


def _refused(storage: Storage, gate: str) -> Verdict:
    return Verdict(False, wait=max(1, math.ceil(storage.get_expiry(gate) - time.time())))


def succeeded(account: str) -> None:
    """The password was right: forget the failed attempts on ``account``."""
    if not limiter.enabled:
        return
    _failover().call(lambda storage: _forget(storage, account))


def _forget(storage: Storage, account: str) -> None:
    FixedWindowRateLimiter(storage).clear(LOGIN_LIMIT, "login", account)
    for key in _keys(account):
        storage.clear(key)

