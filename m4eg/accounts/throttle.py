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
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import parse

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


def _storage():
    return limiter.limiter.storage


def _keys(account: str) -> tuple[str, str]:
    return f"m4eg/login-gate/{account}", f"m4eg/login-stage/{account}"


def before_attempt(account: str) -> Verdict:
    """Count an attempt on ``account`` (a normalised email) and say whether it may go on."""
    if not limiter.enabled:
        return Verdict(True)
    storage = _storage()
    gate, stage_key = _keys(account)
    if storage.get(gate):
        return _refused(gate)
    if limiter.limiter.hit(LOGIN_LIMIT, "login", account):
        return Verdict(True)
    stage = storage.get(stage_key)
    wait = min(2 ** (LOGIN_LIMIT.amount + stage), MAX_WAIT)
    # Only the request whose increment opens the gate gets through; the gate then stays
    # closed for ``wait`` seconds, for every worker.
    if storage.incr(gate, wait) != 1:
        return _refused(gate)
    storage.incr(stage_key, STAGE_TTL)
    if stage == 0:
        # The limit has just been reached: the first wait starts now.
        return Verdict(False, wait=wait, first_refusal=True)
    return Verdict(True)


def _refused(gate: str) -> Verdict:
    return Verdict(False, wait=max(1, math.ceil(_storage().get_expiry(gate) - time.time())))


def succeeded(account: str) -> None:
    """The password was right: forget the failed attempts on ``account``."""
    if not limiter.enabled:
        return
    limiter.limiter.clear(LOGIN_LIMIT, "login", account)
    for key in _keys(account):
        _storage().clear(key)
