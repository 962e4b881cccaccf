"""The command line's scan of the input folders: listed here, the files' stats taken by this
process and, on a large site, by a forked one, half each."""

from __future__ import annotations

import contextlib
import marshal
import os
import signal
import stat
from collections.abc import Iterable
from pathlib import Path

from generator.engine.state import IndexEntry
from generator.support.forksafe import fork_is_safe

SPLIT_AT = 5_000
"""Files to stat from which a second process takes half of them: below, the fork and the
transfer of its half cost more than they save."""

Listing = list[tuple[str, list[str]]]  # (folder, the names of its files), folders in walk order


def scan_roots(roots: Iterable[Path]) -> dict[str, IndexEntry]:
    """Every file under `roots` (hidden names skipped), by absolute path, with its stat and
    no hash: what state.scan_tree gives for each root, in another order. The first half of
    each folder's files comes first, then the second halves, whichever process stat-ed them,
    so the same files come in the same order (Inputs.digest depends on it).

    Most of a scan is its stat calls. Two processes make them at once: the kernel serves
    both, and each interpreter does half the work around them."""
    listing = _listing(roots)
    first = [(folder, names[: len(names) // 2]) for folder, names in listing]
    second = [(folder, names[len(names) // 2 :]) for folder, names in listing]
    if sum(len(names) for _, names in listing) < SPLIT_AT or not fork_is_safe():
        return _alone(first, second)
    return _split(first, second)


def _alone(first: Listing, second: Listing) -> dict[str, IndexEntry]:
    files = _stats(first)
    files.update(_stats(second))
    return files


def _listing(roots: Iterable[Path]) -> Listing:
    listing: Listing = []
    stack = [str(root) for root in reversed(list(roots)) if root.is_dir()]
    while stack:
        folder = stack.pop()
        names: list[str] = []
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    if entry.name.startswith("."):
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(folder + os.sep + entry.name)
                    else:
                        names.append(entry.name)
        except OSError:  # a folder that cannot be read holds no input the build could load
            continue
        listing.append((folder, names))
    return listing


def _stats(listing: Listing) -> dict[str, IndexEntry]:
    """The stat of each listed file, taken relative to its opened folder, so the kernel does
    not walk the whole path again for each file. A file gone since the listing is left out."""
    out: dict[str, IndexEntry] = {}
    stat_at = os.stat
    for folder, names in listing:
        if not names:
            continue
        try:
            handle = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            continue
        here = folder + os.sep
        try:
            for name in names:
                try:
                    st = stat_at(name, dir_fd=handle, follow_symlinks=False)
                except FileNotFoundError:
                    continue
                if not stat.S_ISDIR(st.st_mode):
                    out[here + name] = (st.st_mtime_ns, st.st_size, None)
        finally:
            os.close(handle)
    return out


def _split(first: Listing, second: Listing) -> dict[str, IndexEntry]:
    """`first` stat-ed here while a forked child stats `second` and sends its answer back
    through a pipe (marshal: a dict of strings and tuples). When the fork fails, or the child
    sends nothing whole, this process stats `second` too."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return _alone(first, second)
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return _alone(first, second)
    if pid == 0:  # the child: its half, then out at once (no cleanup of the parent's objects)
        code = 1
        try:
            os.close(read_end)
            _send(write_end, _stats(second))
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    reaped = False
    try:
        with os.fdopen(read_end, "rb") as pipe:
            files = _stats(first)
            data = pipe.read()
        _, status = os.waitpid(pid, 0)
        reaped = True
    finally:
        if not reaped:  # interrupted: the child goes too
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
    theirs = None
    if os.waitstatus_to_exitcode(status) == 0:
        with contextlib.suppress(EOFError, ValueError, TypeError):
            theirs = marshal.loads(data)
    files.update(theirs if isinstance(theirs, dict) else _stats(second))
    return files


def _send(fd: int, files: dict[str, IndexEntry]) -> None:
    with os.fdopen(fd, "wb") as pipe:
        pipe.write(marshal.dumps(files, 2))
