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
    """`path` from the site's root; a file of the tree a build was writing (its staging
    folder, the output's shadow tree) as the output file it was to become."""
    path = Path(path)
    output = settings.output_dir
    if path.is_relative_to(output.parent) and path != output.parent:
        first, *rest = path.relative_to(output.parent).parts
        if first.startswith(f".{output.name}-"):
            path = output.joinpath(*rest)
    try:
        return str(path.relative_to(settings.root))
    except ValueError:
        return str(path)


def disk_full_message(settings: Config, path: str | Path | None, published: Published) -> str:
    # A write that fails names no file (a database's, a page's whose error lost it): then
    # the folders a build writes are what the user can free space in.
    folders = f"{_shown(settings, settings.db_path.parent)}/ or {_shown(settings, settings.output_dir)}/"
    where = _shown(settings, path) if path else folders
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
