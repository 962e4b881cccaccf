"""Child processes of a build die with it, so a killed build leaves nothing writing behind it."""

from __future__ import annotations

import functools
import os
import signal
import sys
from collections.abc import Callable

from generator.support.libc import libc

_PR_SET_PDEATHSIG = 1
# Looked up at import, in the parent: a forked child must not call into the dynamic
# loader, whose lock another thread of the parent may have held at the fork.
_PRCTL = libc().prctl if sys.platform.startswith("linux") else None


def die_with_parent(parent: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux; a no-op elsewhere).

    Used in render workers and as `preexec_fn` for Pagefind: without it, a SIGKILLed build
    leaves orphans that keep writing into a staging folder the next build is cleaning.
    `parent`: the pid of the process that forked this one, taken before the fork. A parent
    killed between the fork and the request would never send the signal, so the child
    then ends at once."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)


def dying_with_this() -> Callable[[], None]:
    """A `preexec_fn` or worker initializer that makes a child die with this process
    (`die_with_parent`, with this process's pid taken now, before the fork)."""
    return functools.partial(die_with_parent, os.getpid())
