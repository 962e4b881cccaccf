"""The mark a build writes last into the tree it publishes, by which the next build knows
output/ is still that tree.

The build state describes the site it published. Before a build trusts the state (and
may say "nothing changed"), it checks that output/ still holds the very file it wrote:
same inode, same time. A missing, emptied, copied or half-written output/ lacks it, and
the build is then a full one. One stat: the check costs nothing on a build with nothing to do.
Its bytes are the same in every build, so two builds of the same content stay identical.
"""

from __future__ import annotations

import os
from pathlib import Path

MARK = ".omakase-build"
_TEXT = b"A site published by omakase build. The next build checks this file; leave it.\n"


def write_mark(tree: Path) -> None:
    """Write the mark as a new file (a new inode: another tree may share the old one)."""
    tmp = tree / f"{MARK}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        os.write(fd, _TEXT)
    except OSError as exc:
        exc.filename = str(tree / MARK)
        raise
    finally:
        os.close(fd)
    os.replace(tmp, tree / MARK)


def read_mark(tree: Path) -> list[int] | None:
    """The identity of the mark in `tree` (device, inode, mtime), None when it is absent."""
    try:
        st = os.stat(tree / MARK, follow_symlinks=False)
    except OSError:
        return None
    return [st.st_dev, st.st_ino, st.st_mtime_ns]
