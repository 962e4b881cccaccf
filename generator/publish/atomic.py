"""Atomic replacement on disk: a file via a temporary sibling, two trees swapped in one step."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

from generator.support.libc import libc
from generator.support.timings import timed

_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step with Linux renameat2(RENAME_EXCHANGE); False if unsupported."""
    renameat2 = getattr(libc(), "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


@timed("publish")
def swap_into_place(staging: Path, target: Path) -> None:
    """Make `staging` the new `target`. Readers see the old site or the new one, never a mix."""
    if target.is_symlink():
        raise OSError(f"{target} is a symbolic link; refusing to replace it")
    if target.exists():
        if not exchange(staging, target):
            # Without an atomic exchange there is a moment with no site, but never a mixed one.
            old = target.with_name(f".{target.name}-old-{os.getpid()}")
            os.replace(target, old)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
            return
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the old site
    else:
        os.replace(staging, target)
    fsync_dir(target.parent)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file via a temporary sibling and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:  # a full disk names no file
            exc.filename = str(path)
        raise


@contextlib.contextmanager
def writing(path: Path) -> Iterator[None]:
    """Name `path` in a write error that names no file, and report SQLite's full disk as
    the OSError it is (ENOSPC), so the build can say which file could not be written."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", None) != sqlite3.SQLITE_FULL and "disk is full" not in str(exc):
            raise
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path)) from exc
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        raise
