"""Use a shared backend (Redis) while it answers, and a local one while it does not.

The page-cache generation and the per-account login throttle keep their state in Redis when
it is configured, so that every worker on every machine shares it. Redis going down must not
turn every page into a 500: each of them then works on a local backend (the generation file,
the limiter's memory storage), says so once in the log, asks Redis again every
``retry_seconds`` and goes back to it when it answers.

Written here rather than taken from a circuit-breaker library (pybreaker): what we need is
the fallback and the once-per-outage log lines, which such a library leaves to its caller,
and the breaker itself is the dozen lines of :meth:`Failover.call`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

logger = logging.getLogger(__name__)
Backend = TypeVar("Backend")
Result = TypeVar("Result")


class Failover(Generic[Backend]):
    """``primary`` while it answers, ``fallback`` from its first error until it answers a
    retry. ``errors`` are the exceptions that mean "the primary is unreachable";
    ``on_switch(backend)`` runs whenever the backend in use changes (the page cache starts a
    new generation there, since the other one may have missed writes)."""

    def __init__(self, name: str, primary: Backend, fallback: Backend, *,
                 errors: tuple[type[BaseException], ...], retry_seconds: float = 5,
                 on_switch: Callable[[Backend], None] | None = None):
        self.name, self.primary, self.fallback = name, primary, fallback
        self.errors, self.retry_seconds, self.on_switch = errors, retry_seconds, on_switch
        self.down_since: float | None = None  # monotonic time of the failure, None when up
        self._last_try = 0.0
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def call(self, operation: Callable[[Backend], Result]) -> Result:
        """``operation(backend)`` on the primary when it is up or due a retry, otherwise (or
        when it fails) on the fallback."""
        if self.down and time.monotonic() - self._last_try < self.retry_seconds:
            return operation(self.fallback)
        try:
            result = operation(self.primary)
            if self.down:
                self._recovered()
                # Again after the switch: what the switch changed (a new generation) counts.
                result = operation(self.primary)
        except self.errors as error:
            self._failed(error)
            return operation(self.fallback)
        return result

    def _failed(self, error: BaseException) -> None:
        with self._lock:
            self._last_try = time.monotonic()
            if self.down:
                return
            self.down_since = self._last_try
        # Once per outage, not once per request.
        logger.warning("%s: Redis is unreachable (%s); using %s until it answers again",
                       self.name, error, self._describe(self.fallback))
        self._switched(self.fallback)

    def _recovered(self) -> None:
        with self._lock:
            if not self.down:
                return
            seconds = time.monotonic() - self.down_since
            self.down_since = None
        logger.warning("%s: Redis answers again after %.0f s; using it again", self.name,
                       seconds)
        self._switched(self.primary)

    def _switched(self, backend: Backend) -> None:
        if self.on_switch is None:
            return
        with contextlib.suppress(*self.errors):  # failed again at once: the next call notices
            self.on_switch(backend)

    @staticmethod
    def _describe(backend) -> str:
        return getattr(backend, "description", type(backend).__name__)
