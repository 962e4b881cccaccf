"""One build of a site at a time: an OS lock on a file beside the database.

Two builds of one site would write the same database, state, staging folder and shadow
tree, and could leave output/ empty or mixed. Every build (`omakase build`, the dev
server's rebuilds and the work it does ahead of the next edit) holds this lock while it
touches any of them. It is a `flock` on `data/<db>.lock`: the kernel releases it when the
holding process ends, however it ends, so a killed build never leaves a stale lock. The
holder writes its pid into the file, for the message a waiting build prints.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

import click

from generator.errors import BuildError

# How long a build waits for another one before it gives up (seconds). A build that comes
# while another runs (a save that the dev server is rebuilding, two CI jobs on one folder)
# has the same inputs to read once the other is done, so waiting is what the user wants;
# the limit keeps a stopped or hung build from blocking the next one for ever.
LOCK_WAIT = 600.0
_POLL = 0.05  # flock has no timeout: a blocked build tries again this often


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


class BuildBusy(BuildError):
    """Another build of the same site holds the lock."""

    def __init__(self, pid: int | None, waited: float) -> None:
        who = f"another build is running (pid {pid})" if pid else "another build is running"
        hint = f"; waited {waited:.0f}s for it" if waited else ""
        super().__init__(f"{who}{hint}. Wait for it to finish (or stop it), then build again.")
        self.pid = pid


def _open(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_NOFOLLOW: a link planted in data/ must not make a build truncate another file.
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(path, flags, 0o644)
    except OSError as exc:
        raise BuildError(f"cannot open the build lock {path}: {exc.strerror or exc}") from None


def _take(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def holder(fd: int) -> int | None:
    """The pid the lock's holder wrote (None while it has not written it yet)."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _claim(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)


@contextlib.contextmanager
def build_lock(db_path: Path, *, wait: float | None = None) -> Iterator[None]:
    """Hold the site's build lock for the block. When another build holds it, say so and
    wait for it, at most `wait` seconds (LOCK_WAIT by default), then raise BuildBusy."""
    limit = LOCK_WAIT if wait is None else wait
    fd = _open(lock_path(db_path))
    try:
        if not _take(fd):
            started = time.monotonic()
            pid = holder(fd)
            if limit <= 0:
                raise BuildBusy(pid, 0)
            who = f" (pid {pid})" if pid else ""
            click.echo(f"another build is running{who}; waiting for it to finish…", err=True)
            while not _take(fd):
                if time.monotonic() - started >= limit:
                    raise BuildBusy(holder(fd) or pid, time.monotonic() - started)
                time.sleep(_POLL)
        _claim(fd)
        yield
    finally:
        os.close(fd)  # closing the last descriptor releases the lock


@contextlib.contextmanager
def lock_if_free(db_path: Path) -> Iterator[bool]:
    """Hold the lock for the block when no build holds it; yields whether it does. For work
    done ahead of time (the dev server while idle), which is simply skipped when busy."""
    fd = _open(lock_path(db_path))
    try:
        free = _take(fd)
        if free:
            _claim(fd)
        yield free
    finally:
        os.close(fd)
