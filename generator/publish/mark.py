"""The mark a build writes last into the tree it publishes, by which the next build knows
output/ is still the site its state describes.

The build state describes the site it published. Before a build trusts the state (and
may say "nothing changed"), it reads the mark in output/: it holds a digest of every page's
path and bytes, which the state records too. A missing or emptied output/, a tree another
build left half-written (the mark is written last) or another site's tree lacks it or holds
another digest, and the build is then a full one. A faithful copy of the tree (a CI cache
restored elsewhere) keeps it. The digest depends on the pages alone, so two builds of the
same content write the same bytes. It is a sum of one hash per page, so an incremental
build moves it by the pages it changed without reading every page's record.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from pathlib import Path

MARK = ".omakase-build"
_TEXT = "A site published by omakase build. The next build checks this file; leave it.\n"


_MODULUS = 1 << 128


def _term(path: str, digest: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(path.encode() + b"\0" + bytes(digest), digest_size=16).digest())


def tree_digest(pages: Iterable[tuple[str, bytes]]) -> str:
    """The digest of a tree's pages: (relative path, digest of its bytes) of each."""
    return f"{sum(_term(path, digest) for path, digest in pages) % _MODULUS:032x}"


def moved_digest(
    digest: str, removed: Iterable[tuple[str, bytes]], added: Iterable[tuple[str, bytes]]
) -> str:
    """`digest` of a tree after its `removed` pages left it and its `added` pages came: the
    `tree_digest` of the pages it has then."""
    total = int(digest, 16) - sum(_term(path, old) for path, old in removed)
    return f"{(total + sum(_term(path, new) for path, new in added)) % _MODULUS:032x}"


def write_mark(tree: Path, digest: str) -> None:
    """Write the mark as a new file (a new inode: another tree may share the old one)."""
    tmp = tree / f"{MARK}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    try:
        os.write(fd, f"{_TEXT}{digest}\n".encode())
    except OSError as exc:
        exc.filename = str(tree / MARK)
        raise
    finally:
        os.close(fd)
    os.replace(tmp, tree / MARK)


def read_mark(tree: Path) -> str | None:
    """The digest the mark in `tree` holds, None when there is none."""
    try:
        fd = os.open(tree / MARK, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        text = os.read(fd, 4096).decode("ascii", "replace")
    except OSError:
        return None
    finally:
        os.close(fd)
    lines = text.splitlines()
    return lines[-1] if len(lines) == 2 and lines[0] == _TEXT.strip() else None
