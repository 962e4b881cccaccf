"""Where a build keeps its caches: folders beside the database, never published."""

from __future__ import annotations

from pathlib import Path

CACHES = ("templates", "search", "covers")
"""Folders of build caches kept beside the database: compiled templates (site/render.py),
the documents Pagefind reads (site/search.py) and the processed cover images
(engine/covers.py). Never published, safe to delete."""


def cache_dir(db_path: Path, name: str) -> Path:
    """The cache folder `name` (one of CACHES) of the database at `db_path`: `.<db stem>-<name>`."""
    return db_path.with_name(f".{db_path.stem}-{name}")
