"""Child processes of a build die with it, so a killed build leaves nothing writing behind it."""

from __future__ import annotations

import signal
import sys

from generator.support.libc import libc

_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux; a no-op elsewhere).

    Used in render workers and as `preexec_fn` for Pagefind: without it, a SIGKILLed build
    leaves orphans that keep writing into a staging folder the next build is cleaning."""
    if not sys.platform.startswith("linux"):
        return
    libc().prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
