"""A copy of the site database made while the dev server waits for an edit: the next
incremental build takes it instead of copying the database on the edit's path."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

SUFFIX = ".spare"  # `<db>.<pid>.spare`: a build removes those of processes that are gone

Identity = tuple[int, int, int, int]


@dataclass(frozen=True)
class Spare:
    """A copy of the database, at `path`, and what identifies the file it copied: device,
    inode, size and mtime (the database is only ever replaced by a rename, never written
    in place)."""

    path: Path
    of: Identity


def _identity(path: Path) -> Identity | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def make_spare(db_path: Path, kept: Spare | None) -> Spare | None:
    """A copy of the database at `db_path` beside it, or `kept` while that is still a copy
    of it. None when there is no database, or copying failed (a full disk: the next build
    copies as it would have anyway)."""
    before = _identity(db_path)
    if kept is not None and kept.of == before:
        return kept
    discard(kept)
    if before is None:
        return None
    path = db_path.with_name(f"{db_path.name}.{os.getpid()}{SUFFIX}")
    try:
        shutil.copyfile(db_path, path)
    except OSError:
        path.unlink(missing_ok=True)
        return None
    if _identity(db_path) != before:  # replaced while it was copied: of which one?
        path.unlink(missing_ok=True)
        return None
    return Spare(path, before)


def take_spare(spare: Spare | None, db_path: Path, into: Path) -> bool:
    """Move `spare` to `into` when it is a copy of the database at `db_path` as it is now;
    True when it was moved. A spare of an older database is removed."""
    if spare is None:
        return False
    if spare.of == _identity(db_path):
        try:
            os.replace(spare.path, into)
            return True
        except OSError:
            pass
    discard(spare)
    return False


def discard(spare: Spare | None) -> None:
    if spare is not None:
        spare.path.unlink(missing_ok=True)
