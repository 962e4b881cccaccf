"""A full disk as a plain message: which file could not be written, and what became of the site."""

from __future__ import annotations

import contextlib
import errno
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from generator.engine.report import Published
from generator.errors import BuildError
from generator.settings import Config

_FULL = (errno.ENOSPC, errno.EDQUOT)
_SQLITE_FULL = 13  # SQLITE_FULL: "database or disk is full"


def _shown(settings: Config, path: str | Path) -> str:
    try:
        return str(Path(path).relative_to(settings.root))
    except ValueError:
        return str(path)


def disk_full_message(settings: Config, path: str | Path | None, published: Published) -> str:
    where = _shown(settings, path) if path else f"the database in {_shown(settings, settings.db_path.parent)}"
    if published.site:
        return (
            f"no space left on device while writing {where}; the new site was published, "
            "the next build finishes the rest. Free some space and build again."
        )
    return (
        f"no space left on device while writing {where}; the previous site is untouched. "
        "Free some space and build again."
    )


@contextlib.contextmanager
def disk_errors(settings: Config) -> Iterator[Published]:
    """Turn a full disk (or quota) met anywhere in the block into a BuildError naming the
    file; yields the record of whether the new site was published yet."""
    published = Published()
    try:
        yield published
    except OSError as exc:
        if exc.errno not in _FULL:
            raise
        raise BuildError(disk_full_message(settings, exc.filename, published)) from None
    except sqlite3.OperationalError as exc:
        if getattr(exc, "sqlite_errorcode", None) != _SQLITE_FULL and "disk is full" not in str(exc):
            raise
        raise BuildError(disk_full_message(settings, None, published)) from None
