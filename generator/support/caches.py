"""Where a build keeps its caches: folders beside the database, never published."""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection, Iterable
from pathlib import Path

CACHES = ("templates", "search", "covers", "cards", "opendata")
"""Folders of build caches kept beside the database: compiled templates (site/render.py),
the documents Pagefind reads (site/search.py), the processed cover images
(engine/covers.py), the menus' social cards (engine/cards.py) and the open-data work files
(site/openwork.py). Never published, safe to delete."""


def cache_dir(db_path: Path, name: str) -> Path:
    """The cache folder `name` (one of CACHES) of the database at `db_path`: `.<db stem>-<name>`."""
    return db_path.with_name(f".{db_path.stem}-{name}")


def prune_cache(root: Path, keep: Collection[str], names: Iterable[str] | None = None) -> int:
    """Delete the entries of the cache folder `root` whose name (up to its first dot) is not
    in `keep`, so that the cache holds what the site uses and no more. Hidden entries (work
    in progress, `.key.pid.tmp`) are left to the build that writes them. `names` is a
    listing of `root` the caller made (one made before it added entries, all in `keep`).
    Returns how many entries went."""
    if names is None:
        try:
            names = os.listdir(root)
        except OSError:
            return 0
    # Strings, not a Path per entry: a cache holds an entry per menu or cover.
    stale = [name for name in names if not name.startswith(".") and name.partition(".")[0] not in keep]
    for name in stale:
        entry = root / name
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    return len(stale)
