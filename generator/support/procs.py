"""Child processes of a build die with it, so a killed build leaves nothing writing behind it."""

from __future__ import annotations

import functools
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from generator.support.libc import libc

_PR_SET_PDEATHSIG = 1
# Looked up at import, in the parent: a forked child must not call into the dynamic
# loader, whose lock another thread of the parent may have held at the fork.
_PRCTL = libc().prctl if sys.platform.startswith("linux") else None


def die_with_parent(parent: int) -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (Linux; a no-op elsewhere).

    Used in render workers and by `spawn` for Pagefind: without it, a SIGKILLed build
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


# Run by `/bin/sh` between `setpriv` and the command: the parent-death signal is asked for
# by then, so a parent that is still the one that started the child will send it.
_PARENT_CHECK = 'test "$PPID" = "$1" || exit 1; shift; exec "$@"'


def spawn(command: list[str], **options: Any) -> subprocess.Popen[bytes]:
    """Start `command` as a child that dies with this process (`die_with_parent`).

    Where util-linux's `setpriv` can ask for the parent-death signal, it asks, and a shell
    then checks the parent before it runs the command. No Python code then runs between
    fork and exec, so `subprocess` starts the child with vfork. A `preexec_fn` needs a real
    fork: in a large process (the dev server) that copies its page tables, and each page it
    writes afterwards faults once more, which makes the next walk over its objects slower."""
    setpriv = _setpriv()
    if setpriv is None:
        return subprocess.Popen(command, preexec_fn=dying_with_this(), **options)
    guarded = [setpriv, "--pdeathsig", "KILL", "--", "/bin/sh", "-c", _PARENT_CHECK, "sh", str(os.getpid())]
    return subprocess.Popen([*guarded, *command], **options)


@functools.cache
def _setpriv() -> str | None:
    """The `setpriv` that takes `--pdeathsig` (util-linux 2.33 and later), found once."""
    found = shutil.which("setpriv") if _PRCTL is not None else None
    if found is None:
        return None
    try:
        probe = subprocess.run(
            [found, "--pdeathsig", "KILL", "--", "/bin/sh", "-c", "exit 0"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return found if probe.returncode == 0 else None
