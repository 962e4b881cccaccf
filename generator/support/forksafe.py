"""Whether a build may fork a child that runs Python (not only one that execs at once)."""

from __future__ import annotations

import sys
import threading


def fork_is_safe() -> bool:
    """On Linux, with this one thread: a forked child has the forking thread alone, and a
    lock another thread held stays locked in it. So never in the dev server, whose watcher
    and HTTP threads run beside its builds."""
    return sys.platform.startswith("linux") and threading.active_count() == 1
