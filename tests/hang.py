"""A guard against a hang, not a measurement.

Texts that once made a parser or the diff run for minutes (catastrophic backtracking, a
quadratic diff) are tested for what they produce; this guard only stops such a regression from
holding CI until its time limit. Its limit is far above any machine's normal time, so a loaded
machine cannot make it fail; how fast these run is measured by ``bench/texts.py``.
"""

from __future__ import annotations

import threading

HANG_AFTER = 60  # seconds


def completes(work, hang_after: float = HANG_AFTER):
    """Run ``work`` in a daemon thread and return its result; fail if it is still running
    after ``hang_after`` seconds."""
    outcome = {}
    thread = threading.Thread(target=lambda: outcome.setdefault("result", work()), daemon=True)
    thread.start()
    thread.join(hang_after)
    assert not thread.is_alive(), f"still running after {hang_after} s: it hangs"
    return outcome["result"]
