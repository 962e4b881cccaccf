"""Publish a finished site: build in a staging folder, then swap it into place atomically."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_RENAME_EXCHANGE = 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step with Linux renameat2(RENAME_EXCHANGE); False if unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def swap_into_place(staging: Path, target: Path) -> None:
    """Make `staging` the new `target`. Readers see the old site or the new one, never a mix."""
    if target.is_symlink():
        raise OSError(f"{target} is a symbolic link; refusing to replace it")
    if target.exists():
        if not _exchange(staging, target):
            # Without an atomic exchange there is a moment with no site, but never a mixed one.
            old = target.with_name(f".{target.name}-old-{os.getpid()}")
            os.replace(target, old)
            os.replace(staging, target)
            shutil.rmtree(old, ignore_errors=True)
            return
        shutil.rmtree(staging, ignore_errors=True)  # it now holds the old site
    else:
        os.replace(staging, target)
    _fsync_dir(target.parent)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def staging_dir(target: Path) -> Iterator[Path]:
    """A fresh folder beside `target` (same filesystem, so the swap is a rename).

    Removed on failure; the caller swaps it in on success."""
    target.parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f".{target.name}-staging-", dir=target.parent))
    os.chmod(path, 0o755)  # mkdtemp makes 0700; a published site is world-readable
    try:
        yield path
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise


def clean_stale_staging(target: Path) -> None:
    """Remove staging folders left by a build that was killed."""
    if not target.parent.is_dir():
        return
    for leftover in target.parent.glob(f".{target.name}-staging-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    for leftover in target.parent.glob(f".{target.name}-old-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write a file via a temporary sibling and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
